"""The optional LLM: provider chat models, calls with timeouts and retries, and one facade.

Providers are LangChain chat models, each an optional extra imported only when chosen:
``openai`` (``ChatOpenAI`` with ``base_url``: OpenAI or any compatible server such as vLLM,
llama.cpp or LM Studio), ``ollama`` (``ChatOllama``) and ``anthropic`` (``ChatAnthropic``).

:class:`LLM` hands out the pieces that use the model: the cited answerer (falling back to the
extractive one), the summary writer, and follow-up rewriting. The API key is a ``SecretStr``
until the provider's client gets it, and is scrubbed from anything logged.
"""

from __future__ import annotations

import logging
import random
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pydantic import SecretStr

from bot.core.errors import UserError
from bot.core.prompts import Prompts, default_prompts

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel
    from langchain_core.messages import BaseMessage

    from bot.core.answer import Answerer
    from bot.core.llm_chain import LLMAnswerer
    from bot.core.llm_summary import LLMSummaryWriter

log = logging.getLogger(__name__)

PROVIDERS = {
    # provider: (module, class, pip extra)
    "openai": ("langchain_openai", "ChatOpenAI", "openai"),
    "ollama": ("langchain_ollama", "ChatOllama", "ollama"),
    "anthropic": ("langchain_anthropic", "ChatAnthropic", "anthropic"),
}
MAX_ANSWER_TOKENS = 700


class LLMConfigError(UserError):
    """The LLM cannot be set up as configured (unknown provider, missing extra or model)."""


class LLMUnavailable(Exception):
    """An LLM call failed or timed out; the message is safe to log (secrets removed)."""


@dataclass(frozen=True)
class RetryPolicy:
    """Retries of transient failures (connection errors, 429, 5xx) with exponential backoff.

    A call that times out is not retried: the answer falls back at once instead of
    making the user wait several timeouts.
    """

    attempts: int = 3
    base_delay: float = 0.5
    max_delay: float = 8.0

    def delay(self, attempt: int) -> float:
        """Seconds to wait before retry number ``attempt`` (1-based), with jitter."""
        return min(self.max_delay, self.base_delay * 2 ** (attempt - 1)) * random.uniform(0.8, 1.2)


@dataclass(frozen=True)
class LLMConfig:
    """What the composition root reads from settings (``NEWSDESK_LLM_*``)."""

    provider: str = "openai"
    model: str = ""
    base_url: str = ""
    api_key: SecretStr | None = None
    timeout: float = 60.0
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    max_tokens: int = MAX_ANSWER_TOKENS

    @classmethod
    def from_settings(cls, settings: Any) -> LLMConfig:
        """The config from ``bot.settings.Settings`` (duck-typed: the core stays settings-free)."""
        return cls(
            provider=settings.llm_provider.strip().lower(),
            model=settings.llm_model.strip(),
            base_url=settings.llm_base_url.strip(),
            api_key=settings.llm_api_key,
            timeout=float(settings.llm_timeout),
        )

    def secret(self) -> str:
        """The API key's value ('' when none): only for redaction and the provider client."""
        return self.api_key.get_secret_value() if self.api_key else ""


def build_chat_model(config: LLMConfig) -> BaseChatModel:
    """The provider's LangChain chat model; LLMConfigError names the setting or extra to fix."""
    if config.provider not in PROVIDERS:
        raise LLMConfigError(
            f"NEWSDESK_LLM_PROVIDER={config.provider!r} is not supported; "
            f"use one of: {', '.join(PROVIDERS)}."
        )
    if not config.model:
        raise LLMConfigError(
            "NEWSDESK_LLM_MODEL is empty: name the model to use "
            "(e.g. the model your OpenAI-compatible server or Ollama serves)."
        )
    if config.timeout <= 0:
        raise LLMConfigError("NEWSDESK_LLM_TIMEOUT must be a positive number of seconds.")
    chat_class = _import_provider(config.provider)
    return chat_class(**_provider_kwargs(config))


def _import_provider(provider: str) -> type:
    module_name, class_name, extra = PROVIDERS[provider]
    try:
        module = __import__(module_name, fromlist=[class_name])
    except ImportError as exc:
        raise LLMConfigError(
            f"The {provider!r} LLM provider needs its optional extra: "
            f"pip install 'newsdesk[{extra}]' (or: pip install {module_name.replace('_', '-')})."
        ) from exc
    return getattr(module, class_name)


def _provider_kwargs(config: LLMConfig) -> dict[str, Any]:
    """Constructor arguments per provider; the providers' own retries are off (ours apply)."""
    if config.provider == "openai":
        kwargs: dict[str, Any] = {
            "model": config.model,
            "timeout": config.timeout,
            "max_retries": 0,
            "temperature": 0,
            "max_tokens": config.max_tokens,
            # Local OpenAI-compatible servers need no key, but the client insists on one.
            "api_key": config.api_key or SecretStr("not-needed"),
        }
        if config.base_url:
            kwargs["base_url"] = config.base_url
        return kwargs
    if config.provider == "ollama":
        kwargs = {
            "model": config.model,
            "temperature": 0,
            "num_predict": config.max_tokens,
            "client_kwargs": {"timeout": config.timeout},
        }
        if config.base_url:
            kwargs["base_url"] = config.base_url
        return kwargs
    kwargs = {
        "model": config.model,
        "timeout": config.timeout,
        "max_retries": 0,
        "temperature": 0,
        "max_tokens": config.max_tokens,
    }
    if config.api_key:
        kwargs["api_key"] = config.api_key
    if config.base_url:
        kwargs["base_url"] = config.base_url
    return kwargs


def redact(text: str, secrets: Sequence[str]) -> str:
    """``text`` with every secret (and anything that looks like a bearer token) masked."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "***")
    return re.sub(r"(?i)(bearer\s+|api[_-]?key[\"'=:\s]+)[^\s\"',;]+", r"\1***", text)


def is_timeout(exc: BaseException) -> bool:
    """True for a timeout of any provider (httpx, openai, anthropic, asyncio)."""
    return isinstance(exc, TimeoutError) or any(
        "Timeout" in cls.__name__ for cls in type(exc).__mro__
    )


def is_transient(exc: BaseException) -> bool:
    """True for failures worth retrying: connection errors, rate limits and server errors."""
    if is_timeout(exc):
        return False
    status = getattr(exc, "status_code", None)
    if isinstance(status, int):
        return status == 429 or status >= 500
    return any("Connect" in cls.__name__ for cls in type(exc).__mro__)


def describe(exc: BaseException, secrets: Sequence[str]) -> str:
    """A one-line, secret-free description of a failed call, for logs."""
    status = getattr(exc, "status_code", None)
    kind = type(exc).__name__ + (f" (HTTP {status})" if isinstance(status, int) else "")
    detail = redact(" ".join(str(exc).split()), secrets)[:200]
    return f"{kind}: {detail}" if detail else kind


class ChatClient:
    """A chat model called with retries and backoff; failures become :class:`LLMUnavailable`."""

    def __init__(
        self,
        model: BaseChatModel,
        retry: RetryPolicy | None = None,
        secrets: Sequence[str] = (),
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.model = model
        self.retry = retry or RetryPolicy()
        self.secrets = tuple(s for s in secrets if s)
        self.sleep = sleep

    def complete(self, messages: list[BaseMessage], model: Any = None) -> str:
        """The model's reply text; ``model`` overrides the model (e.g. a tagged copy)."""
        runnable = model or self.model
        for attempt in range(1, self.retry.attempts + 1):
            try:
                return runnable.invoke(messages).text
            except Exception as exc:  # noqa: BLE001 - every provider raises its own types
                reason = describe(exc, self.secrets)
                if attempt >= self.retry.attempts or not is_transient(exc):
                    raise LLMUnavailable(reason) from None
                delay = self.retry.delay(attempt)
                log.info("LLM call failed (%s); retry %d in %.1f s", reason, attempt, delay)
                self.sleep(delay)
        raise LLMUnavailable("no attempts configured")


class LLM:
    """The configured chat model and the prompts: hands out the pieces that use them."""

    def __init__(self, client: ChatClient, prompts: Prompts | None = None) -> None:
        self.client = client
        self.prompts = prompts or default_prompts()

    @classmethod
    def from_config(cls, config: LLMConfig, prompts: Prompts | None = None) -> LLM:
        """Build the provider's model (LLMConfigError when it cannot be) and load the prompts."""
        model = build_chat_model(config)
        return cls(ChatClient(model, config.retry, secrets=[config.secret()]), prompts)

    def answerer(self, fallback: Answerer) -> LLMAnswerer:
        """The cited LLM answerer; ``fallback`` answers when the LLM fails or cites nothing."""
        from bot.core.llm_chain import LLMAnswerer

        return LLMAnswerer(self.client, fallback, self.prompts)

    def summary_writer(self) -> LLMSummaryWriter:
        """Writes summary and timeline bullets with the LLM (map over passages, reduce)."""
        from bot.core.llm_summary import LLMSummaryWriter

        return LLMSummaryWriter(self.client, self.prompts)

    def condense_question(
        self,
        history: Sequence[str | tuple[str, str]],
        follow_up: str,
        fallback: Callable[[Sequence[str | tuple[str, str]], str], str] | None = None,
    ) -> str:
        """A thread follow-up rewritten as a standalone question (see llm_chain.condense)."""
        from bot.core.llm_chain import condense_question

        return condense_question(self.client, self.prompts, history, follow_up, fallback)
