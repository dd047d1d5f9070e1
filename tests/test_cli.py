"""The ``lodpub`` command as people meet it, run for real (subprocesses): from any folder of a
project, in Italian or English, one clear line for a taken port on every server, the last
good build kept when the YAML breaks, and ``make run`` on the production server."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LODPUB = [sys.executable, "-m", "publisher"]
ENGLISH = {"LANG": "en_GB.UTF-8", "LC_ALL": "", "LC_MESSAGES": ""}
ITALIAN = {"LANG": "it_IT.UTF-8", "LC_ALL": "", "LC_MESSAGES": ""}


def lodpub(*args: str, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*LODPUB, *args], cwd=cwd, capture_output=True, text=True, timeout=120,
        env={**os.environ, **ENGLISH, **(env or {})},
    )  # fmt: skip


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def project(folder: Path, data: Path = ROOT / "data", dist: Path | None = None) -> Path:
    """A project folder outside the repository: lodpub.yaml (its paths relative to it, the
    shapes and ontology the repository's), a copy of ``data``, optionally of a dist/."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copytree(data, folder / "data")
    if dist is not None:
        shutil.copytree(dist, folder / "dist")
    (folder / "lodpub.yaml").write_text(
        f"data_dir: data\ndist_dir: dist\nshapes_dir: {ROOT / 'shapes'}\n"
        f"ontology_dir: {ROOT / 'ontology'}\n",
        encoding="utf-8",
    )
    return folder


def break_date(city: Path) -> int:
    """An impossible approval date in ``city``'s masterplan.yaml; returns its line."""
    path = city / "masterplan.yaml"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    number = next(i for i, line in enumerate(lines) if line.strip().startswith("approved:"))
    lines[number] = lines[number].split("approved:")[0] + "approved: 2024-02-30\n"
    path.write_text("".join(lines), encoding="utf-8")
    return number + 1


def no_traceback(result: subprocess.CompletedProcess) -> None:
    assert "Traceback" not in result.stderr and "Error:" not in result.stdout, result.stderr


# --- from any folder ----------------------------------------------------------------------
def test_validate_runs_from_inside_a_city_folder() -> None:
    result = lodpub("validate", "--data", ".", cwd=ROOT / "data" / "laspezia")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("valid (")


def test_a_project_is_found_from_its_lodpub_yaml_in_a_parent(tmp_path: Path) -> None:
    folder = project(tmp_path / "comune", ROOT / "examples")
    result = lodpub("validate", cwd=folder / "data" / "demo-city")
    assert result.returncode == 0, result.stderr  # data_dir: data, from lodpub.yaml's folder
    assert "valid (" in result.stdout
    moved = lodpub("validate", "--config", str(folder / "lodpub.yaml"), cwd=tmp_path)
    assert moved.returncode == 0, moved.stderr
    (folder / "lodpub.yaml").write_text("shapes_dir: no-shapes\n", encoding="utf-8")
    missing = lodpub("validate", cwd=folder)
    assert missing.returncode == 1
    assert missing.stderr == f"Error: {folder / 'no-shapes'}: no *.shacl.ttl shapes files\n"


def test_outside_any_project_one_line_and_exit_2(tmp_path: Path) -> None:
    for command, env, words in (("validate", ENGLISH, "no lodpub project in"),
                                ("build", ENGLISH, "no lodpub project in"),
                                ("serve", ITALIAN, "nessun progetto lodpub in")):  # fmt: skip
        result = lodpub(command, cwd=tmp_path, env=env)
        assert result.returncode == 2, (command, result.stderr)
        (line,) = result.stderr.splitlines()
        assert words in line and str(tmp_path) in line and "--config" in line, line


# --- the language of the messages ---------------------------------------------------------
@pytest.fixture
def broken(tmp_path: Path) -> tuple[Path, int]:
    """A project whose La Spezia approval date is 2024-02-30; (project, that line)."""
    folder = project(tmp_path / "progetto")
    return folder, break_date(folder / "data" / "laspezia")


@pytest.mark.parametrize(
    ("args", "env", "message", "summary"),
    [
        (["validate"], ENGLISH, "'2024-02-30' is not a date: month 2 of 2024 has 29 days",
         "validation failed: 1 problem; nothing was published."),
        (["validate"], ITALIAN, "'2024-02-30' non è una data: il mese 2 del 2024 ha 29 giorni",
         "verifica non superata: 1 problema; non è stato pubblicato nulla."),
        (["validate", "--lang", "it"], ENGLISH, "non è una data", "verifica non superata"),
        (["validate", "--lang", "en"], {**ITALIAN, "LC_ALL": "it_IT"}, "is not a date",
         "validation failed"),
    ],
)  # fmt: skip
def test_problems_in_the_language_asked(
    broken: tuple[Path, int], args: list[str], env: dict, message: str, summary: str
) -> None:
    folder, line = broken
    result = lodpub(*args, cwd=folder, env=env)
    assert result.returncode == 1
    no_traceback(result)
    where = f"{folder / 'data' / 'laspezia' / 'masterplan.yaml'}:{line}: masterplan.approved: "
    lines = result.stderr.splitlines()
    assert any(row.startswith(where) and message in row for row in lines), result.stderr
    assert lines[-1].startswith(summary), lines[-1]


def test_messages_lang_in_the_configuration(broken: tuple[Path, int]) -> None:
    folder, _line = broken
    with (folder / "lodpub.yaml").open("a", encoding="utf-8") as config:
        config.write("messages_lang: it\n")
    assert "non è una data" in lodpub("validate", cwd=folder).stderr
    assert "is not a date" in lodpub("validate", "--lang", "en", cwd=folder).stderr


# --- a taken port ---------------------------------------------------------------------------
@pytest.fixture
def taken_port() -> Iterator[int]:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        yield holder.getsockname()[1]


@pytest.mark.parametrize(
    "server",
    [["--workers", "0"], ["--workers", "1", "--engine", "granian"],
     ["--workers", "1", "--engine", "gunicorn"]],
    ids=["development", "granian", "gunicorn"],
)  # fmt: skip
def test_a_taken_port_is_one_clear_line(tmp_path: Path, taken_port: int, server: list) -> None:
    folder = project(tmp_path / "p")  # no dist/: were the port free, it would build first
    result = lodpub("serve", "--port", str(taken_port), *server, cwd=folder)
    assert result.returncode != 0
    (line,) = result.stderr.splitlines()
    assert f"port {taken_port} on 127.0.0.1 is already in use by another program" in line, line
    assert "--port" in line
    assert not (folder / "dist").exists()  # refused before anything was built
    if server[1] == "0":  # and in Italian
        result = lodpub("serve", "--port", str(taken_port), *server, cwd=folder, env=ITALIAN)
        assert result.stderr.startswith(f"Error: la porta {taken_port} su 127.0.0.1 è già usata")


# --- serve keeps the last good build --------------------------------------------------------
def get(url: str) -> tuple[int, bytes]:
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.status, response.read()


def test_serve_keeps_the_last_good_build_when_the_yaml_breaks(
    tmp_path: Path, la_dist: Path
) -> None:
    """On the production server (make run's): the check comes before either server."""
    folder = project(tmp_path / "p", dist=la_dist)
    built = json.loads((folder / "dist" / "manifest.json").read_text())["build_id"]
    line = break_date(folder / "data" / "laspezia")  # newer than dist/: stale, rebuilt
    port = free_port()
    log = tmp_path / "serve.log"
    with log.open("w") as out:
        server = subprocess.Popen(
            [*LODPUB, "serve", "--port", str(port), "--workers", "1", "--lang", "it"],
            cwd=folder, stdout=out, stderr=subprocess.STDOUT, env={**os.environ, **ENGLISH},
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, log.read_text()
            try:
                status, body = get(f"http://127.0.0.1:{port}/health")
                break
            except OSError:
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.2)
        assert status == 200 and json.loads(body)["build"] == built
        said = log.read_text()
        where = f"{folder / 'data' / 'laspezia' / 'masterplan.yaml'}:{line}: masterplan.approved:"
        assert f"{where} '2024-02-30' non è una data" in said, said
        assert f"continuo a pubblicare l'ultima costruzione riuscita, {built}" in said, said
        assert "Traceback" not in said
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_serve_refuses_when_there_is_no_good_build(broken: tuple[Path, int]) -> None:
    folder, line = broken
    result = lodpub("serve", "--port", str(free_port()), cwd=folder)
    assert result.returncode == 1
    no_traceback(result)
    assert f"masterplan.yaml:{line}: masterplan.approved: '2024-02-30' is not" in result.stderr
    assert result.stderr.splitlines()[-1] == "build failed: 1 problem; nothing was published."


# --- make run -----------------------------------------------------------------------------
def test_make_run_serves_with_the_production_server_on_port() -> None:
    def dry_run(*args: str) -> str:
        # --no-print-directory: under a parent make (CI's `make test`) make would end
        # its output with "Leaving directory".
        command = ["make", "--no-print-directory", "-n", "-o", ".venv/.installed", "run"]
        done = subprocess.run([*command, *args], cwd=ROOT, capture_output=True, text=True,
                              check=True)  # fmt: skip
        return done.stdout.strip().splitlines()[-1]

    assert dry_run().endswith("lodpub serve --workers 2")
    assert dry_run("PORT=8123").endswith("lodpub serve --workers 2 --port 8123")
    assert dry_run("PORT=8123", "WORKERS=4").endswith("serve --workers 4 --port 8123")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "make run PORT=" in readme
