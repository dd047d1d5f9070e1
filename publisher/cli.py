"""The ``lodpub`` command: build, validate, serve, harvest, load (a remote store), query."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from publisher.build import BuildError, build, is_stale, validate_only
from publisher.config import Config, ConfigError, load_config
from publisher.serve import ENGINES

CONFIG_OPTION = click.option(
    "--config",
    "config_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="YAML configuration file (defaults: publisher/defaults.yaml).",
)


def _out_option(help_text: str) -> Callable:
    return click.option("--out", "out_dir", type=click.Path(path_type=Path), help=help_text)


def _config(config_file: Path | None, **overrides: object) -> Config:
    try:
        return load_config(config_file, overrides)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc


@contextmanager
def _refused_on_problems(what: str) -> Iterator[None]:
    """Print every problem of a refused build, one per line, and exit 1."""
    try:
        yield
    except BuildError as exc:
        for line in exc.problems:
            click.echo(line, err=True)
        click.echo(f"{what}: {len(exc.problems)} problem(s); nothing was published.", err=True)
        sys.exit(1)


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
def build_command(
    config_file: Path | None, data_dir: Path | None, out_dir: Path | None, quiet: bool
) -> None:
    """Convert the YAML to RDF, validate it with SHACL and write dist/."""
    config = _config(config_file)
    say = (lambda _m: None) if quiet else (lambda m: click.echo(m, err=True))
    with _refused_on_problems("build failed"):
        result = build(config, data_dir, out_dir, progress=say)
    for warning in result.warnings:
        if not quiet:
            click.echo(str(warning), err=True)
    if not quiet:
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
def validate_command(config_file: Path | None, data_dir: Path | None) -> None:
    """Check the YAML and the SHACL shapes without writing anything."""
    config = _config(config_file)
    with _refused_on_problems("validation failed"):
        warnings = validate_only(config, data_dir)
    for warning in warnings:
        click.echo(str(warning), err=True)
    click.echo(f"valid ({len(warnings)} warning(s))")


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
def serve_command(
    config_file: Path | None,
    host: str | None,
    port: int | None,
    workers: int | None = None,
    threads: int | None = None,
    engine: str | None = None,
    store_url: str | None = None,
) -> None:
    """Serve dist/ (building it first when missing or stale): SPARQL, pages, dumps."""
    from werkzeug.serving import run_simple

    from publisher.web.app import create_app

    config = _config(
        config_file,
        **{
            "server.host": host,
            "server.port": port,
            "server.workers": workers,
            "server.threads": threads,
            "server.engine": engine,
            "store": store_url,
        },
    )
    remote = str(config.values.get("store") or "embedded") != "embedded"
    if not remote and is_stale(config):
        click.echo("dist/ is missing or older than its inputs: building first", err=True)
        with _refused_on_problems("build failed"):
            build(config, progress=lambda m: click.echo(m, err=True))
    if int(config["server"]["workers"]) > 0:
        from publisher.serve import run as run_production

        run_production(config)
        return
    app = create_app(config)
    start = getattr(app.extensions["lodpub"].store, "start", None)
    if start is not None:  # the query executors, before the server starts its threads
        start()
    server = config["server"]
    click.echo(f"serving {config.base_iri} at http://{server['host']}:{server['port']}/", err=True)
    run_simple(server["host"], server["port"], app, threaded=True)


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
        report = harvest(config, dist, sources, progress=say)
    except HarvestError as exc:
        click.echo(f"harvest failed: {exc}; nothing was published", err=True)
        sys.exit(1)
    for result in report.results:
        click.echo(result.line())
    click.echo(report.summary())
    sys.exit(report.exit_code)


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

    config = _config(config_file)
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
    click.echo(
        f"loaded build {report.build_id}: {len(report.graphs)} graph(s), {total} triples"
    )


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

    config = _config(config_file)
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
