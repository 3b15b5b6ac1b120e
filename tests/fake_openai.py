"""A fake OpenAI-compatible server on 127.0.0.1 for the LLM tests (and bench smoke runs).

It serves ``POST /v1/chat/completions``, plain JSON or streamed as server-sent events when
the request has ``"stream": true``, and replies from a script: each request takes the next
step (a reply text, an HTTP error, or a hang). When the script runs out, ``default`` (a
function of the request body) answers. Every request is recorded with its headers and body.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass(frozen=True)
class Reply:
    """Answer with ``text`` (streamed in word-sized chunks when the client streams)."""

    text: str
    chunk_delay: float = 0.0


@dataclass(frozen=True)
class Fail:
    """Answer with an HTTP error status and a JSON error body ("{auth}": the auth header)."""

    status: int
    message: str = "internal error"


@dataclass(frozen=True)
class Hang:
    """Accept the request and send nothing for ``seconds`` (or until the server stops)."""

    seconds: float = 30.0


Step = Reply | Fail | Hang


@dataclass
class Recorded:
    """One request as the server saw it."""

    path: str
    headers: dict[str, str]
    body: dict

    @property
    def messages(self) -> list[dict]:
        """The chat messages sent."""
        return self.body.get("messages", [])

    def text(self) -> str:
        """All message contents joined (to search what the model was shown)."""
        return "\n".join(str(m.get("content", "")) for m in self.messages)


@dataclass
class FakeOpenAI:
    """The server: start(), script steps with ``push``, read ``requests``, stop()."""

    default: Callable[[dict], Step] = lambda body: Reply("I cannot answer that.")
    script: list[Step] = field(default_factory=list)
    requests: list[Recorded] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server: ThreadingHTTPServer | None = None

    @property
    def base_url(self) -> str:
        """The ``/v1`` base URL to give ChatOpenAI."""
        assert self._server is not None, "start() the server first"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/v1"

    def push(self, *steps: Step) -> None:
        """Script the next replies, in order."""
        with self._lock:
            self.script.extend(steps)

    def next_step(self, body: dict) -> Step:
        with self._lock:
            if self.script:
                return self.script.pop(0)
        return self.default(body)

    def record(self, recorded: Recorded) -> None:
        with self._lock:
            self.requests.append(recorded)

    def start(self) -> FakeOpenAI:
        """Listen on a free port of 127.0.0.1 in a background thread."""
        handler = type("Handler", (_Handler,), {"fake": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        # A short poll interval makes stop() quick.
        threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        return self

    def stop(self) -> None:
        """Stop serving; hanging handlers wake up and close."""
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def __enter__(self) -> FakeOpenAI:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


class _Handler(BaseHTTPRequestHandler):
    fake: FakeOpenAI
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - quiet test output
        pass

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", 0))
        body = json.loads(self.rfile.read(length) or b"{}")
        headers = {k.lower(): v for k, v in self.headers.items()}
        self.fake.record(Recorded(self.path, headers, body))
        if self.path.rstrip("/") != "/v1/chat/completions":
            return self._json(404, {"error": {"message": f"no route {self.path}"}})
        step = self.fake.next_step(body)
        if isinstance(step, Hang):
            self.fake._stopping.wait(step.seconds)
            self.close_connection = True
            return None
        if isinstance(step, Fail):
            # "{auth}" echoes the Authorization header, as a careless proxy might.
            message = step.message.replace("{auth}", headers.get("authorization", ""))
            return self._json(step.status, {"error": {"message": message, "type": "fake"}})
        if body.get("stream"):
            return self._stream(body, step)
        return self._json(200, _completion(body, step.text))

    def _json(self, status: int, payload: dict) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _stream(self, body: dict, step: Reply) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()
        self.close_connection = True
        pieces = [w + " " for w in step.text.split(" ")]
        pieces[-1] = pieces[-1][:-1]
        first = {"role": "assistant", "content": ""}
        self._event(_chunk(body, first, None))
        for piece in pieces:
            if step.chunk_delay:
                time.sleep(step.chunk_delay)
            self._event(_chunk(body, {"content": piece}, None))
        self._event(_chunk(body, {}, "stop"))
        self.wfile.write(b"data: [DONE]\n\n")
        self.wfile.flush()

    def _event(self, payload: dict) -> None:
        self.wfile.write(f"data: {json.dumps(payload)}\n\n".encode())
        self.wfile.flush()


def _completion(body: dict, text: str) -> dict:
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": body.get("model", "fake"),
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": text},
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }


def _chunk(body: dict, delta: dict, finish: str | None) -> dict:
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": body.get("model", "fake"),
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }


def quote_first_passage(body: dict) -> Step:
    """A default reply that cites passage 1 with its first sentence (for smoke runs)."""
    user = next((m for m in body.get("messages", []) if m.get("role") == "user"), {})
    content = str(user.get("content", ""))
    if '<passage n="1"' not in content:
        return Reply("I cannot answer that from the indexed articles.")
    text = content.split('<passage n="1"', 1)[1].split(">", 1)[1].split("</passage>", 1)[0]
    sentence = text.strip().split(". ")[0].rstrip(".")
    return Reply(f"{sentence} [1].")
