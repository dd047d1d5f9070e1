"""The request front: the WSGI app is called only once a request's whole body has arrived.

Both production engines hand requests to this front on an event loop (granian through its
RSGI interface, gunicorn through its native ``asgi`` worker), so a connection costs a
coroutine, not a thread, until its request is complete:

- **the body is read on the loop**, with a deadline (``server.body_timeout_s``: a body not
  complete by then gets **408** and the connection is closed) and a cap
  (``limits.max_body_bytes``: reading stops one byte over it, and the app, told the size it
  got, answers **413**, chunked or not). A slow client (one byte every few seconds) holds
  no worker thread, so it cannot starve the others;
- **the app runs in a thread pool** (``server.threads`` threads per process), with the
  complete body as ``wsgi.input``; a streamed answer is read in the pool too, a block at
  a time;
- **replays skip the pool**: a ``GET``/``HEAD`` the representation cache can answer from
  memory is answered on the loop (``Settings.replay_key`` in the environ: the cache either
  replays or declines without touching the app), because the hop to a thread and back
  would cost more than the replay itself.

The environ is the one a WSGI server builds (PEP 3333), plus ``RAW_URI`` (the target as
sent) where the engine gives it (gunicorn; granian's RSGI scope has the decoded path only,
as its WSGI environ had). Repeated header fields are joined
with ``,`` as RFC 9110 allows, so the app sees a repeated ``Host`` and refuses it.
"""

from __future__ import annotations

import asyncio
import io
import logging
import sys
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote_to_bytes

log = logging.getLogger("lodpub.front")
STREAM_BLOCK = 65536  # bytes gathered per trip to the pool when an answer is streamed
_TIMEOUT_BODY = b"the request body did not arrive in time (server.body_timeout_s)\n"


@dataclass(frozen=True)
class Settings:
    """What the front needs from the configuration."""

    threads: int
    body_timeout_s: float
    max_body_bytes: int
    # The environ key that asks the app's representation cache for a replay or nothing
    # (``publisher.web.http.replay.REPLAY_ONLY``); None: the app has no such cache.
    replay_key: str | None
    # True once this process is being replaced (a reload): every answer then closes its
    # connection, so clients reconnect to the new workers before this one stops.
    retiring: Callable[[], bool] = bool


class BodyTimeout(Exception):
    """The body did not arrive within ``server.body_timeout_s``."""


class ClientGone(Exception):
    """The client closed its connection while a streamed answer was being sent."""


class Answer:
    """A WSGI answer collected in the pool: status, headers and either all of the body or
    an iterator over the rest of it."""

    __slots__ = ("body", "headers", "rest", "status")

    def __init__(self) -> None:
        self.status = 500
        self.headers: list[tuple[str, str]] = []
        self.body = b""
        self.rest: Iterator[bytes] | None = None

    def start_response(self, status: str, headers: list, exc_info: Any = None) -> Callable:
        self.status = int(status[:3])
        self.headers = headers
        return _no_write


def _no_write(_data: bytes) -> None:
    raise RuntimeError("the WSGI write() callable is not supported")


class Front:
    """One per worker process: the WSGI app behind an event loop (see the module docstring)."""

    def __init__(self, app: Callable, settings: Settings) -> None:
        self.app = app
        self.settings = settings
        self.pool: ThreadPoolExecutor | None = None

    def pool_for(self) -> ThreadPoolExecutor:
        if self.pool is None:  # in the worker, after the fork: threads do not survive one
            self.pool = ThreadPoolExecutor(self.settings.threads, thread_name_prefix="lodpub")
        return self.pool

    async def read_body(
        self, length: str | None, chunked: bool, chunks: Callable[[], Any]
    ) -> tuple[bytes, int]:
        """The whole body (or its first max+1 bytes) and the size to tell the app."""
        if not chunked and length in (None, "", "0"):
            return b"", 0
        limit = self.settings.max_body_bytes
        if length and length.isdigit() and int(length) > limit:
            return b"", int(length)  # refused from its header: never read
        parts: list[bytes] = []
        size = 0
        try:
            async with asyncio.timeout(self.settings.body_timeout_s):
                async for part in chunks():
                    parts.append(part)
                    size += len(part)
                    if size > limit:
                        break
        except TimeoutError as late:
            raise BodyTimeout from late
        return b"".join(parts), size

    async def respond(self, environ: dict, send: Sender) -> None:
        """Answer one complete request: a replay on the loop, else the app in the pool."""
        if self.settings.replay_key and environ["REQUEST_METHOD"] in ("GET", "HEAD"):
            answer = self.replay(environ)
            if answer is not None:
                await send.whole(answer.status, self.closing(answer.headers), answer.body)
                return
        loop = asyncio.get_running_loop()
        pool = self.pool_for()
        answer = await loop.run_in_executor(pool, self.call, environ)
        answer.headers = self.closing(answer.headers)
        if answer.rest is None:
            await send.whole(answer.status, answer.headers, answer.body)
            return
        await send.start(answer.status, answer.headers)
        try:
            if answer.body:
                await send.more(answer.body)
            while True:
                block = await loop.run_in_executor(pool, _next_block, answer.rest)
                if not block:
                    break
                await send.more(block)
            await send.end()
        except ClientGone:
            pass  # the client closed its connection during the answer: nothing to say
        finally:
            close = getattr(answer.rest, "close", None)
            if close is not None:
                await loop.run_in_executor(pool, close)

    def closing(self, headers: list) -> list:
        """``headers``, with ``Connection: close`` while this process is retiring."""
        return [*headers, ("Connection", "close")] if self.settings.retiring() else headers

    def replay(self, environ: dict) -> Answer | None:
        """The representation cache's answer, computed on the loop, or None (not kept)."""
        answer = Answer()
        key = str(self.settings.replay_key)
        environ[key] = True
        try:
            result = self.app(environ, answer.start_response)
        except Exception:
            log.exception("replay failed")
            result = None
        del environ[key]
        if result is None:
            return None
        answer.body = b"".join(result)
        return answer

    def call(self, environ: dict) -> Answer:
        """In a pool thread: run the app; keep a list answer whole, else its first block."""
        answer = Answer()
        try:
            result = self.app(environ, answer.start_response)
        except Exception:
            log.exception("the app failed")
            return _failed()
        if isinstance(result, list | tuple):
            answer.body = b"".join(result)
            return answer
        rest = iter(result)
        try:
            answer.body = _next_block(rest)  # a generator may call start_response only now
        except Exception:
            log.exception("the app failed while answering")
            _close(result)
            return _failed()
        answer.rest = _Closing(rest, result)
        return answer


class Sender:
    """How an answer goes out on one engine's interface."""

    async def whole(self, status: int, headers: list, body: bytes) -> None:
        raise NotImplementedError

    async def start(self, status: int, headers: list) -> None:
        raise NotImplementedError

    async def more(self, data: bytes) -> None:
        raise NotImplementedError

    async def end(self) -> None:
        raise NotImplementedError


class _Closing:
    """An answer's iterator that still closes the app's iterable (PEP 3333)."""

    def __init__(self, rest: Iterator[bytes], result: Iterable[bytes]) -> None:
        self.rest = rest
        self.result = result

    def __iter__(self) -> Iterator[bytes]:
        return self.rest

    def __next__(self) -> bytes:
        return next(self.rest)

    def close(self) -> None:
        _close(self.result)


def _close(result: Any) -> None:
    close = getattr(result, "close", None)
    if close is not None:
        close()


def _next_block(rest: Iterator[bytes]) -> bytes:
    """Up to about STREAM_BLOCK bytes of a streamed answer (b"" at its end)."""
    parts: list[bytes] = []
    size = 0
    for part in rest:
        if part:
            parts.append(part)
            size += len(part)
            if size >= STREAM_BLOCK:
                break
    return b"".join(parts)


def _failed() -> Answer:
    answer = Answer()
    answer.headers = [
        ("Content-Type", "text/plain; charset=utf-8"),
        ("X-Content-Type-Options", "nosniff"),
    ]
    answer.body = b"internal server error\n"
    return answer


def base_environ(
    method: str,
    path: str,
    raw_path: str | None,
    query: str,
    scheme: str,
    protocol: str,
    server: tuple[str, str],
    client: tuple[str, str],
) -> dict[str, Any]:
    """The CGI part of a WSGI environ: ``path`` is decoded (a str of UTF-8), ``raw_path`` the
    target's path as sent, when the engine gives it (granian's RSGI does not)."""
    environ = {
        "REQUEST_METHOD": method,
        "SCRIPT_NAME": "",
        "PATH_INFO": path.encode("utf-8", "surrogateescape").decode("latin-1"),
        "QUERY_STRING": query,
        "SERVER_NAME": server[0],
        "SERVER_PORT": server[1],
        "SERVER_PROTOCOL": protocol,
        "REMOTE_ADDR": client[0],
        "REMOTE_PORT": client[1],
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": scheme,
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        "wsgi.input_terminated": True,
    }
    if raw_path is not None:
        environ["RAW_URI"] = f"{raw_path}?{query}" if query else raw_path
    return environ


def add_headers(environ: dict, headers: Iterable[tuple[str, str]]) -> None:
    """Header fields as ``HTTP_*`` keys (repeated ones joined with ","); CONTENT_* bare."""
    for name, value in headers:
        key = name.upper().replace("-", "_")
        if key not in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            key = "HTTP_" + key
        if key in environ:
            environ[key] = f"{environ[key]},{value}"
        else:
            environ[key] = value


def add_body(environ: dict, body: bytes, size: int) -> None:
    """The buffered body as ``wsgi.input``; CONTENT_LENGTH says how much arrived (one byte
    over the cap when a chunked body was cut, so the app refuses it with 413)."""
    environ["wsgi.input"] = io.BytesIO(body)
    if size or "CONTENT_LENGTH" in environ:
        environ["CONTENT_LENGTH"] = str(size)
    environ.pop("HTTP_TRANSFER_ENCODING", None)


def _split(address: str | None, default_port: str) -> tuple[str, str]:
    if not address:
        return "", default_port
    host, _sep, port = address.rpartition(":")
    if not _sep:
        return address, default_port
    return host.strip("[]"), port


# --- granian: RSGI -------------------------------------------------------------------------
class _RSGISender(Sender):
    def __init__(self, protocol: Any) -> None:
        self.protocol = protocol
        self.stream: Any = None

    async def whole(self, status: int, headers: list, body: bytes) -> None:
        self.protocol.response_bytes(status, headers, body)

    async def start(self, status: int, headers: list) -> None:
        self.stream = self.protocol.response_stream(status, headers)

    async def more(self, data: bytes) -> None:
        try:
            await self.stream.send_bytes(data)
        except RuntimeError as closed:  # granian's RSGIProtocolClosed
            raise ClientGone from closed

    async def end(self) -> None:
        return None


class RSGIFront(Front):
    """The front as a granian RSGI application."""

    def __rsgi_init__(self, loop: Any) -> None:
        self.pool_for()

    def __rsgi_del__(self, loop: Any) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=False, cancel_futures=True)

    async def __rsgi__(self, scope: Any, protocol: Any) -> None:
        if scope.proto != "http":
            return
        environ = base_environ(
            scope.method, scope.path, None, scope.query_string, scope.scheme,
            f"HTTP/{scope.http_version}", _split(scope.server, "80"), _split(scope.client, "0"),
        )  # fmt: skip
        headers = scope.headers
        add_headers(environ, headers.items())
        try:
            body, size = await self.read_body(
                headers.get("content-length"),
                "chunked" in headers.get("transfer-encoding", "").lower(), lambda: protocol,
            )  # fmt: skip
        except BodyTimeout:
            protocol.response_bytes(408, _CLOSE_HEADERS, _TIMEOUT_BODY)
            return
        add_body(environ, body, size)
        await self.respond(environ, _RSGISender(protocol))


_CLOSE_HEADERS = [
    ("content-type", "text/plain; charset=utf-8"),
    ("x-content-type-options", "nosniff"),
    ("connection", "close"),
]


# --- gunicorn: ASGI ------------------------------------------------------------------------
class _ASGISender(Sender):
    def __init__(self, send: Callable) -> None:
        self.send = send

    async def whole(self, status: int, headers: list, body: bytes) -> None:
        await self.start(status, headers)
        await self.send({"type": "http.response.body", "body": body})

    async def start(self, status: int, headers: list) -> None:
        await self.send({"type": "http.response.start", "status": status,
                         "headers": [(n.encode("latin-1"), v.encode("latin-1"))
                                     for n, v in headers]})  # fmt: skip

    async def more(self, data: bytes) -> None:
        try:
            await self.send({"type": "http.response.body", "body": data, "more_body": True})
        except (OSError, RuntimeError) as closed:
            raise ClientGone from closed

    async def end(self) -> None:
        await self.send({"type": "http.response.body", "body": b""})


class ASGIFront(Front):
    """The front as an ASGI application (gunicorn's ``asgi`` worker)."""

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        raw = scope.get("raw_path") or scope["path"].encode("utf-8")
        server = scope.get("server") or ("", 80)
        client = scope.get("client") or ("", 0)
        environ = base_environ(
            scope["method"], unquote_to_bytes(raw).decode("utf-8", "surrogateescape"),
            raw.decode("latin-1"), scope["query_string"].decode("latin-1"),
            scope.get("scheme", "http"), f"HTTP/{scope.get('http_version', '1.1')}",
            (str(server[0]), str(server[1])), (str(client[0]), str(client[1])),
        )  # fmt: skip
        add_headers(environ, ((n.decode("latin-1"), v.decode("latin-1"))
                              for n, v in scope["headers"]))  # fmt: skip
        try:
            body, size = await self.read_body(
                environ.get("CONTENT_LENGTH"),
                "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower(),
                lambda: _asgi_chunks(receive),
            )  # fmt: skip
        except BodyTimeout:
            await _ASGISender(send).whole(408, _CLOSE_HEADERS, _TIMEOUT_BODY)
            return
        add_body(environ, body, size)
        await self.respond(environ, _ASGISender(send))


async def _asgi_chunks(receive: Callable) -> Any:
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return  # the client went away
        if message.get("body"):
            yield message["body"]
        if not message.get("more_body"):
            return


async def _lifespan(receive: Callable, send: Callable) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return
