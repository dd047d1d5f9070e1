"""Operations: ``/health``, ``/metrics`` and ``/limits``.

- ``/health``: 200 when the store answers a trivial query within ``limits.health_timeout_s``
  (a reserved executor answers it, so a busy server still says it is alive), else 503 with
  Retry-After; always ``no-store``.
- ``/metrics``: Prometheus text exposition (``publisher.web.http.metrics``).
- ``/limits``: what this endpoint enforces, in JSON; the truncation marker in result bodies
  links here.

The limits themselves are enforced for every route by ``publisher.web.http.limits``, the
query guard's errors are rendered by ``publisher.web.errors``.
"""

from __future__ import annotations

import json

from flask import Blueprint, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from publisher.web.context import state
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
    response = Response(
        json.dumps(body) + "\n", 200 if ok else 503, content_type="application/json"
    )
    response.headers["Cache-Control"] = "no-store"
    if not ok:
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
