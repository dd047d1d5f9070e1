"""Byte caps on the answers besides ``/sparql``: named queries and pages.

``limits.max_result_bytes`` bounds every answer computed from the data, not only the
endpoint's: a named query over a big store, or the page of a resource that thousands of
others point at, could otherwise be tens of megabytes. What is cut is announced the way the
endpoint announces it (``X-Result-Truncated: true; max-bytes=N``; a note in the body where
the format has room: a comment in Turtle and its kin, ``head.link`` in SPARQL JSON, a
notice at the top of an HTML page).

Whole items are kept (rows, triples): :func:`fit` writes the leading ones that fit.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from flask import Response

from publisher.mediatypes import Format
from publisher.store import mark_truncated
from publisher.web.context import state
from publisher.web.http.links import TRUNCATION_HEADER, limits_url

Item = TypeVar("Item")
_MARGIN = 0.95  # aim a little below the cap: sizes are not exactly proportional


def max_bytes() -> int:
    """``limits.max_result_bytes`` (0: no cap)."""
    return int(state().config["limits"]["max_result_bytes"])


def fit(
    items: Sequence[Item], write: Callable[[Sequence[Item]], bytes], limit: int
) -> tuple[bytes, bool]:
    """``write`` of as many leading ``items`` as fit in ``limit`` bytes, and whether some
    were left out. The first write is of all of them; each further one keeps fewer, in
    proportion to the excess, so a few writes suffice. When even none fit (a page's own
    frame), the smallest write is returned."""
    data = write(items)
    if not limit or len(data) <= limit:
        return data, False
    keep = len(items)
    while keep > 0:
        keep = min(keep - 1, int(keep * limit / len(data) * _MARGIN))
        data = write(items[:keep])
        if len(data) <= limit:
            break
    return data, True


def announce(response: Response, limit: int) -> Response:
    """The header of a result cut at ``limit`` bytes."""
    response.headers[TRUNCATION_HEADER] = f"true; max-bytes={limit}"
    return response


def marked(data: bytes, fmt: Format, limit: int) -> bytes:
    """``data`` with the body's note, where ``fmt`` has room for one."""
    return mark_truncated(data, fmt, "bytes", limit, limits_url())
