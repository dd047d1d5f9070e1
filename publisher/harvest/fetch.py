"""HTTP for the harvester, bounded every way a publisher could hurt the aggregator.

- only http(s), only to the source's allowed hosts (checked again on every redirect);
- at most ``max_redirects`` redirects, and a redirect back to a URL already visited is a loop;
- ``timeout_s`` to connect and for each read, and ``deadline_s`` for a whole response (a
  server that trickles a byte a second is cut off, not waited for); what remains of the
  deadline also bounds the wait for the headers;
- at most ``max_bytes`` of body, decoded (a gzip bomb counts by what it inflates to): a
  ``Content-Length`` above it is refused before reading, a longer body is cut off;
- a body shorter than its ``Content-Length`` (the connection dropped) is an error, never a
  short file;
- conditional requests: the validators of the last good copy go out as ``If-None-Match`` /
  ``If-Modified-Since``; a 304 costs no body.

Every failure is a :class:`FetchError` whose message names the URL and the reason.
"""

from __future__ import annotations

import functools
import hashlib
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urljoin

import httpx

from publisher import __version__
from publisher.harvest.sources import Source

USER_AGENT = f"lodpub-harvest/{__version__}"
REDIRECTS = (301, 302, 303, 307, 308)


@functools.cache
def _tls() -> ssl.SSLContext:
    """One TLS context for every client: loading the CA certificates costs a tenth of a
    second, more than an unchanged source's whole harvest."""
    return ssl.create_default_context()


class FetchError(Exception):
    """A download failed; the message says which URL and why."""


@dataclass(frozen=True)
class Limits:
    max_bytes: int
    timeout_s: float
    deadline_s: float
    max_redirects: int

    @classmethod
    def from_config(cls, harvest: dict) -> Limits:
        return cls(
            int(harvest["max_bytes"]),
            float(harvest["timeout_s"]),
            float(harvest["deadline_s"]),
            int(harvest["max_redirects"]),
        )


@dataclass(frozen=True)
class Validators:
    """What identifies a copy for a conditional request."""

    etag: str | None = None
    last_modified: str | None = None

    def headers(self) -> dict[str, str]:
        headers = {}
        if self.etag:
            headers["If-None-Match"] = self.etag
        if self.last_modified:
            headers["If-Modified-Since"] = self.last_modified
        return headers


@dataclass(frozen=True)
class Fetched:
    """A response: 200 with its body, or 304 (``body`` empty: the copy held is current)."""

    url: str  # the URL that answered, after redirects
    status: int
    media_type: str  # Content-Type without parameters, lower-cased ("" when absent)
    body: bytes
    validators: Validators

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.body).hexdigest()


class Fetcher:
    """GETs for one source, through one connection pool."""

    def __init__(self, source: Source, limits: Limits) -> None:
        self.source = source
        self.limits = limits
        self.used: list[str] = []  # every URL requested, redirects included
        self.client = httpx.Client(
            follow_redirects=False,
            trust_env=False,  # no proxies or .netrc from the environment: the hosts are fixed
            headers={"User-Agent": USER_AGENT},
            verify=_tls(),
        )

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def get(self, url: str, accept: str, validators: Validators | None = None) -> Fetched:
        """GET ``url`` (a real URL) within the limits; FetchError on any failure."""
        deadline = time.monotonic() + self.limits.deadline_s
        seen = [url]
        headers = {"Accept": accept, **(validators.headers() if validators else {})}
        while True:
            refusal = self.source.refusal(url)
            if refusal:
                raise FetchError(refusal)
            self.used.append(url)
            try:
                response = self.client.send(
                    self.client.build_request(
                        "GET", url, headers=headers, timeout=self._timeout(deadline, url)
                    ),
                    stream=True,
                )
                try:
                    if response.status_code in REDIRECTS and "location" in response.headers:
                        url = self._redirect(url, response.headers["location"], seen)
                        continue
                    return self._answer(url, response, deadline)
                finally:
                    response.close()
            except httpx.TimeoutException:
                raise FetchError(
                    f"{url}: timed out (timeout_s {self.limits.timeout_s:g}, "
                    f"deadline_s {self.limits.deadline_s:g})"
                ) from None
            except httpx.RemoteProtocolError as exc:
                raise FetchError(
                    f"{url}: the response was cut short or malformed ({exc})"
                ) from None
            except httpx.HTTPError as exc:
                raise FetchError(f"{url}: {type(exc).__name__}: {exc}") from None

    def _timeout(self, deadline: float, url: str) -> httpx.Timeout:
        left = deadline - time.monotonic()
        if left <= 0:
            raise FetchError(f"{url}: deadline of {self.limits.deadline_s:g} s passed")
        return httpx.Timeout(min(self.limits.timeout_s, left))

    def _redirect(self, url: str, location: str, seen: list[str]) -> str:
        target = urljoin(url, location)
        if target in seen:
            chain = " -> ".join([*seen, target])
            raise FetchError(f"redirect loop: {chain}")
        seen.append(target)
        if len(seen) - 1 > self.limits.max_redirects:
            raise FetchError(
                f"{seen[0]}: more than {self.limits.max_redirects} redirects "
                f"(harvest.max_redirects): {' -> '.join(seen)}"
            )
        return target

    def _answer(self, url: str, response: httpx.Response, deadline: float) -> Fetched:
        status = response.status_code
        validators = Validators(response.headers.get("etag"), response.headers.get("last-modified"))
        media_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
        if status == 304:
            return Fetched(url, status, media_type, b"", validators)
        if status != 200:
            raise FetchError(f"{url}: HTTP {status} {response.reason_phrase}".rstrip())
        declared = response.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > self.limits.max_bytes:
            raise FetchError(self._too_big(url, f"announces {int(declared):,}"))
        body = bytearray()
        for chunk in response.iter_bytes():
            body += chunk
            if len(body) > self.limits.max_bytes:
                raise FetchError(self._too_big(url, f"sent more than {self.limits.max_bytes:,}"))
            if time.monotonic() > deadline:
                raise FetchError(
                    f"{url}: still downloading after {self.limits.deadline_s:g} s "
                    f"(harvest.deadline_s; {len(body):,} bytes so far)"
                )
        return Fetched(url, status, media_type, bytes(body), validators)

    def _too_big(self, url: str, what: str) -> str:
        return f"{url}: {what} bytes, over harvest.max_bytes ({self.limits.max_bytes:,})"
