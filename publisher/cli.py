"""The ``lodpub`` command: build, validate, serve, harvest, load (a remote store), query."""

from __future__ import annotations

import errno
import json
import socket
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from publisher.build import MANIFEST_FILE, BuildError, build, validate_only
from publisher.config import (
    PROJECT_FILE,
    Config,
    ConfigError,
    ProjectNotFound,
    find_project,
    load_config,
)
from publisher.distdir import is_stale
from publisher.messages import language, msg, render, say
from publisher.serve import ENGINES

CONFIG_OPTION = click.option(
    "--config",
    "config_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help=f"YAML configuration file (default: the project's {PROJECT_FILE}, else "
    "publisher/defaults.yaml); relative paths in it are taken from its folder.",
)
LANG_OPTION = click.option(
    "--lang",
    type=click.Choice(["auto", "it", "en"]),
    help="Language of the messages (default from config messages_lang: auto = from "
    "LC_ALL / LC_MESSAGES / LANG).",
)


def _out_option(help_text: str) -> Callable:
    return click.option("--out", "out_dir", type=click.Path(path_type=Path), help=help_text)


class UsageProblem(click.ClickException):
    """One line, exit status 2: lodpub cannot start where or how it was asked to."""

    exit_code = 2


def _config(
    config_file: Path | None, lang: str | None = None, project: bool = True, **overrides: Any
) -> Config:
    """The configuration: ``config_file``, else the project's found from the current folder
    (``project``: one is needed, for its folders; without, the defaults do)."""
    root = None
    if config_file is None:
        try:
            root, config_file = find_project(Path.cwd())
        except ProjectNotFound as exc:
            if project:
                raise UsageProblem(_no_project(exc, lang)) from None
    try:
        return load_config(config_file, {**overrides, "messages_lang": lang}, root)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc


def _no_project(exc: ProjectNotFound, lang: str | None) -> str:
    defaults = load_config(root=Path.cwd())
    return say(language(lang), "cli.no_project", folder=exc,
               data=defaults["data_dir"], shapes=defaults["shapes_dir"])  # fmt: skip


def _lang(config: Config) -> str:
    try:
        return language(str(config["messages_lang"]))
    except ValueError as exc:
        raise click.ClickException(f"messages_lang: {exc}") from None


def _echo_problems(problems: list, lang: str) -> None:
    for problem in problems:
        click.echo(render(problem, lang), err=True)


@contextmanager
def _refused_on_problems(what: str, lang: str) -> Iterator[None]:
    """Print every problem of a refused build, one per line, and exit 1 (an unreadable
    file or folder too, in one line)."""
    try:
        yield
    except BuildError as exc:
        _echo_problems(exc.problems, lang)
        click.echo(say(lang, "cli.refused", what=msg(what), count=len(exc.problems)), err=True)
        sys.exit(1)
    except OSError as exc:
        raise click.ClickException(str(exc)) from None


@click.group()
@click.version_option(package_name="lodpub")
def main() -> None:
    """Publish smart-city masterplans as Linked Open Data."""


@main.command("build")
@CONFIG_OPTION
@click.option(
    "--data",
    "data_dir",
    type=click.Path(path_type=Path),
    help="Folder of city folders (or one city folder). Default: data/.",
)
@_out_option("Output folder, replaced atomically. Default: dist/.")
@click.option("--quiet", is_flag=True, help="Print only problems.")
@click.option("--ipa-code", help="The publisher's IndicePA code (publisher.ipa_code).")
@LANG_OPTION
def build_command(
    config_file: Path | None,
    data_dir: Path | None,
    out_dir: Path | None,
    quiet: bool,
    ipa_code: str | None = None,
    lang: str | None = None,
) -> None:
    """Convert the YAML to RDF, validate it with SHACL and write dist/."""
    config = _config(config_file, lang, **{"publisher.ipa_code": ipa_code})
    lang = _lang(config)
    progress = (lambda _m: None) if quiet else (lambda m: click.echo(m, err=True))
    with _refused_on_problems("cli.build_failed", lang):
        result = build(config, data_dir, out_dir, progress=progress)
    if not quiet:
        _echo_problems(result.warnings, lang)
        click.echo(
            f"{result.dist} ({result.build_id}): {', '.join(result.cities)}; "
            f"{result.triples} triples; {len(result.warnings)} warning(s)"
        )


@main.command("validate")
@CONFIG_OPTION
@click.option(
    "--data",
    "data_dir",
    type=click.Path(path_type=Path),
    help="Folder of city folders (or one city folder). Default: data/.",
)
@LANG_OPTION
def validate_command(
    config_file: Path | None, data_dir: Path | None, lang: str | None = None
) -> None:
    """Check the YAML and the SHACL shapes without writing anything."""
    config = _config(config_file, lang)
    lang = _lang(config)
    with _refused_on_problems("cli.validation_failed", lang):
        warnings = validate_only(config, data_dir)
    _echo_problems(warnings, lang)
    click.echo(say(lang, "cli.valid", count=len(warnings)))


@main.command("serve")
@CONFIG_OPTION
@click.option("--host", help="Interface to listen on (default from config: 127.0.0.1).")
@click.option("--port", type=int, help="Port (default from config: 8080).")
@click.option(
    "--workers",
    type=click.IntRange(min=0),
    help="Production server with this many processes; 0 = the development server "
    "(default from config: 0). See docs/operations.md.",
)
@click.option(
    "--threads", type=click.IntRange(min=1), help="Threads per worker process (default: 8)."
)
@click.option(
    "--engine",
    type=click.Choice(ENGINES),
    help="Production HTTP server for --workers (default from config: granian).",
)
@click.option(
    "--store",
    "store_url",
    help="SPARQL 1.1 query endpoint of a remote store loaded with `lodpub load` "
    "(default from config: embedded). See docs/deploy.md.",
)
@LANG_OPTION
def serve_command(
    config_file: Path | None,
    host: str | None,
    port: int | None,
    workers: int | None = None,
    threads: int | None = None,
    engine: str | None = None,
    store_url: str | None = None,
    lang: str | None = None,
) -> None:
    """Serve dist/ (building it first when missing or stale): SPARQL, pages, dumps.

    When that build fails but an earlier build is there, its problems are listed and the
    earlier build is served."""
    config = _config(
        config_file,
        lang,
        **{
            "server.host": host,
            "server.port": port,
            "server.workers": workers,
            "server.threads": threads,
            "server.engine": engine,
            "store": store_url,
        },
    )
    lang = _lang(config)
    server = config["server"]
    _refuse_a_taken_port(str(server["host"]), int(server["port"]), lang)
    remote = str(config.values.get("store") or "embedded") != "embedded"
    if not remote and is_stale(config):
        _build_or_keep_the_last(config, lang)
    if int(server["workers"]) > 0:
        from publisher.serve import run as run_production

        run_production(config)
        return
    _run_development_server(config, lang)


# --- serve: the port, the last good build, the development server -------------------------
def _refuse_a_taken_port(host: str, port: int, lang: str) -> None:
    """Stop in one line when ``host:port`` cannot be listened on (taken, not allowed...),
    before anything is loaded: each server would say it its own way, granian in 140 lines."""
    try:
        family, kind, proto, _name, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the servers do
            probe.bind(address)
    except OSError as exc:
        raise click.ClickException(_port_problem(exc, host, port, lang)) from None


def _port_problem(exc: OSError, host: str, port: int, lang: str) -> str:
    if exc.errno == errno.EADDRINUSE:
        return say(lang, "cli.port_taken", host=host, port=port)
    reason = exc.strerror or str(exc)
    return say(lang, "cli.port_refused", host=host, port=port, reason=reason)


def _build_or_keep_the_last(config: Config, lang: str) -> None:
    """Build dist/; if the data has problems, list them and keep serving the last good
    build, or exit 1 when there is none (or it was made for another base IRI)."""
    click.echo(say(lang, "cli.stale"), err=True)
    try:
        build(config, progress=lambda m: click.echo(m, err=True))
        return
    except BuildError as exc:
        problems = exc.problems
    except OSError as exc:
        problems = [str(exc)]
    _echo_problems(problems, lang)
    last = _last_build(config)
    if last is None:
        click.echo(say(lang, "cli.refused", what=msg("cli.build_failed"), count=len(problems)),
                   err=True)  # fmt: skip
        sys.exit(1)
    click.echo(say(lang, "cli.kept_last_build", count=len(problems), build=last["build_id"],
                   built=last.get("built_at", "?")), err=True)  # fmt: skip


def _last_build(config: Config) -> dict | None:
    """The manifest of the build in dist/ when it can be served with this configuration."""
    try:
        manifest = json.loads((config.path("dist_dir") / MANIFEST_FILE).read_text("utf-8"))
    except (OSError, ValueError):
        return None
    ok = isinstance(manifest, dict) and manifest.get("base_iri") == config.base_iri
    return manifest if ok and "build_id" in manifest else None


def _run_development_server(config: Config, lang: str) -> None:
    from werkzeug.serving import make_server

    from publisher.web.app import create_app
    from publisher.web.context import shared

    app = create_app(config)
    shared(app).store.start()  # the query executors, before the server starts its threads
    host, port = str(config["server"]["host"]), int(config["server"]["port"])
    try:
        server = make_server(host, port, app, threaded=True)
    except OSError as exc:  # taken since _refuse_a_taken_port looked
        raise click.ClickException(_port_problem(exc, host, port, lang)) from None
    click.echo(say(lang, "cli.serving", base=config.base_iri, host=host, port=port), err=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


@main.command("harvest")
@CONFIG_OPTION
@_out_option("The aggregate to write, replaced atomically. Default: dist_dir (dist/).")
@click.option("--quiet", is_flag=True, help="Print only the status lines and the summary.")
@click.argument("catalog_urls", nargs=-1, metavar="[CATALOG_URL]...")
def harvest_command(
    config_file: Path | None, out_dir: Path | None, quiet: bool, catalog_urls: tuple[str, ...]
) -> None:
    """Harvest cities' catalogues into one aggregate dist/ (docs/aggregator.md).

    Sources come from harvest.sources in the configuration, then CATALOG_URL arguments.
    One status line per source, then a summary. Exit codes: 0 every source is fresh,
    unchanged or kept at its last good version; 1 nothing could be published; 3 published,
    but a source has no version at all yet; 2 bad usage or configuration.
    """
    from publisher.harvest import HarvestError, SourceConfigError, configured_sources, harvest
    from publisher.harvest.auditing import auditor

    config = _config(config_file)
    try:
        sources = configured_sources(config, catalog_urls)
    except SourceConfigError as exc:
        raise click.UsageError(str(exc)) from None
    if not sources:
        raise click.UsageError("no sources: list them in harvest.sources or give catalogue URLs")
    dist = Path(out_dir or config.path("dist_dir")).absolute()
    say = (lambda _m: None) if quiet else (lambda m: click.echo(m, err=True))
    try:
        report = harvest(config, dist, sources, progress=say, auditor=auditor(config))
    except HarvestError as exc:
        click.echo(f"harvest failed: {exc}; nothing was published", err=True)
        sys.exit(1)
    for result in report.results:
        click.echo(result.line())
    click.echo(report.summary())
    sys.exit(report.exit_code)


@main.command("audit")
@CONFIG_OPTION
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json", "earl"]), default="text",
    show_default=True, help="A summary, JSON, or an EARL report in Turtle.",
)  # fmt: skip
@click.option("--base", help="The publisher's base IRI, when its VoID description does not say.")
@click.option("--catalog", help="Its catalogue's URL, when not the one its VoID names.")
@click.argument("url")
def audit_command(
    config_file: Path | None, fmt: str, base: str | None, catalog: str | None, url: str
) -> None:
    """Check a city publisher from outside, as the aggregator would (docs/aggregator.md).

    SPARQL protocol and service description, dereferencing of its example IRIs, VoID
    counts against SPARQL, the catalogue harvested (paging, HEAD, dump checksums), its data
    against the shapes, and its MQA score if it publishes one. Exit codes: 0 the publisher
    conforms, 1 it does not (the report says why), 2 bad usage.
    """
    from publisher.harvest.audit import audit
    from publisher.harvest.earl import as_earl, as_json, as_text
    from publisher.harvest.sources import SourceConfigError
    from publisher.iris import Iris

    config = _config(config_file)
    try:
        report = audit(config, url, base, catalog)
    except SourceConfigError as exc:
        raise click.UsageError(str(exc)) from None
    if fmt == "json":
        click.echo(as_json(report))
    elif fmt == "earl":
        click.echo(as_earl(report, str(Iris(config.base_iri).software_agent())))
    else:
        click.echo(as_text(report))
    sys.exit(report.exit_code)


@main.command("mqa")
@CONFIG_OPTION
@click.option("--server", "server_url", required=True,
              help="The running server to assess, e.g. http://127.0.0.1:8080.")  # fmt: skip
@_out_option("Where to write the DQV (Turtle). Default: dist/mqa.ttl, served at /mqa.")
def mqa_command(config_file: Path | None, server_url: str, out_dir: Path | None) -> None:
    """Score the catalogue with data.europa.eu's MQA metrics (docs/harvesting.md).

    Reads /catalog page by page from the server, sends HEAD to every access and download
    URL, checks every dataset's document with the official DCAT-AP shapes; prints the table
    and writes the W3C DQV measurements. Exit code 0 when every dataset scores 405/405, 3
    when one scores less, 1 when the server cannot be read.
    """
    from publisher import mqa

    config = _config(config_file)
    try:
        results, graph = mqa.run(server_url, config.base_iri, config.path("shapes_dir"))
    except mqa.UnreadableServer as exc:
        click.echo(f"mqa: cannot assess {server_url}: {exc}", err=True)
        sys.exit(1)
    out = Path(out_dir or config.path("dist_dir") / mqa.MQA_FILE)
    graph.serialize(out, format="turtle")
    click.echo(mqa.table(results))
    click.echo(f"catalogue: {mqa.catalogue_score(results)}/{mqa.TOTAL}; written to {out}")
    sys.exit(0 if all(r.score == mqa.TOTAL for r in results) else 3)


@main.command("load")
@CONFIG_OPTION
@click.option("--endpoint", required=True, help="SPARQL 1.1 query endpoint of the store.")
@click.option(
    "--graph-store",
    "graph_store",
    help="Graph Store HTTP Protocol URL. Default: the endpoint's /store (Oxigraph server); "
    "Virtuoso: http://HOST:8890/sparql-graph-crud-auth.",
)
@click.option(
    "--dist",
    "dist_dir",
    type=click.Path(path_type=Path),
    help="The build to publish. Default: dist/.",
)
def load_command(
    config_file: Path | None, endpoint: str, graph_store: str | None, dist_dir: Path | None
) -> None:
    """Publish dist/ into a remote store: one named graph per city, each replaced whole.

    Credentials come from LODPUB_STORE_USER / LODPUB_STORE_PASSWORD (digest or basic).
    """
    import os

    from publisher.load import LoadError, load

    config = _config(config_file, project=dist_dir is None)
    dist = dist_dir or config.path("dist_dir")
    if graph_store is None:
        graph_store = endpoint.rstrip("/").rsplit("/", 1)[0] + "/store"
    user = os.environ.get("LODPUB_STORE_USER")
    auth = (user, os.environ.get("LODPUB_STORE_PASSWORD", "")) if user else None
    try:
        report = load(
            dist, graph_store, config.base_iri, auth=auth,
            progress=lambda m: click.echo(m, err=True),
        )  # fmt: skip
    except LoadError as exc:
        raise click.ClickException(str(exc)) from None
    total = sum(report.graphs.values())
    click.echo(f"loaded build {report.build_id}: {len(report.graphs)} graph(s), {total} triples")


@main.command("export-static")
@CONFIG_OPTION
@click.argument("folder", type=click.Path(path_type=Path))
@click.option("--dist", "dist_dir", type=click.Path(path_type=Path),
              help="The build to export. Default: dist/.")  # fmt: skip
def export_static_command(config_file: Path | None, folder: Path, dist_dir: Path | None) -> None:
    """Write the site as plain files into FOLDER/site, with nginx and Apache configuration
    for content negotiation (FOLDER/nginx, FOLDER/apache): no Python needed to serve it."""
    from publisher.export import ExportError, export_static
    from publisher.store import StoreError

    config = _config(config_file, project=dist_dir is None)
    if dist_dir is not None:
        config.values["dist_dir"] = str(dist_dir.resolve())
    try:
        done = export_static(config, folder, lambda m: click.echo(m, err=True))
    except (ExportError, StoreError, OSError) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{done.resources} resources, {done.files} files: serve {folder / 'site'} "
               f"with {folder / 'nginx'} (or {folder / 'apache'})")  # fmt: skip


@main.command("query")
@CONFIG_OPTION
@click.argument("name_or_file", required=False)
@click.option(
    "--endpoint",
    help="SPARQL endpoint URL. Default: this publisher, http://<server.host>:<server.port>/sparql.",
)
@click.option(
    "--param",
    "-p",
    "params",
    multiple=True,
    metavar="NAME=VALUE",
    help="A parameter of the named query (repeatable).",
)
@click.option(
    "--format",
    "output",
    type=click.Choice(["table", "csv", "json"]),
    default="table",
    show_default=True,
    help="table: for reading; csv: SPARQL CSV; json: SPARQL JSON results.",
)
@click.option("--print-query", is_flag=True, help="Print the query to be sent, and send nothing.")
@click.option("--timeout", type=float, default=60, show_default=True, help="Seconds to wait.")
def query_command(
    config_file: Path | None,
    name_or_file: str | None,
    endpoint: str | None,
    params: tuple[str, ...],
    output: str,
    print_query: bool,
    timeout: float,
) -> None:
    """Run a named query (queries/NAME.rq) or any .rq file on a SPARQL endpoint.

    NAME_OR_FILE is a query name (e.g. actions-per-theme) or the path of a .rq file; without
    it, the named queries are listed. Exit codes: 0 answered; 1 the endpoint failed or
    refused the query; 2 bad usage, query file or parameter (nothing was sent).
    """
    from publisher import client

    config = _config(config_file, project=False)
    if name_or_file is None:
        click.echo(_query_list(), nl=False)
        return
    sparql = _bound_query(config, name_or_file, params)
    if print_query:
        click.echo(sparql)
        return
    url = endpoint or _local_endpoint(config)
    try:
        data = client.run(url, sparql, timeout_s=timeout)
    except client.ClientError as exc:
        raise click.ClickException(str(exc)) from None
    if output == "json":
        click.echo(client.render_json(data), nl=False)
    elif output == "csv":
        click.echo(client.render_csv(client.Table.from_json(data)), nl=False)
    else:
        table = client.Table.from_json(data)
        click.echo(client.render_table(table, base=config.base_iri), nl=False)


def _bound_query(config: Config, name_or_file: str, params: tuple[str, ...]) -> str:
    """The complete query text; every problem found before sending is a usage error."""
    from publisher import named_queries as nq
    from publisher.client import parse_params

    try:
        query = nq.resolve(name_or_file)
        return query.bind(parse_params(params), nq.Context(config.base_iri)).sparql
    except (nq.QueryFileError, LookupError, ValueError) as exc:
        raise click.UsageError(str(exc)) from None


def _query_list() -> str:
    from publisher import named_queries as nq

    try:
        queries = nq.load_dir()
    except nq.QueryFileError as exc:
        raise click.UsageError(str(exc)) from None
    lines = []
    for query in queries.values():
        names = " ".join(f"{p.name}=" for p in query.parameters)
        lines.append(f"{query.name}: {query.title['en']}" + (f" [{names}]" if names else ""))
    return "\n".join(lines) + "\n"


def _local_endpoint(config: Config) -> str:
    server = config["server"]
    host = str(server["host"])
    host = "127.0.0.1" if host in ("0.0.0.0", "", "::") else host
    host = f"[{host}]" if ":" in host else host
    return f"http://{host}:{server['port']}/sparql"
