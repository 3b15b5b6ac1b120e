"""The gateway websocket: HELLO, IDENTIFY/READY, heartbeats, dispatch, RESUME with replay."""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
import zlib
from dataclasses import dataclass, field
from typing import Any, Protocol

from aiohttp import WSMsgType, web

_log = logging.getLogger(__name__)

DISPATCH, HEARTBEAT, IDENTIFY, PRESENCE = 0, 1, 2, 3
RESUME, RECONNECT, REQUEST_MEMBERS, INVALID_SESSION = 6, 7, 8, 9
HELLO, HEARTBEAT_ACK = 10, 11
AUTHENTICATION_FAILED = 4004


class GatewayHost(Protocol):
    """What the gateway needs from the emulator."""

    token: str

    def ready_payload(self, session_id: str, shard: list[int] | None) -> dict[str, Any]: ...

    def guild_create_payloads(self) -> list[dict[str, Any]]: ...

    def member_chunk(self, request: dict[str, Any]) -> dict[str, Any] | None: ...

    def changed(self) -> None: ...


def _redacted(data: Any) -> Any:
    """A copy of IDENTIFY/RESUME data with the token masked: records must not hold secrets."""
    if isinstance(data, dict) and "token" in data:
        return data | {"token": "<redacted>"}
    return data


class _Codec:
    """Encodes outgoing frames per the ``compress`` query parameter (none, zlib or zstd)."""

    def __init__(self, compress: str | None) -> None:
        self.kind = compress or "none"
        self._zlib = zlib.compressobj() if self.kind == "zlib-stream" else None
        self._zstd: Any = None
        if self.kind == "zstd-stream":
            import zstandard  # only clients that ask for zstd-stream have it installed

            self._zstd = zstandard.ZstdCompressor().compressobj()
            self._zstd_flush = zstandard.COMPRESSOBJ_FLUSH_BLOCK
        elif self.kind not in ("none", "zlib-stream"):
            raise ValueError(f"unsupported gateway compression {compress!r}")

    def encode(self, text: str) -> str | bytes:
        raw = text.encode()
        if self._zlib is not None:
            # Each frame ends in 00 00 ff ff, which is how the client spots a full message.
            return self._zlib.compress(raw) + self._zlib.flush(zlib.Z_SYNC_FLUSH)
        if self._zstd is not None:
            return self._zstd.compress(raw) + self._zstd.flush(self._zstd_flush)
        return text


@dataclass(eq=False)
class GatewayConnection:
    """One websocket connection from the client."""

    ws: web.WebSocketResponse
    transport: asyncio.BaseTransport | None
    codec: _Codec
    opened_at: float = field(default_factory=time.monotonic)
    closed: bool = False
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def send(self, frame: dict[str, Any]) -> bool:
        """Send one frame; False if the socket is gone (the frame stays in the replay log)."""
        if self.closed or self.ws.closed:
            return False
        data = self.codec.encode(json.dumps(frame))
        async with self.lock:
            try:
                if isinstance(data, bytes):
                    await self.ws.send_bytes(data)
                else:
                    await self.ws.send_str(data)
            except (ConnectionError, RuntimeError):
                self.closed = True
                return False
        return True

    def abort(self) -> None:
        """Cut the TCP connection without a closing handshake (like a network failure)."""
        self.closed = True
        if self.transport is not None:
            self.transport.abort()


@dataclass(eq=False)
class GatewaySession:
    """A gateway session: its sequence counter and every dispatched frame, for RESUME replay."""

    id: str
    shard: list[int] | None = None
    seq: int = 0
    log: list[dict[str, Any]] = field(default_factory=list)
    connection: GatewayConnection | None = None
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def dispatch(self, event: str, data: dict[str, Any]) -> int:
        """Number, log and (if connected) send a DISPATCH frame; returns its sequence."""
        async with self.lock:
            return await self._dispatch_locked(event, data)

    async def _dispatch_locked(self, event: str, data: dict[str, Any]) -> int:
        self.seq += 1
        frame = {"op": DISPATCH, "t": event, "s": self.seq, "d": data}
        self.log.append(frame)
        if self.connection is not None:
            await self.connection.send(frame)
        return self.seq

    async def resume_on(self, connection: GatewayConnection, last_seq: int | None) -> int:
        """Attach a new connection, replay frames after ``last_seq``, then send RESUMED."""
        async with self.lock:
            self.connection = connection
            missed = [f for f in self.log if f["s"] > (last_seq or 0)]
            for frame in missed:
                await connection.send(frame)
            await self._dispatch_locked("RESUMED", {})
            return len(missed)


@dataclass(eq=False)
class GatewayFrame:
    """A frame the client sent (op, data) and when."""

    op: int
    d: Any
    received_at: float = field(default_factory=time.monotonic)


class Gateway:
    """Serves the gateway websocket and keeps sessions and a log of client frames."""

    def __init__(self, host: GatewayHost, heartbeat_interval: float) -> None:
        self.host = host
        self.heartbeat_interval = heartbeat_interval
        self.sessions: dict[str, GatewaySession] = {}
        self.session: GatewaySession | None = None
        self.connections: list[GatewayConnection] = []
        self.received: list[GatewayFrame] = []
        self.identifies: list[dict[str, Any]] = []
        self.resumes: list[dict[str, Any]] = []
        self.replayed: list[int] = []

    @property
    def connected(self) -> bool:
        """Whether the current session has a live connection."""
        conn = self.session.connection if self.session else None
        return conn is not None and not conn.closed

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """aiohttp handler for the websocket endpoint."""
        ws = web.WebSocketResponse(max_msg_size=0, autoping=True)
        await ws.prepare(request)
        conn = GatewayConnection(ws, request.transport, _Codec(request.query.get("compress")))
        self.connections.append(conn)
        self.host.changed()
        try:
            interval_ms = int(self.heartbeat_interval * 1000)
            await conn.send(
                {"op": HELLO, "d": {"heartbeat_interval": interval_ms}, "s": None, "t": None}
            )
            async for msg in ws:
                if msg.type is WSMsgType.TEXT:
                    await self._on_frame(conn, json.loads(msg.data))
        except ConnectionError:
            pass
        finally:
            conn.closed = True
            for session in self.sessions.values():
                if session.connection is conn:
                    session.connection = None
            self.host.changed()
        return ws

    async def _on_frame(self, conn: GatewayConnection, frame: dict[str, Any]) -> None:
        op, data = frame.get("op"), frame.get("d")
        self.received.append(GatewayFrame(op, _redacted(data)))
        if op == HEARTBEAT:
            await conn.send({"op": HEARTBEAT_ACK, "d": None, "s": None, "t": None})
        elif op == IDENTIFY:
            await self._identify(conn, data)
        elif op == RESUME:
            await self._resume(conn, data)
        elif op == REQUEST_MEMBERS and self.session is not None:
            chunk = self.host.member_chunk(data)
            if chunk is not None:
                await self.session.dispatch("GUILD_MEMBERS_CHUNK", chunk)
        self.host.changed()

    async def _identify(self, conn: GatewayConnection, data: dict[str, Any]) -> None:
        self.identifies.append(_redacted(data))
        if data.get("token") != self.host.token:
            await conn.ws.close(code=AUTHENTICATION_FAILED, message=b"Authentication failed.")
            return
        session = GatewaySession(id=uuid.uuid4().hex, shard=data.get("shard"))
        self.sessions[session.id] = session
        self.session = session
        session.connection = conn
        await session.dispatch("READY", self.host.ready_payload(session.id, session.shard))
        for guild in self.host.guild_create_payloads():
            await session.dispatch("GUILD_CREATE", guild)

    async def _resume(self, conn: GatewayConnection, data: dict[str, Any]) -> None:
        self.resumes.append(_redacted(data))
        session = self.sessions.get(data.get("session_id") or "")
        if session is None or data.get("token") != self.host.token:
            # d=false: the session cannot be resumed; the client must IDENTIFY again.
            await conn.send({"op": INVALID_SESSION, "d": False, "s": None, "t": None})
            return
        self.session = session
        self.replayed.append(await session.resume_on(conn, data.get("seq")))

    async def dispatch(self, event: str, data: dict[str, Any]) -> int:
        """Dispatch an event on the current session (buffered for replay while disconnected)."""
        if self.session is None:
            raise RuntimeError(
                "no bot has identified with the emulator yet; start the client and wait "
                "for it to be ready before injecting events"
            )
        return await self.session.dispatch(event, data)

    async def drop(self, code: int | None = None) -> None:
        """Drop the live connection: abort the TCP stream, or close with ``code``."""
        conn = self.session.connection if self.session else None
        if conn is None:
            raise RuntimeError("no live gateway connection to drop")
        if self.session is not None:
            self.session.connection = None
        if code is None:
            conn.abort()
        else:
            conn.closed = True
            await conn.ws.close(code=code)

    async def send_op(self, op: int, data: Any) -> None:
        """Send a non-dispatch opcode (e.g. RECONNECT, INVALID_SESSION) on the live connection."""
        conn = self.session.connection if self.session else None
        if conn is None:
            raise RuntimeError("no live gateway connection")
        await conn.send({"op": op, "d": data, "s": None, "t": None})

    async def close_all(self) -> None:
        """Close every connection (at emulator shutdown)."""
        for conn in self.connections:
            if conn.ws.closed:
                continue
            conn.closed = True
            try:
                await asyncio.wait_for(conn.ws.close(code=1001), timeout=1.0)
            except TimeoutError:
                conn.abort()  # a client that does not answer the close handshake
