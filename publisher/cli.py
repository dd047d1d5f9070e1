"""The ``lodpub`` command: build, validate and serve (load and query come later)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from publisher.build import BuildError, build, is_stale, validate_only
from publisher.config import Config, ConfigError, load_config

CONFIG_OPTION = click.option(
    "--config",
    "config_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="YAML configuration file (defaults: publisher/defaults.yaml).",
)


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
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path),
    help="Output folder, replaced atomically. Default: dist/.",
)
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
def serve_command(config_file: Path | None, host: str | None, port: int | None) -> None:
    """Serve dist/ (building it first when missing or stale): SPARQL, pages, dumps."""
    from werkzeug.serving import run_simple

    from publisher.web.app import create_app

    config = _config(config_file, **{"server.host": host, "server.port": port})
    if is_stale(config):
        click.echo("dist/ is missing or older than its inputs: building first", err=True)
        with _refused_on_problems("build failed"):
            build(config, progress=lambda m: click.echo(m, err=True))
    app = create_app(config)
    server = config["server"]
    click.echo(f"serving {config.base_iri} at http://{server['host']}:{server['port']}/", err=True)
    run_simple(server["host"], server["port"], app, threaded=True)
