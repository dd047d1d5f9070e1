"""Operations: ``/health``, ``/ready``, ``/metrics`` and ``/limits``.

- ``/health``: 200 when the store answers a trivial query within ``limits.health_timeout_s``
  (a reserved executor answers it, so a busy server still says it is alive), else 503 with
  Retry-After; always ``no-store``.
- ``/ready``: readiness beside that liveness: 200 when a client's SPARQL query could start
  now, else 503 with Retry-After and the reason; always ``no-store``.
- ``/metrics``: Prometheus text exposition (``publisher.web.http.metrics``).
- ``/limits``: what this endpoint enforces, in JSON; the truncation marker in result bodies
  links here.

The limits themselves are enforced for every route by ``publisher.web.http.limits``, the
query guard's errors are rendered by ``publisher.web.errors``.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from publisher.web.context import Lodpub, state
from publisher.web.http.links import LIMITS_PATH, TRUNCATION_HEADER
from publisher.web.http.metrics import registry

blueprint = Blueprint("ops", __name__)


@blueprint.get("/health")
def health() -> Response:
    """200 when the store answers a trivial ASK within limits.health_timeout_s, else 503."""
    shared = state()
    store = shared.store
    timeout = float(shared.config["limits"]["health_timeout_s"])
    ok = store.ping(timeout)
    body = {
        "status": "ok" if ok else "unavailable",
        "build": store.version,
        "built_at": store.built_at.isoformat().replace("+00:00", "Z"),
        "triples": store.count_triples(),
        "software_version": shared.software_version,
    }
    if not ok:
        body["detail"] = f"the store did not answer a trivial query within {timeout:g} s"
    unloaded = _unloaded_build(shared)
    if unloaded:
        body["dist_build"] = unloaded
        body.setdefault(
            "detail",
            f"dist points at {unloaded}, which is not the build served: it was refused "
            "(see the log) or the server has not been reloaded since (SIGHUP)",
        )
    response = Response(
        json.dumps(body) + "\n", 200 if ok else 503, content_type="application/json"
    )
    response.headers["Cache-Control"] = "no-store"
    if not ok:
        response.headers["Retry-After"] = str(shared.config["limits"]["retry_after_s"])
    return response


def _unloaded_build(shared: Lodpub) -> str | None:
    """The folder name of the build ``dist`` points at when it is not the one loaded (a
    build refused on reload keeps the old one serving); None when they agree, or when the
    store has no build folder here (a remote store)."""
    loaded = shared.store.folder
    if loaded is None:
        return None
    try:
        current = shared.config.path("dist_dir").resolve(strict=True)
    except OSError:
        return None
    return None if current == loaded else current.name


@blueprint.get("/ready")
def ready() -> Response:
    """Readiness, beside the liveness of ``/health``: 200 when a client's SPARQL query could
    start now, 503 + Retry-After when this process's executors for clients' queries, or
    the server's memory budget, are taken (a load balancer can send traffic elsewhere)."""
    shared = state()
    store = shared.store
    reason = store.saturated()
    body: dict[str, Any] = {"status": "saturated" if reason else "ready", **store.stats()}
    if reason:
        body["detail"] = reason
    response = Response(
        json.dumps(body) + "\n", 503 if reason else 200, content_type="application/json"
    )
    response.headers["Cache-Control"] = "no-store"
    if reason:
        response.headers["Retry-After"] = str(shared.config["limits"]["retry_after_s"])
    return response


@blueprint.get("/metrics")
def metrics() -> Response:
    response = Response(generate_latest(registry(state())), content_type=CONTENT_TYPE_LATEST)
    response.headers["Cache-Control"] = "no-store"
    return response


@blueprint.get("/" + LIMITS_PATH)
def limits() -> Response:
    """What this endpoint enforces; the truncation marker in result bodies links here."""
    shared = state()
    values = shared.config["limits"]
    body = {
        "query_timeout_s": values["query_timeout_s"],
        "max_result_rows": values["max_result_rows"],
        "max_result_bytes": values["max_result_bytes"],
        "max_query_bytes": values["max_query_bytes"],
        "max_query_depth": values["max_query_depth"],
        "max_body_bytes": values["max_body_bytes"],
        "max_url_bytes": values["max_url_bytes"],
        "max_concurrent_queries_per_process": values["max_concurrent_queries"],
        "reserved_light_queries_per_process": values["reserved_light_queries"],
        "max_queries_per_client": values["max_queries_per_client"],
        "query_memory_mb": values["query_memory_mb"],
        "memory_total_mb": shared.store.stats().get("memory_total_mb", values["memory_total_mb"]),
        "explanation": {
            "timeout": "A query running longer than query_timeout_s is stopped and answered "
            "with 500 and a message saying so.",
            "truncation": "SPARQL results longer than max_result_rows rows (SELECT) or "
            "triples (CONSTRUCT, DESCRIBE), or than max_result_bytes bytes, are cut there "
            "(whole rows). A cut result always has the header "
            f"'{TRUNCATION_HEADER}: true; limit=N' (rows) or "
            f"'{TRUNCATION_HEADER}: true; max-bytes=N' (bytes) and, where the format has "
            "room, a marker "
            "in the body: a head link to this document (SPARQL JSON and XML results) or a "
            "'# truncated' comment (Turtle, N-Triples, N-Quads, TriG, RDF/XML). CSV, TSV "
            "and JSON-LD only have the header. Use LIMIT/OFFSET or the dumps for more. "
            "Named queries (/queries/<name>) and pages (/doc/...) are cut at "
            "max_result_bytes too, announced the same way (HTML pages: a notice on top).",
            "busy": "When a server process already runs its maximum of queries, or the "
            "running queries may use all of memory_total_mb, more get 503 with Retry-After. "
            "reserved_light_queries of each process's executors are kept for pages and "
            "named queries. GET /ready says 503 while a client's query could not start.",
            "per_client": "One client (one address; an IPv6 /64) may run "
            "max_queries_per_client SPARQL queries at once on the whole server; one more "
            "gets 429 with Retry-After.",
            "federation": "SERVICE (federated queries) and SPARQL Update are refused (403), "
            "decided from the engine's own parse of the query: this server never opens a "
            "connection because of a query.",
        },
    }
    return Response(json.dumps(body, indent=2) + "\n", content_type="application/json")
