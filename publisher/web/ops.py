"""Operations: ``/health``, ``/metrics``, ``/limits``, request limits and request metrics.

:func:`install` (called by the app factory *before* ``caching.install``, so that its
``after_request`` hook runs *after* the caching one and sees the final status) adds:

- **request limits** for every route: a request target (path + query string, as sent)
  longer than ``limits.max_url_bytes`` → 414; more header fields than
  ``server.max_header_fields``, or one longer than ``server.max_header_bytes`` → 431
  (whichever server runs the app; checked once per request by :func:`install_request_limits`,
  in front of the representation cache); a body longer than ``limits.max_body_bytes`` → 413
  (Flask's ``MAX_CONTENT_LENGTH`` also stops chunked bodies while they are read).
  The SPARQL endpoint adds ``limits.max_query_bytes`` for the query text itself;
- the **error handlers** of the query guard (``publisher.store.guarded``): a query that
  cannot get an executor → **503 + Retry-After**; a query stopped by the time limit → **500**
  (the SPARQL Protocol's status for a query the service refuses or fails to run: retrying
  the same query will not help, so no Retry-After) with the reason in the body;
- **metrics** (Prometheus text exposition at ``/metrics``): requests and latency per route
  template (never the raw path: bounded label values), query outcomes and executor time,
  timeouts, truncated results, rejected queries, executors started.

Several workers are several processes: the runner (``publisher.serve``) sets
``PROMETHEUS_MULTIPROC_DIR`` before this module is imported, so ``prometheus_client``
keeps each process's values in a file there and ``/metrics`` adds them up, whichever worker
answers. Without it (development server, tests) the values live in this process.
"""

from __future__ import annotations

import functools
import json
import os
import time
from collections.abc import Callable
from typing import Any

from flask import Blueprint, Flask, Response, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, InfoMetricFamily

from publisher import mediatypes as mt
from publisher.config import Config
from publisher.store import StoreError
from publisher.store import guarded as guard
from publisher.web.app import error_response, problem, state
from publisher.web.caching import OBSERVER, url_parts

blueprint = Blueprint("ops", __name__)

LIMITS_PATH = "limits"
TRUNCATION_HEADER = "X-Result-Truncated"
EXPOSED = ("Retry-After", TRUNCATION_HEADER)
MULTIPROCESS = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))
_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)

REQUESTS = Counter(
    "lodpub_http_requests",
    "HTTP requests answered, by route template, method and status",
    ["route", "method", "status"],
)
LATENCY = Histogram(
    "lodpub_http_request_duration_seconds",
    "Time to answer a request, by route template",
    ["route"],
    buckets=_LATENCY_BUCKETS,
)
QUERIES = Histogram(
    "lodpub_query_duration_seconds",
    "Time a query spent in its executor process, by outcome (ok, error, timeout, crash)",
    ["outcome"],
    buckets=_LATENCY_BUCKETS,
)
TIMEOUTS = Counter("lodpub_query_timeouts", "Queries stopped by limits.query_timeout_s")
TRUNCATIONS = Counter(
    "lodpub_query_truncations", "SPARQL results cut at limits.max_result_rows"
)
REJECTED = Counter(
    "lodpub_queries_rejected",
    "SPARQL requests refused before or instead of running, by reason "
    "(invalid, forbidden, method, not_acceptable, too_large, busy)",
    ["reason"],
)
EXECUTORS = Counter(
    "lodpub_query_executors_started", "Query executor processes forked (start and after kills)"
)
_REJECTION = {
    400: "invalid",
    403: "forbidden",
    405: "method",
    406: "not_acceptable",
    413: "too_large",
    414: "too_large",
    415: "invalid",
}


def install(app: Flask, config: Config) -> None:
    """Limits, guard error handlers, metrics hooks and the ops routes on ``app``."""
    limits = config["limits"]
    app.config["MAX_CONTENT_LENGTH"] = int(limits["max_body_bytes"])
    app.config["MAX_FORM_MEMORY_SIZE"] = int(limits["max_body_bytes"])

    @app.before_request
    def _limits_and_clock() -> None:
        g.lodpub_started = time.perf_counter()
        refused = request.environ.get(REFUSED)
        if refused is not None:
            raise problem(*refused)
        length = request.content_length
        if length is not None and length > app.config["MAX_CONTENT_LENGTH"]:
            raise problem(413, _body_too_large(app))

    @app.after_request
    def _measure(response: Response) -> Response:
        # Let browser clients read our extra headers, on the responses that carry them.
        extra = [h for h in EXPOSED if h in response.headers]
        exposed = response.headers.get("Access-Control-Expose-Headers")
        if extra and exposed is not None:
            names = [h.strip() for h in exposed.split(",") if h.strip()]
            names += [h for h in extra if h not in names]
            response.headers["Access-Control-Expose-Headers"] = ", ".join(names)
        _observe(response)
        return response

    app.register_error_handler(guard.StoreBusy, _busy)
    app.register_error_handler(guard.QueryTimeout, _timeout)
    app.register_blueprint(blueprint)
    app.extensions[OBSERVER] = _observe_replay  # answers from the representation cache
    guard.add_listener(_store_event)


REFUSED = "lodpub.refused"  # environ key: (status, detail) of a request over the limits


def install_request_limits(app: Flask, config: Config) -> None:
    """Check the request target and headers once, in front of everything (call it after
    ``caching.install``): a request over the limits skips the representation cache and is
    answered by the app's error handlers (``_limits_and_clock`` raises the refusal)."""
    over_limits = request_limits(config)
    checked_app = app.wsgi_app  # the representation cache, or Flask's own
    uncached = functools.partial(Flask.wsgi_app, app)

    def limited(environ: dict, start_response: Callable) -> Any:
        refused = over_limits(environ)
        if refused is None:
            return checked_app(environ, start_response)
        environ[REFUSED] = refused
        return uncached(environ, start_response)

    app.wsgi_app = limited  # type: ignore[method-assign]


def request_limits(config: Config) -> Callable[[dict], tuple[int, str] | None]:
    """The check of a request's target and headers against the limits: ``(status, detail)``
    of the refusal, or None."""
    max_url = int(config["limits"]["max_url_bytes"])
    max_fields = int(config["server"]["max_header_fields"])
    max_field = int(config["server"]["max_header_bytes"])

    def over_limits(environ: dict) -> tuple[int, str] | None:
        target = environ.get("RAW_URI") or environ.get("REQUEST_URI")
        if target:
            size = len(target)
        else:
            size = len(environ.get("PATH_INFO", "")) + len(environ.get("QUERY_STRING", "")) + 1
        if size > max_url:
            return 414, (
                f"the request target is {size} bytes; this server takes at most {max_url} "
                "(limits.max_url_bytes). Send long SPARQL queries with POST"
            )
        fields = [(k, v) for k, v in environ.items() if k.startswith("HTTP_")]
        if len(fields) > max_fields:
            return 431, (
                f"the request has {len(fields)} header fields; this server takes at most "
                f"{max_fields} (server.max_header_fields)"
            )
        for name, value in fields:
            if len(name) - 5 + len(value) > max_field:
                header = name[5:].replace("_", "-").title()
                return 431, (
                    f"the {header} header is {len(value)} bytes; this server takes at most "
                    f"{max_field} per field (server.max_header_bytes)"
                )
        return None

    return over_limits


# --- error handlers -----------------------------------------------------------------------
def _busy(exc: guard.StoreBusy) -> Response:
    return error_response(
        503, str(exc), {"Retry-After": str(exc.retry_after_s)}, {"retry_after_s": exc.retry_after_s}
    )


def _timeout(exc: guard.QueryTimeout) -> Response:
    return error_response(
        500, str(exc), None, {"timeout_s": exc.timeout_s, "limits": limits_url()}
    )


def _body_too_large(app: Flask) -> str:
    return (
        f"the request body is {request.content_length} bytes; this server takes at most "
        f"{app.config['MAX_CONTENT_LENGTH']} (limits.max_body_bytes)"
    )


# --- metrics ------------------------------------------------------------------------------
def _route() -> str:
    rule = request.url_rule
    return rule.rule if rule is not None else "(unmatched)"


def _observe(response: Response) -> None:
    route = _route()
    started = g.get("lodpub_started")
    if started is not None:
        LATENCY.labels(route).observe(time.perf_counter() - started)
    status = response.status_code
    REQUESTS.labels(route, request.method, str(status)).inc()
    if request.endpoint == "sparql.endpoint":
        if status in _REJECTION:
            REJECTED.labels(_REJECTION[status]).inc()
        if response.headers.get(TRUNCATION_HEADER):
            TRUNCATIONS.inc()


def _observe_replay(
    route: str, endpoint: str, method: str, status: int, headers: Any, seconds: float
) -> None:
    """The same request metrics for an answer replayed by the representation cache."""
    LATENCY.labels(route).observe(seconds)
    REQUESTS.labels(route, method, str(status)).inc()
    truncated = any(name == TRUNCATION_HEADER for name, _value in headers)
    if endpoint == "sparql.endpoint" and status == 200 and truncated:
        TRUNCATIONS.inc()


def _store_event(event: str, info: dict[str, Any]) -> None:
    if event == "query":
        QUERIES.labels(info["outcome"]).observe(info["seconds"])
        if info["outcome"] == "timeout":
            TIMEOUTS.inc()
    elif event == "busy":
        REJECTED.labels("busy").inc()
    elif event == "spawn":
        EXECUTORS.inc()


class _DataCollector:
    """Scrape-time facts about the loaded data (the same in every worker)."""

    def __init__(self, shared: Any) -> None:
        self.shared = shared

    def collect(self):
        store = self.shared.store
        info = InfoMetricFamily("lodpub_build", "The build being served")
        info.add_metric([], {"build_id": store.version, "software": self.shared.software_version})
        yield info
        triples = GaugeMetricFamily("lodpub_store_triples", "Triples in the union default graph")
        triples.add_metric([], store.count_triples())
        yield triples
        stats = getattr(store, "stats", None)
        if stats is not None and not MULTIPROCESS:
            numbers = stats()
            for name in ("busy", "idle", "limit"):
                family = GaugeMetricFamily(
                    f"lodpub_query_executors_{name}", f"Query executors of this process: {name}"
                )
                family.add_metric([], numbers[name])
                yield family


def _registry() -> CollectorRegistry:
    if MULTIPROCESS:
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = CollectorRegistry()
        registry.register(_Everything())
    registry.register(_DataCollector(state()))
    return registry


class _Everything:
    """The default registry (this process's metrics, process_* and python_* ones)."""

    def collect(self):
        yield from REGISTRY.collect()


# --- routes -------------------------------------------------------------------------------
@blueprint.get("/health")
def health() -> Response:
    """200 when the store answers a trivial ASK within limits.health_timeout_s, else 503."""
    shared = state()
    store = shared.store
    timeout = float(shared.config["limits"]["health_timeout_s"])
    ping = getattr(store, "ping", None)
    if ping is not None:
        ok = ping(timeout)
    else:
        try:
            store.query(guard.HEALTH_QUERY).serialize(mt.RESULTS_JSON)
            ok = True
        except StoreError:
            ok = False
    body = {
        "status": "ok" if ok else "unavailable",
        "build": store.version,
        "built_at": store.built_at.isoformat().replace("+00:00", "Z"),
        "triples": store.count_triples(),
        "software_version": shared.software_version,
    }
    if not ok:
        body["detail"] = f"the store did not answer a trivial query within {timeout:g} s"
    response = Response(
        json.dumps(body) + "\n", 200 if ok else 503, content_type="application/json"
    )
    response.headers["Cache-Control"] = "no-store"
    if not ok:
        response.headers["Retry-After"] = str(shared.config["limits"]["retry_after_s"])
    return response


@blueprint.get("/metrics")
def metrics() -> Response:
    response = Response(generate_latest(_registry()), content_type=CONTENT_TYPE_LATEST)
    response.headers["Cache-Control"] = "no-store"
    return response


@blueprint.get("/" + LIMITS_PATH)
def limits() -> Response:
    """What this endpoint enforces; the truncation marker in result bodies links here."""
    values = state().config["limits"]
    body = {
        "query_timeout_s": values["query_timeout_s"],
        "max_result_rows": values["max_result_rows"],
        "max_query_bytes": values["max_query_bytes"],
        "max_query_depth": values["max_query_depth"],
        "max_body_bytes": values["max_body_bytes"],
        "max_url_bytes": values["max_url_bytes"],
        "max_concurrent_queries_per_process": values["max_concurrent_queries"],
        "explanation": {
            "timeout": "A query running longer than query_timeout_s is stopped and answered "
            "with 500 and a message saying so.",
            "truncation": "SPARQL results longer than max_result_rows rows (SELECT) or "
            "triples (CONSTRUCT, DESCRIBE) are cut there. A cut result always has the header "
            f"'{TRUNCATION_HEADER}: true; limit=N' and, where the format has room, a marker "
            "in the body: a head link to this document (SPARQL JSON and XML results) or a "
            "'# truncated' comment (Turtle, N-Triples, N-Quads, TriG, RDF/XML). CSV, TSV "
            "and JSON-LD only have the header. Use LIMIT/OFFSET or the dumps for more.",
            "busy": "When a server process already runs its maximum of queries, more get "
            "503 with Retry-After.",
            "federation": "SERVICE (federated queries) and SPARQL Update are refused (403), "
            "decided from the engine's own parse of the query: this server never opens a "
            "connection because of a query.",
        },
    }
    return Response(json.dumps(body, indent=2) + "\n", content_type="application/json")


def limits_url() -> str:
    """The absolute URL of ``/limits`` on the requesting host (for truncation markers).

    Asked on every query, so built from the environ as sent (``request.url_root`` would
    decode it into an IRI each time)."""
    scheme, host, script, *_rest = url_parts(request.environ)
    return f"{scheme}://{host}{script.rstrip('/')}/{LIMITS_PATH}"
