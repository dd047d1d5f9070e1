"""One configuration: documented defaults, an optional YAML file, command-line overrides."""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

DEFAULTS_FILE = "defaults.yaml"
# A project folder holds this configuration file, or the default data and shapes folders.
PROJECT_FILE = "lodpub.yaml"
PROJECT_FOLDERS = ("data_dir", "shapes_dir")


class ConfigError(ValueError):
    """The configuration file is unreadable or names an unknown key."""


class ProjectNotFound(ConfigError):
    """No project folder in a folder or its parents."""


@dataclass(frozen=True)
class Config:
    """Settings shared by the build and the server; paths are resolved against `root`."""

    values: dict[str, Any]
    root: Path = field(default_factory=Path.cwd)

    def __getitem__(self, key: str) -> Any:
        return self.values[key]

    @property
    def base_iri(self) -> str:
        return self.values["base_iri"]

    def path(self, key: str) -> Path:
        """A configured folder, relative paths taken from the project folder (root)."""
        return (self.root / self.values[key]).resolve()


def find_project(start: Path) -> tuple[Path, Path | None]:
    """The project ``start`` is in, and its configuration file if it has one: the nearest
    folder, ``start`` or a parent, that holds lodpub.yaml, or the default data and shapes
    folders (this repository). So lodpub runs the same from any folder of a project, such as
    a city's folder, where its paths would otherwise miss."""
    defaults = _defaults()
    for folder in (start, *start.parents):
        if (folder / PROJECT_FILE).is_file():
            return folder, folder / PROJECT_FILE
        if all((folder / defaults[key]).is_dir() for key in PROJECT_FOLDERS):
            return folder, None
    raise ProjectNotFound(str(start))


def _defaults() -> dict[str, Any]:
    text = resources.files("publisher").joinpath(DEFAULTS_FILE).read_text(encoding="utf-8")
    return yaml.safe_load(text)


def _merge(base: dict[str, Any], extra: dict[str, Any], where: str) -> dict[str, Any]:
    merged = dict(base)
    for key, value in extra.items():
        if key not in base:
            raise ConfigError(f"{where}: unknown configuration key {key!r}")
        if isinstance(base[key], dict) and isinstance(value, dict):
            merged[key] = _merge(base[key], value, f"{where}: {key}")
        else:
            merged[key] = value
    return merged


def load_config(
    path: Path | None = None, overrides: dict[str, Any] | None = None, root: Path | None = None
) -> Config:
    """Defaults, then the file, then overrides (dotted keys such as ``server.port``).

    Relative paths are taken from ``root``: by default the folder of the file, else the
    current folder."""
    values = _defaults()
    if path is not None:
        try:
            loaded = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise ConfigError(f"{path}: {exc}") from exc
        if not isinstance(loaded, dict):
            raise ConfigError(f"{path}: expected a mapping of settings")
        values = _merge(values, loaded, str(path))
    for dotted, value in (overrides or {}).items():
        if value is None:
            continue
        *parents, leaf = dotted.split(".")
        nested: dict[str, Any] = {leaf: value}
        for parent in reversed(parents):
            nested = {parent: nested}
        values = _merge(values, nested, "command line")
    if not values["base_iri"].endswith(("/", "#")):
        raise ConfigError("base_iri must end with '/' or '#'")
    if root is None:
        root = Path(path).resolve().parent if path is not None else Path.cwd()
    return Config(values, root)
