"""The Flask app factory: wiring only, and the one module that knows every part of the web.

The web layer is a tree of URL families over shared plumbing (docs/architecture.md)::

    app.py        this factory: builds the shared state, installs http/, registers blueprints
    lod/ endpoint/ about/ api/ ops/ site/   one package per URL family (routes.py: its URLs)
    errors.py     every exception -> status and body
    http/         negotiation, caching validators, the representation cache, request limits,
                  metrics, links, HTML page rendering
    context.py    the shared state (``state()``), ``problem()``; memo.py, texts.py: leaves

Imports only go down that list (checked by import-linter, ``make lint``): a feature package
never imports another one, so adding a URL family is one package and one line here.
"""

from __future__ import annotations

from importlib import metadata

from flask import Flask

from publisher.config import Config
from publisher.store import Store, open_store
from publisher.web import errors
from publisher.web.about.routes import assessment_stamp
from publisher.web.about.routes import blueprint as about_blueprint
from publisher.web.api.routes import blueprint as api_blueprint
from publisher.web.context import EXTENSION, Lodpub
from publisher.web.endpoint.routes import blueprint as endpoint_blueprint
from publisher.web.http import caching, clients, limits, metrics, replay, security
from publisher.web.http.parameters import TrackingRequest
from publisher.web.lod.routes import blueprint as lod_blueprint
from publisher.web.ops.routes import blueprint as ops_blueprint
from publisher.web.site.routes import blueprint as site_blueprint

BLUEPRINTS = (
    endpoint_blueprint, lod_blueprint, about_blueprint, api_blueprint, ops_blueprint,
    site_blueprint,
)  # fmt: skip


def create_app(config: Config, store: Store | None = None) -> Flask:
    """A WSGI app over ``store`` (default: the embedded store over ``dist_dir``)."""
    clients.trusted_proxies(config["server"])  # a wrong value stops the start, with its name
    app = Flask(__name__, static_folder=None)  # site/ serves static files, fingerprinted
    app.request_class = TrackingRequest  # the cache keys answers on the parameters read
    shared = Lodpub(config=config, store=store or open_store(config), software_version=_version())
    app.extensions[EXTENSION] = shared
    # Metrics first: its clock starts before any refusal, and Flask runs after_request hooks
    # in reverse order, so its counting hook sees the final status set by caching's.
    metrics.install(app)
    security.install(app)
    limits.install_body_limit(app, config)
    caching.install(
        app,
        store_of=lambda: shared.store,
        software_version=shared.software_version,
        max_age_s=int(config["cache"]["max_age_s"]),
    )
    dist = config.path("dist_dir")  # `lodpub mqa` writes an assessment into the build
    replay.install(
        app,
        lambda: shared.store.version + assessment_stamp(dist),
        config["cache"],
        observe=metrics.observe_replay,
    )
    limits.install(app, config)  # outermost: over-limit requests skip the cache
    errors.install(app)
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    return app


def _version() -> str:
    try:
        return metadata.version("lodpub")
    except metadata.PackageNotFoundError:
        return "0+unknown"
