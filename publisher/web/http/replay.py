"""The representation cache: a WSGI middleware that replays finished ``GET`` answers.

A finished ``GET`` answer (200, 301, 303) is kept in memory, per worker process, keyed by
data version, request URL (scheme, host, raw path, and of the query string only the
parameters the answers of that path read: ``parameters``, so ``?utm_source=x`` is a hit)
and the values of the request headers its ``Vary`` names, the way an HTTP cache keys it.
The next ``GET`` or ``HEAD`` with the same key is replayed byte for byte (status, every
header — ETag, truncation marker, CORS, Vary — and body) without Flask, the query executor
or the serialiser; a conditional one is answered 304 from the stored ETag / Last-Modified
before any body is computed. Bounded by ``cache.representation_max_bytes`` (least recently
used first); emptied when the data version changes. Not kept: POST, errors, ``no-store``,
``Vary: *``, streamed or file responses, bodies above ``cache.representation_max_entry_bytes``.
``lodpub_representation_cache_total`` counts hits, 304s from the cache, misses and stores.

``caching``'s hook marks the answers that may be kept (:data:`CACHEABLE`); request limits
sit in front of this cache (``limits``), so a refused request never reaches it.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from prometheus_client import Counter
from werkzeug.http import parse_date, parse_etags, remove_entity_headers

from publisher.store import StoreError
from publisher.web.http.links import url_parts
from publisher.web.http.parameters import EVERY, Used, merged, query_key

# environ key: answer only from memory, or return None without calling the app (the
# production front asks this on its event loop before it hands a request to a thread)
REPLAY_ONLY = "lodpub.replay_only"
# A replay-only answer trusts the data version read this recently (reading it may mean
# asking a remote store, which the event loop must not wait for).
_VERSION_TRUST_S = 1.0
CACHEABLE = "lodpub.cacheable"  # environ key: set by finalize on a response that may be kept
CACHE_EXTENSION = "lodpub.representation_cache"  # app.extensions key of the installed cache
CACHE_EVENTS = Counter(
    "lodpub_representation_cache",
    "Representation cache of GET/HEAD answers, per worker: hit (replayed), not_modified "
    "(304 from a cached ETag), miss (computed), store (kept)",
    ["outcome"],
)
_CACHED_STATUSES = (200, 301, 303)
_CONDITIONALS = ("HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE")
_ENTRY_OVERHEAD = 512  # bytes counted per entry besides body, headers and key


def cacheable(method: str, response: Any) -> bool:
    """Whether a finished answer may be kept (see the module docstring)."""
    if method != "GET" or response.status_code not in _CACHED_STATUSES:
        return False
    if response.is_streamed or response.direct_passthrough:
        return False
    headers = response.headers
    if "no-store" in headers.get("Cache-Control", "") or "Set-Cookie" in headers:
        return False
    return "*" not in headers.get("Vary", "")


def install(
    app: Any, version_of: Callable[[], str], settings: dict, observe: Callable[..., None]
) -> None:
    """Wrap ``app.wsgi_app`` in the cache sized by the ``cache:`` settings (0 bytes: none);
    ``observe(route, endpoint, method, status, headers, seconds)`` is called for every answer
    the cache gives, so request metrics count cache hits too."""
    max_bytes = int(settings.get("representation_max_bytes", 0))
    if max_bytes > 0:
        app.wsgi_app = RepresentationCache(
            app.wsgi_app,
            version_of=version_of,
            max_bytes=max_bytes,
            max_entry_bytes=int(settings.get("representation_max_entry_bytes", max_bytes)),
            observe=observe,
        )
        app.extensions[CACHE_EXTENSION] = app.wsgi_app


@dataclass(frozen=True)
class _Entry:
    status: str
    headers: tuple[tuple[str, str], ...]
    body: bytes
    etag: str | None
    last_modified: datetime | None
    not_modified_headers: tuple[tuple[str, str], ...]
    route: str
    endpoint: str
    size: int


class RepresentationCache:
    """WSGI middleware: replay finished GET answers (see the module docstring)."""

    def __init__(
        self,
        app: Callable,
        version_of: Callable[[], str],
        max_bytes: int,
        max_entry_bytes: int,
        observe: Callable[..., None] | None = None,
    ) -> None:
        self.app = app
        self.version_of = version_of
        self.max_bytes = max_bytes
        self.max_entry_bytes = min(max_entry_bytes, max_bytes)
        self.observe = observe
        self._lock = threading.Lock()
        self._entries: OrderedDict[tuple, _Entry] = OrderedDict()
        self._vary: dict[tuple, tuple[str, ...]] = {}  # URL key -> environ names it varies on
        self._variants: dict[tuple, set[tuple]] = {}  # URL key -> its stored header values
        self._parameters: dict[tuple, Used] = {}  # path -> the parameters its answers read
        self._per_path: dict[tuple, int] = {}  # path -> entries kept
        self._size = 0
        self._version: str | None = None
        self._version_read = 0.0  # time.monotonic() when version_of() last answered

    @property
    def size(self) -> int:
        return self._size

    def __len__(self) -> int:
        return len(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._forget_all()

    def __call__(self, environ: dict, start_response: Callable) -> Any:
        method = environ.get("REQUEST_METHOD")
        if environ.get(REPLAY_ONLY):
            return self.replay_only(environ, start_response)
        if method not in ("GET", "HEAD") or environ.get("CONTENT_LENGTH") not in (None, "", "0"):
            return self.app(environ, start_response)
        started = time.perf_counter()
        try:
            version = self.version_of()
        except StoreError:  # which build? unknown (a remote endpoint is down): the app answers
            return self.app(environ, start_response)
        self._version_read = time.monotonic()
        entry = self._lookup(version, environ)
        if entry is not None:
            return self._replay(entry, environ, start_response, method, started)
        CACHE_EVENTS.labels("miss").inc()
        if method != "GET":
            return self.app(environ, start_response)
        conditional = "HTTP_IF_NONE_MATCH" in environ or "HTTP_IF_MODIFIED_SINCE" in environ
        if conditional:
            # Compute the full answer once (so it can be kept), then answer 304 from it.
            plain = {k: v for k, v in environ.items() if k not in _CONDITIONALS}
            result = self(plain, lambda status, headers, exc_info=None: None)
            entry = self._lookup(version, environ)
            if entry is not None:
                close = getattr(result, "close", None)
                if close is not None:
                    close()
                return self._replay(entry, environ, start_response, method, started)
            return self.app(environ, start_response)  # not cacheable: the usual way
        captured: list = []

        def capture(status: str, headers: list, exc_info: Any = None) -> Any:
            captured[:] = [status, headers]
            return start_response(status, headers, exc_info)

        result = self.app(environ, capture)
        marked = environ.get(CACHEABLE)
        if marked is None or not captured or int(captured[0][:3]) not in _CACHED_STATUSES:
            return result
        try:
            body = b"".join(result)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        if len(body) <= self.max_entry_bytes:
            self._store(version, environ, captured[0], captured[1], body, marked)
        return [body]

    def replay_only(self, environ: dict, start_response: Callable) -> list[bytes] | None:
        """A stored answer (or 304) for this request, or None: never calls the app, never
        waits (the version is the one read within the last second)."""
        method = environ.get("REQUEST_METHOD")
        version = self._version
        if (
            method not in ("GET", "HEAD")
            or environ.get("CONTENT_LENGTH") not in (None, "", "0")
            or version is None
            or time.monotonic() - self._version_read > _VERSION_TRUST_S
        ):
            return None
        started = time.perf_counter()
        entry = self._lookup(version, environ)
        if entry is None:
            return None
        return self._replay(entry, environ, start_response, method, started)

    # --- internals
    def _url(self, environ: dict) -> tuple:
        """The URL part of the key (lock held): the path, and the query string narrowed to
        the parameters this path's answers read so far (all of it for a path not seen)."""
        path = _path_key(environ)
        used = self._parameters.get(path, EVERY)
        return (path, query_key(environ.get("QUERY_STRING", ""), used))

    def _lookup(self, version: str, environ: dict) -> _Entry | None:
        with self._lock:
            if version != self._version:
                self._forget_all()
                self._version = version
                return None
            url = self._url(environ)
            names = self._vary.get(url)
            if names is None:
                return None
            key = (url, tuple(environ.get(name) for name in names))
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
            return entry

    def _store(
        self,
        version: str,
        environ: dict,
        status: str,
        headers: list[tuple[str, str]],
        body: bytes,
        marked: tuple[str, str, Used],
    ) -> None:
        values = {name.lower(): value for name, value in headers}
        vary = tuple(
            "HTTP_" + name.strip().upper().replace("-", "_")
            for name in values.get("vary", "").split(",")
            if name.strip()
        )
        varied = tuple(environ.get(name) for name in vary)
        size = (
            len(body)
            + sum(len(n) + len(v) for n, v in headers)
            + sum(len(str(part)) for part in _path_key(environ))
            + len(environ.get("QUERY_STRING", ""))
            + sum(len(v or "") for v in varied)
            + _ENTRY_OVERHEAD
        )
        if size > self.max_bytes:
            return
        without_entity = list(headers)
        remove_entity_headers(without_entity)
        last_modified = values.get("last-modified")
        entry = _Entry(
            status=status,
            headers=tuple(headers),
            body=body,
            etag=values.get("etag"),
            last_modified=parse_date(last_modified) if last_modified else None,
            not_modified_headers=tuple(without_entity),
            route=marked[0],
            endpoint=marked[1],
            size=size,
        )
        path = _path_key(environ)
        with self._lock:
            if version != self._version:
                return  # the data changed while this was computed
            # What this path's answers read only grows, so a lookup never narrows the key
            # below what a kept answer depended on.
            known = self._parameters.get(path, marked[2])
            used = merged(known, marked[2])
            url = (path, query_key(environ.get("QUERY_STRING", ""), used))
            key = (url, varied)
            if key in self._entries:
                self._drop(key)
            if self._vary.get(url) != vary:
                # The URL now varies on other headers: drop its variants stored before.
                for stored in list(self._variants.get(url, ())):
                    self._drop((url, stored))
                self._vary[url] = vary
            self._parameters[path] = used
            self._entries[key] = entry
            self._variants.setdefault(url, set()).add(varied)
            self._per_path[path] = self._per_path.get(path, 0) + 1
            self._size += size
            while self._size > self.max_bytes and self._entries:
                self._drop(next(iter(self._entries)))
        CACHE_EVENTS.labels("store").inc()

    def _drop(self, key: tuple) -> None:
        """Remove one entry (lock held); a URL without entries left forgets its Vary, a
        path without entries the parameters its answers read."""
        url, values = key
        self._size -= self._entries.pop(key).size
        variants = self._variants[url]
        variants.discard(values)
        if not variants:
            del self._variants[url]
            self._vary.pop(url, None)
        path = url[0]
        self._per_path[path] -= 1
        if not self._per_path[path]:
            del self._per_path[path]
            self._parameters.pop(path, None)

    def _forget_all(self) -> None:
        self._entries.clear()
        self._parameters.clear()
        self._per_path.clear()
        self._vary.clear()
        self._variants.clear()
        self._size = 0

    def _replay(
        self, entry: _Entry, environ: dict, start_response: Callable, method: str, started: float
    ) -> list[bytes]:
        if entry.status.startswith("200") and _not_modified_environ(environ, entry):
            CACHE_EVENTS.labels("not_modified").inc()
            start_response("304 NOT MODIFIED", list(entry.not_modified_headers))
            self._observed(entry, method, 304, started)
            return []
        CACHE_EVENTS.labels("hit").inc()
        start_response(entry.status, list(entry.headers))
        self._observed(entry, method, int(entry.status[:3]), started)
        return [] if method == "HEAD" else [entry.body]

    def _observed(self, entry: _Entry, method: str, status: int, started: float) -> None:
        if self.observe is not None:
            seconds = time.perf_counter() - started
            self.observe(entry.route, entry.endpoint, method, status, entry.headers, seconds)


def _path_key(environ: dict) -> tuple:
    # The raw path too: /id/a%2Fb and /id/a/b have the same PATH_INFO, not the same
    # answer (resources refuses encoded slashes; granian's environ has no raw target).
    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI") or ""
    return (*url_parts(environ)[:4], raw.split("?", 1)[0])


def _not_modified_environ(environ: dict, entry: _Entry) -> bool:
    """:func:`not_modified` on a WSGI environ and a stored answer."""
    if_none_match = environ.get("HTTP_IF_NONE_MATCH")
    if if_none_match is not None:
        return entry.etag is not None and parse_etags(if_none_match).contains_weak(
            entry.etag.strip('"')
        )
    since_value = environ.get("HTTP_IF_MODIFIED_SINCE")
    since = parse_date(since_value) if since_value else None
    if since is not None and entry.last_modified is not None:
        return entry.last_modified.replace(microsecond=0) <= since
    return False
