"""``lodpub load``: publish a built ``dist/`` into a remote store (Graph Store HTTP Protocol).

Each named graph of ``dist/dataset.nq`` (one per city, the vocabulary, the catalogue) is
replaced as a whole by one ``PUT <graph-store>?graph=<iri>`` with an N-Triples body; then
the deduplicated union of them goes to the hidden ``graph/union`` and the manifest (build
id, time, graphs) to the hidden ``graph/build`` (see :mod:`publisher.store.remote`). The
manifest goes last, so replicas switch to the new build (ETags) only when all its graphs
are in.

A PUT is one transaction on Oxigraph server and on Virtuoso: a failed PUT leaves that
graph's old content in place. A load that fails half-way leaves the graphs already
replaced with the new data and the others with the old; run it again (it is idempotent).
"""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from publisher import distdir
from publisher.store.remote import LODPUB, XSD_DATETIME, build_graph, gsp_url, union_graph


class LoadError(Exception):
    """The load failed; the message says which graph and why."""


@dataclass
class LoadReport:
    build_id: str
    graphs: dict[str, int] = field(default_factory=dict)


def _opener(url: str, auth: tuple[str, str] | None) -> urllib.request.OpenerDirector:
    handlers: list[urllib.request.BaseHandler] = []
    if auth:
        manager = urllib.request.HTTPPasswordMgrWithDefaultRealm()
        manager.add_password(None, url, auth[0], auth[1])
        handlers += [
            urllib.request.HTTPDigestAuthHandler(manager),
            urllib.request.HTTPBasicAuthHandler(manager),
        ]
    return urllib.request.build_opener(*handlers)


def _authorization(url: str, auth: tuple[str, str], request: urllib.request.Request) -> str | None:
    """The Authorization header for ``request``, sent with it the first time: a server
    that answers 401 to a large body before reading it (Virtuoso with digest) breaks the
    connection, so the challenge is fetched first with a bodiless HEAD."""
    try:
        with urllib.request.urlopen(urllib.request.Request(url, method="HEAD"), timeout=30):
            return None
    except urllib.error.HTTPError as exc:
        if exc.code != 401:
            return None
        challenge = exc.headers.get("WWW-Authenticate", "")
    scheme, _, rest = challenge.partition(" ")
    if scheme.lower() == "basic":
        token = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode("ascii")
        return "Basic " + token
    if scheme.lower() != "digest":
        return None
    fields = urllib.request.parse_keqv_list(filter(None, urllib.request.parse_http_list(rest)))
    manager = urllib.request.HTTPPasswordMgrWithDefaultRealm()
    manager.add_password(None, url, auth[0], auth[1])
    value = urllib.request.HTTPDigestAuthHandler(manager).get_authorization(request, fields)
    return f"Digest {value}" if value else None


def put_graph(
    graph_store_url: str,
    graph: str | None,
    triples: list[ox.Triple],
    auth: tuple[str, str] | None = None,
    timeout_s: float = 300,
) -> None:
    body = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b""
    url = gsp_url(graph_store_url, graph)
    request = urllib.request.Request(
        url, data=body, method="PUT", headers={"Content-Type": "application/n-triples"}
    )
    try:
        header = _authorization(url, auth, request) if auth else None
        if header:
            request.add_unredirected_header("Authorization", header)
        with _opener(url, auth).open(request, timeout=timeout_s) as response:
            response.read()
    except urllib.error.HTTPError as exc:
        detail = exc.read()[:500].decode("utf-8", "replace")
        raise LoadError(f"PUT {graph or 'default graph'}: HTTP {exc.code}: {detail}") from None
    except (urllib.error.URLError, OSError) as exc:
        raise LoadError(f"PUT {graph or 'default graph'}: {getattr(exc, 'reason', exc)}") from None


def load(
    dist: Path,
    graph_store_url: str,
    base_iri: str,
    auth: tuple[str, str] | None = None,
    progress: Callable[[str], None] = lambda _m: None,
) -> LoadReport:
    """PUT every graph of ``dist`` into the store; returns the triples loaded per graph."""
    dist = Path(dist)
    try:
        manifest = json.loads((dist / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise LoadError(f"{dist}/manifest.json: {exc}: run `lodpub build` first") from None
    problems = distdir.check_files(dist, manifest)  # a cut dataset.nq still parses
    if problems:
        raise LoadError(f"{dist} does not match its manifest, nothing loaded: "
                        + "; ".join(problems[:3]))  # fmt: skip
    graphs: dict[str, list[ox.Triple]] = {}
    try:
        for quad in ox.parse(path=str(dist / "dataset.nq"), format=ox.RdfFormat.N_QUADS):
            if isinstance(quad.graph_name, ox.NamedNode):
                graphs.setdefault(quad.graph_name.value, []).append(
                    ox.Triple(quad.subject, quad.predicate, quad.object)
                )
    except (OSError, SyntaxError) as exc:
        raise LoadError(f"{dist}/dataset.nq: {exc}") from None
    report = LoadReport(str(manifest["build_id"]))
    union: dict[ox.Triple, None] = {}
    for graph in sorted(graphs):
        triples = list(dict.fromkeys(graphs[graph]))
        put_graph(graph_store_url, graph, triples, auth)
        union.update(dict.fromkeys(triples))
        report.graphs[graph] = len(triples)
        progress(f"{graph}: {len(triples)} triples")
    put_graph(graph_store_url, union_graph(base_iri), list(union), auth)
    progress(f"{union_graph(base_iri)} (union, hidden): {len(union)} triples")
    node = ox.NamedNode(build_graph(base_iri))
    meta = [
        ox.Triple(node, ox.NamedNode(LODPUB + "buildId"), ox.Literal(report.build_id)),
        ox.Triple(
            node,
            ox.NamedNode(LODPUB + "builtAt"),
            ox.Literal(str(manifest["built_at"]), datatype=ox.NamedNode(XSD_DATETIME)),
        ),
    ]
    meta += [ox.Triple(node, ox.NamedNode(LODPUB + "graph"), ox.NamedNode(g)) for g in graphs]
    meta += [
        ox.Triple(node, ox.NamedNode(LODPUB + "city"), ox.Literal(str(c)))
        for c in manifest.get("cities", [])
    ]
    put_graph(graph_store_url, build_graph(base_iri), meta, auth)
    progress(f"{build_graph(base_iri)} (build {report.build_id}, hidden)")
    return report
