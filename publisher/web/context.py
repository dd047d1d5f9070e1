"""What every blueprint shares, in a leaf module: the running app's objects and ``problem``.

How a blueprint reaches them::

    from publisher.web.context import problem, state

    @blueprint.get("/something")
    def something():
        store = state().store      # publisher.store.Store (read-only)
        config = state().config    # publisher.config.Config
        if not ...:
            raise problem(404, "why, in words a client can act on")

``state()`` reads ``current_app.extensions["lodpub"]`` (a :class:`Lodpub`); outside a request
``shared(app)`` does the same. This module imports nothing of the web layer, so blueprints and
the app factory can both import it without a cycle (``publisher.web.app`` imports the
blueprints, never the other way round).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import Flask, current_app
from werkzeug.exceptions import HTTPException, default_exceptions

from publisher.config import Config
from publisher.store import Store
from publisher.web.memo import Memo

EXTENSION = "lodpub"


@dataclass
class Lodpub:
    """What every blueprint shares; ``store`` may be replaced when a new build is loaded."""

    config: Config
    store: Store
    software_version: str
    memos: dict[str, Memo] = field(default_factory=dict)

    def dist(self) -> Path:
        """The build folder whose files are served (dumps, ontology, catalogue): the one
        the store loaded, even while ``dist`` points at a newer build that failed to load;
        ``dist_dir`` as it is when the store has no folder here."""
        return self.store.folder or self.config.path("dist_dir")

    def memo(self, name: str, size: int = 32) -> Memo:
        """The app's cache called ``name`` (made on first use; see ``publisher.web.memo``)."""
        found = self.memos.get(name)
        return found if found is not None else self.memos.setdefault(name, Memo(size))


def state() -> Lodpub:
    """The shared objects of the running app (inside a request or app context)."""
    return current_app.extensions[EXTENSION]


def shared(app: Flask) -> Lodpub:
    """The shared objects of ``app``, from outside a request (the CLI, runners, tests)."""
    return app.extensions[EXTENSION]


def problem(
    status: int, detail: str, headers: dict[str, str] | None = None, **members: Any
) -> HTTPException:
    """An HTTP error to ``raise`` with a readable detail, extra headers and JSON members
    (rendered by ``publisher.web.errors``)."""
    exc = default_exceptions[status](description=detail)
    exc.extra_headers = headers or {}  # type: ignore[attr-defined]
    exc.details = members  # type: ignore[attr-defined]
    return exc
