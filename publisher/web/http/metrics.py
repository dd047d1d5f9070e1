"""Request and query metrics, in Prometheus text exposition (served at ``/metrics``).

Requests and latency per route template (never the raw path: bounded label values), query
outcomes and executor time, timeouts, truncated results, rejected queries, executors
started; answers replayed by the representation cache count like any other. At scrape time
:class:`_DataCollector` adds the build being served, its triple count, this process's
executors, the server's memory slots and whether a client's query could start now.

Several workers are several processes: the runner (``publisher.serve``) sets
``PROMETHEUS_MULTIPROC_DIR`` before this module is imported, so ``prometheus_client``
keeps each process's values in a file there and ``/metrics`` adds them up, whichever worker
answers. Without it (development server, tests) the values live in this process.
"""

from __future__ import annotations

import os
import time
from typing import Any

from flask import Flask, Response, g, request
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily, InfoMetricFamily

from publisher.store import add_listener
from publisher.web.context import Lodpub
from publisher.web.http.links import TRUNCATION_HEADER

SPARQL_ENDPOINT = "endpoint.sparql"  # the Flask endpoint of /sparql, for its own counters
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
    "(invalid, forbidden, method, not_acceptable, too_large, busy, client_limit, memory)",
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


def install(app: Flask) -> None:
    """The clock and the counting hooks on ``app``. Call it *before* ``caching.install``:
    Flask runs ``after_request`` hooks in reverse order, and this one must see the final
    status."""

    @app.before_request
    def _clock() -> None:
        g.lodpub_started = time.perf_counter()

    @app.after_request
    def _measure(response: Response) -> Response:
        _observe(response)
        return response

    add_listener(_store_event)


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
    if request.endpoint == SPARQL_ENDPOINT:
        if status in _REJECTION:
            REJECTED.labels(_REJECTION[status]).inc()
        if response.headers.get(TRUNCATION_HEADER):
            TRUNCATIONS.inc()


def observe_replay(
    route: str, endpoint: str, method: str, status: int, headers: Any, seconds: float
) -> None:
    """The same request metrics for an answer replayed by the representation cache."""
    LATENCY.labels(route).observe(seconds)
    REQUESTS.labels(route, method, str(status)).inc()
    truncated = any(name == TRUNCATION_HEADER for name, _value in headers)
    if endpoint == SPARQL_ENDPOINT and status == 200 and truncated:
        TRUNCATIONS.inc()


def _store_event(event: str, info: dict[str, Any]) -> None:
    if event == "query":
        QUERIES.labels(info["outcome"]).observe(info["seconds"])
        if info["outcome"] == "timeout":
            TIMEOUTS.inc()
    elif event in ("busy", "client_limit", "memory"):
        REJECTED.labels(event).inc()
    elif event == "spawn":
        EXECUTORS.inc()


class _DataCollector:
    """Scrape-time facts about the loaded data (the same in every worker)."""

    def __init__(self, shared: Lodpub) -> None:
        self.shared = shared

    def collect(self):
        store = self.shared.store
        info = InfoMetricFamily("lodpub_build", "The build being served")
        info.add_metric([], {"build_id": store.version, "software": self.shared.software_version})
        yield info
        triples = GaugeMetricFamily("lodpub_store_triples", "Triples in the union default graph")
        triples.add_metric([], store.count_triples())
        yield triples
        numbers = store.stats()
        if numbers and not MULTIPROCESS:  # per process: meaningless summed over workers
            for name in ("busy", "idle", "limit"):
                family = GaugeMetricFamily(
                    f"lodpub_query_executors_{name}", f"Query executors of this process: {name}"
                )
                family.add_metric([], numbers[name])
                yield family
        if "slots" in numbers:  # server-wide: the same whichever worker answers
            slots = GaugeMetricFamily(
                "lodpub_query_slots",
                "Memory slots of limits.memory_total_mb (one per running query), server-wide",
                labels=["state"],
            )
            slots.add_metric(["total"], numbers["slots"])
            slots.add_metric(["in_use"], numbers["slots_in_use"])
            yield slots
        ready = GaugeMetricFamily(
            "lodpub_ready", "1 when a client's query could start now (GET /ready), else 0"
        )
        ready.add_metric([], 0 if store.saturated() else 1)
        yield ready


class _Everything:
    """The default registry (this process's metrics, process_* and python_* ones)."""

    def collect(self):
        yield from REGISTRY.collect()


def registry(shared: Lodpub) -> CollectorRegistry:
    """What ``/metrics`` exposes: every process's metrics and the data's."""
    found = CollectorRegistry()
    if MULTIPROCESS:
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(found)
    else:
        found.register(_Everything())
    found.register(_DataCollector(shared))
    return found
