"""Fairness and budgets on the production server, as the CLI starts it (both engines).

``lodpub serve --workers 2`` runs behind a pretend proxy (127.0.0.1 is trusted, clients are
named by ``X-Forwarded-For``), with a 2 s time limit, so each attack lasts seconds:

- one client sending 16 runaway queries at once runs 2 (``max_queries_per_client``, for the
  whole server, both workers) and gets 429 + Retry-After for the rest, while three other
  clients' light queries and uncached pages all succeed;
- eight clients with 2 runaways each fill what clients' queries may use: the memory budget
  refuses more with 503 + Retry-After before they start, ``/ready`` says 503 (saturated)
  while ``/health`` stays 200, and pages (light work, with executors and memory kept for
  them) still answer.

Latencies are printed, never asserted (bench/ and docs/operations.md have the figures).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest
from support import LABEL, THING, production_server, write_dist
from support import request as get

from publisher import distdir
from publisher.config import load_config
from publisher.serve import ENGINES
from publisher.web.app import create_app
from publisher.web.http.clients import client_address

RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n ?o }"
LIGHT = f"SELECT ?l WHERE {{ <{THING}7> <{LABEL}> ?l }}"
TIMEOUT_S = 2
ATTACK_S = 4


# --- who is the client --------------------------------------------------------------------
SERVER = {"trusted_proxies": ["127.0.0.1", "10.0.0.0/8"], "trusted_proxy_header": "X-Forwarded-For"}


@pytest.mark.parametrize(
    ("peer", "forwarded", "client"),
    [
        ("192.0.2.7", None, "192.0.2.7"),  # no proxy
        ("192.0.2.7", "203.0.113.9", "192.0.2.7"),  # not a trusted proxy: header ignored
        ("127.0.0.1", "203.0.113.9", "203.0.113.9"),
        ("127.0.0.1", "1.1.1.1, 203.0.113.9, 10.1.2.3", "203.0.113.9"),  # spoofed left part
        ("127.0.0.1", None, "127.0.0.1"),  # the proxy itself
        ("127.0.0.1", "not an address", "127.0.0.1"),
        ("2001:db8::1", None, "2001:db8::/64"),  # one IPv6 subscriber, one client
        ("127.0.0.1", "2001:db8::2:3", "2001:db8::/64"),
    ],
)
def test_the_client_is_the_peer_or_what_a_trusted_proxy_says(peer, forwarded, client) -> None:
    environ = {"REMOTE_ADDR": peer}
    if forwarded is not None:
        environ["HTTP_X_FORWARDED_FOR"] = forwarded
    assert client_address(environ, SERVER) == client


def test_without_trusted_proxies_the_header_is_never_read() -> None:
    environ = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "203.0.113.9"}
    assert client_address(environ, {"trusted_proxy_header": "X-Forwarded-For"}) == "127.0.0.1"


def test_a_wrong_trusted_proxy_stops_the_start_with_its_name(tmp_path: Path) -> None:
    config = load_config(overrides={"server.trusted_proxies": ["10.0.0.300"]}, root=tmp_path)
    with pytest.raises(ValueError, match=r"server\.trusted_proxies: '10\.0\.0\.300'"):
        create_app(config)


# --- the production server ----------------------------------------------------------------
@pytest.fixture(scope="module", params=ENGINES)
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[int]:
    folder = tmp_path_factory.mktemp(f"fairness-{request.param}")
    staged = write_dist(folder / "staged", triples=200, build_id="fair-0001")
    dist = folder / "dist"
    distdir.publish(staged, dist)
    settings = f"""
dist_dir: {dist}
server: {{threads: 8, trusted_proxies: [127.0.0.1]}}
limits:
  query_timeout_s: {TIMEOUT_S}
  max_queries_per_client: 2
  reserved_light_queries: 2
  query_memory_mb: 1000
  memory_total_mb: 8100
"""
    with production_server(folder, settings, request.param) as info:
        yield info["port"]


def as_client(address: str) -> dict[str, str]:
    return {"X-Forwarded-For": address, "Accept": "application/sparql-results+json"}


def sparql(port: int, query: str, address: str) -> tuple[int, dict[str, str], bytes]:
    return get(port, "/sparql?" + urlencode({"query": query}), as_client(address))


class Loop:
    """``call(n)`` repeated in a thread until ``stop``; every outcome kept."""

    def __init__(self, call: Callable[[int], tuple], stop: threading.Event) -> None:
        self.outcomes: list[tuple] = []
        self.thread = threading.Thread(target=self._run, args=(call, stop), daemon=True)
        self.thread.start()

    def _run(self, call: Callable[[int], tuple], stop: threading.Event) -> None:
        n = 0
        while not stop.is_set():
            started = time.monotonic()
            status, headers, body = call(n)
            self.outcomes.append((status, headers, body, time.monotonic() - started, n))
            n += 1


def light_clients(port: int, stop: threading.Event) -> list[Loop]:
    """Three ordinary clients: a never-cached light query, then an uncached page."""

    def light(address: str) -> Callable[[int], tuple]:
        def call(n: int) -> tuple:
            if n % 2:
                return get(port, f"/doc/id/test/s{n % 50}.ttl?n={n}&c={address}",
                               {"X-Forwarded-For": address})  # fmt: skip
            return sparql(port, f"{LIGHT} # {address} {n}", address)

        return call

    return [Loop(light(f"203.0.113.{i}"), stop) for i in (1, 2, 3)]


def attack(port: int, addresses: list[str]) -> tuple[list[Loop], list[Loop], threading.Event]:
    """One runaway loop per address given (repeat an address for several at once), and
    the light clients, for ATTACK_S; then every loop's last request ends."""
    stop = threading.Event()
    attackers = [
        Loop(lambda n, a=address, i=i: sparql(port, f"{RUNAWAY} # {i} {n}", a), stop)
        for i, address in enumerate(addresses)
    ]
    time.sleep(0.5)  # the runaways are running
    return attackers, light_clients(port, stop), stop


def finish(loops: list[Loop], stop: threading.Event) -> None:
    time.sleep(ATTACK_S)
    stop.set()
    for loop in loops:
        loop.thread.join(timeout=TIMEOUT_S + 10)


def report(what: str, outcomes: list[tuple]) -> float:
    """Success rate of ``outcomes``; prints it with p50/p99 latencies (never asserted)."""
    times = sorted(outcome[3] for outcome in outcomes)
    ok = sum(outcome[0] == 200 for outcome in outcomes) / len(outcomes)
    print(f"{what}: {len(outcomes)} requests, {ok:.1%} ok, p50 {times[len(times) // 2]:.3f} s, "
          f"p99 {times[int(len(times) * 0.99)]:.3f} s")  # fmt: skip
    return ok


def test_one_client_with_16_runaways_runs_2_and_everybody_else_is_served(server: int) -> None:
    attackers, light, stop = attack(server, ["198.51.100.66"] * 16)
    finish(attackers + light, stop)
    light_outcomes = [outcome for loop in light for outcome in loop.outcomes]
    attacked = [outcome for loop in attackers for outcome in loop.outcomes]
    assert report("light clients during 16 runaways of one client", light_outcomes) >= 0.99
    statuses = [outcome[0] for outcome in attacked]
    assert set(statuses) <= {429, 500}, statuses
    refused = [({k.lower(): v for k, v in outcome[1].items()}, outcome[2])
               for outcome in attacked if outcome[0] == 429]  # fmt: skip
    assert len(refused) >= 14  # all but the two it may run, at the very least
    headers, body = refused[0]
    assert int(headers["retry-after"]) > 0
    assert b"limits.max_queries_per_client" in body and b'"status": 429' in body
    # two at a time on the whole server (not two per worker), each stopped at the time
    # limit: at most 2 × 3 rounds in the attack's 4.5 s
    assert statuses.count(500) <= 2 * (ATTACK_S // TIMEOUT_S + 1)


def test_many_clients_fill_the_memory_budget_and_pages_still_answer(server: int) -> None:
    limits = json.loads(get(server, "/limits")[2])
    assert limits["memory_total_mb"] == 8100 and limits["max_queries_per_client"] == 2
    ready = json.loads(get(server, "/ready")[2])
    assert ready["status"] == "ready" and ready["slots"] >= 4 and ready["slots_in_use"] == 0
    attackers, light, stop = attack(server, [f"198.51.100.{i // 2}" for i in range(16)])
    readiness, health = [], []
    for _ in range(4):
        status, _headers, body = get(server, "/ready")
        readiness.append((status, json.loads(body)))
        health.append(get(server, "/health")[0])
        time.sleep(0.3)
    finish(attackers + light, stop)
    pages = [o for loop in light for o in loop.outcomes if o[4] % 2]  # odd n: a page
    assert report("pages during 16 runaways of 8 clients", pages) >= 0.99
    report("light queries meanwhile (not promised)",
           [o for loop in light for o in loop.outcomes if not o[4] % 2])
    refusals = [o[2] for loop in attackers for o in loop.outcomes if o[0] == 503]
    assert any(b"limits.memory_total_mb" in body for body in refusals), refusals[:2]
    assert health == [200] * 4
    saturated = [body for status, body in readiness if status == 503]
    assert saturated and saturated[0]["status"] == "saturated", readiness
    deadline = time.monotonic() + TIMEOUT_S + 5
    while get(server, "/ready")[0] != 200:  # the runaways end: ready again
        assert time.monotonic() < deadline
        time.sleep(0.2)
    metrics = get(server, "/metrics")[2].decode()
    assert 'lodpub_queries_rejected_total{reason="memory"}' in metrics
    assert "lodpub_query_slots{state=\"total\"}" in metrics
