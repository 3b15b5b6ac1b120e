"""Interaction handles (what the bot answered, and when) and slash-command option building."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .messages import StoredMessage
from .recording import Notifier, RecordedRequest
from .world import Channel, Guild, Role, User

SUB_COMMAND, SUB_COMMAND_GROUP = 1, 2
STRING, INTEGER, BOOLEAN, USER, CHANNEL, ROLE, MENTIONABLE, NUMBER = 3, 4, 5, 6, 7, 8, 9, 10

# Interaction callback types.
PONG, CHANNEL_MESSAGE, DEFERRED_CHANNEL_MESSAGE = 1, 4, 5
DEFERRED_UPDATE_MESSAGE, UPDATE_MESSAGE, AUTOCOMPLETE_RESULT, MODAL = 6, 7, 8, 9


@dataclass(eq=False)
class Callback:
    """One interaction callback the bot sent: its type, data and arrival time."""

    type: int
    data: dict[str, Any] | None
    received_at: float
    request: RecordedRequest


@dataclass(eq=False)
class ResponseEvent:
    """A step in the bot's answer: ``kind`` is ``callback:<type>``, ``edit_original``,
    ``delete_original``, ``followup``, ``edit_followup`` or ``delete_followup``."""

    kind: str
    at: float
    message: StoredMessage | None = None


@dataclass(eq=False)
class InteractionHandle:
    """An injected interaction and everything the bot did in answer to it."""

    id: int
    token: str = field(repr=False)
    type: int
    payload: dict[str, Any] = field(repr=False)
    user: User = field(repr=False)
    channel: Channel = field(repr=False)
    guild: Guild | None = field(repr=False)
    notifier: Notifier = field(repr=False)
    created_at: float = field(default_factory=time.monotonic, repr=False)
    callbacks: list[Callback] = field(default_factory=list, repr=False)
    events: list[ResponseEvent] = field(default_factory=list, repr=False)
    original: StoredMessage | None = None
    followups: list[StoredMessage] = field(default_factory=list)
    source_message: StoredMessage | None = field(default=None, repr=False)
    late_callbacks: list[RecordedRequest] = field(default_factory=list, repr=False)

    def __repr__(self) -> str:
        return f"<InteractionHandle id={self.id} type={self.type} kinds={self.kinds}>"

    @property
    def callback(self) -> Callback | None:
        """The first callback (the acknowledgement), or None if none arrived yet."""
        return self.callbacks[0] if self.callbacks else None

    @property
    def time_to_callback(self) -> float | None:
        """Seconds from dispatching the interaction to its first callback."""
        return self.callback.received_at - self.created_at if self.callback else None

    @property
    def modal(self) -> dict[str, Any] | None:
        """The modal the bot opened (callback type 9), if any."""
        return next((c.data for c in self.callbacks if c.type == MODAL), None)

    @property
    def kinds(self) -> list[str]:
        """The kinds of the response events, in order (e.g. ``["callback:5", "followup"]``)."""
        return [event.kind for event in self.events]

    def record(self, kind: str, message: StoredMessage | None = None) -> None:
        """Append a response event and wake waiters."""
        self.events.append(ResponseEvent(kind, time.monotonic(), message))
        self.notifier.notify()

    async def wait_callback(self, timeout: float = 5.0) -> Callback:
        """Wait for the first callback (defer, message, modal, ...)."""
        return await self.notifier.wait_until(
            lambda: self.callback, timeout, f"a callback to interaction {self.id}"
        )

    async def wait_followup(self, index: int = 0, timeout: float = 10.0) -> StoredMessage:
        """Wait for follow-up number ``index`` (0 is the first)."""

        def check() -> StoredMessage | None:
            return self.followups[index] if len(self.followups) > index else None

        return await self.notifier.wait_until(check, timeout, f"follow-up #{index} to {self.id}")

    async def wait_original(
        self, predicate: Callable[[StoredMessage], bool] | None = None, timeout: float = 10.0
    ) -> StoredMessage:
        """Wait for the original response to exist (and satisfy ``predicate``, if given)."""

        def check() -> StoredMessage | None:
            found = self.original
            if found is None or (predicate is not None and not predicate(found)):
                return None
            return found

        return await self.notifier.wait_until(check, timeout, f"the original response to {self.id}")

    async def wait_answer(self, timeout: float = 10.0) -> StoredMessage:
        """Wait for the first visible answer: a non-loading original response or a follow-up."""

        def check() -> StoredMessage | None:
            if self.original is not None and not self.original.loading:
                return self.original
            return self.followups[0] if self.followups else None

        return await self.notifier.wait_until(check, timeout, f"an answer to interaction {self.id}")


def find_command(commands: list[dict[str, Any]], name: str) -> dict[str, Any] | None:
    """The chat-input command called ``name`` among synced command payloads."""
    return next((c for c in commands if c["name"] == name and c.get("type", 1) == 1), None)


def _infer_type(value: Any) -> int:
    if isinstance(value, bool):
        return BOOLEAN
    if isinstance(value, int):
        return INTEGER
    if isinstance(value, float):
        return NUMBER
    if isinstance(value, User):
        return USER
    if isinstance(value, Channel):
        return CHANNEL
    if isinstance(value, Role):
        return ROLE
    return STRING


def _descend(
    definition: dict[str, Any] | None, path: list[str]
) -> tuple[list[dict[str, Any]] | None, list[tuple[int, str]]]:
    """Walk subcommand groups/subcommands; return the leaf's option defs and the path steps."""
    defs = definition.get("options", []) if definition else None
    steps: list[tuple[int, str]] = []
    for depth, name in enumerate(path):
        guess = SUB_COMMAND if depth == len(path) - 1 else SUB_COMMAND_GROUP
        if defs is None:
            steps.append((guess, name))
            continue
        node = next((o for o in defs if o["name"] == name and o["type"] in (1, 2)), None)
        if node is None:
            raise ValueError(f"command has no subcommand or group {name!r}")
        steps.append((node["type"], name))
        defs = node.get("options", [])
    return defs, steps


def build_options(
    definition: dict[str, Any] | None,
    path: list[str],
    values: dict[str, Any],
    resolve: Callable[[int, Any, dict[str, Any]], Any],
    *,
    partial: bool = False,
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Build the interaction ``options`` tree and ``resolved`` map (``resolve`` fills it).

    With a synced ``definition`` the option types come from it, unknown names raise and
    required options must be present (unless ``partial``, as while autocompleting); without
    one the types are inferred from the Python values.
    """
    defs, steps = _descend(definition, path)
    resolved: dict[str, Any] = {}
    leaf: list[dict[str, Any]] = []
    known = {d["name"]: d for d in defs or []}
    for name, value in values.items():
        if defs is not None and name not in known:
            raise ValueError(f"unknown option {name!r}; the command has {sorted(known)}")
        opt_type = known[name]["type"] if name in known else _infer_type(value)
        choices = [c["value"] for c in known.get(name, {}).get("choices") or []]
        if choices and not partial and value not in choices:
            raise ValueError(f"option {name!r} must be one of {choices}, not {value!r}")
        leaf.append({"name": name, "type": opt_type, "value": resolve(opt_type, value, resolved)})
    missing = [d["name"] for d in defs or [] if d.get("required") and d["name"] not in values]
    if missing and not partial:
        raise ValueError(f"required options missing: {missing}")
    options = leaf
    for step_type, name in reversed(steps):
        options = [{"name": name, "type": step_type, "options": options}]
    return options, resolved
