"""Reading a city folder: each file parsed into records, references checked."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from publisher.iris import RESERVED_CITY_IDS, is_slug
from publisher.source.checks import (
    AMOUNT_FIELDS,
    ROLE_TARGETS,
    Checker,
    Invalid,
    as_bool,
    as_date,
    as_istat,
    required_fields,
    yaml_fields,
)
from publisher.source.records import (
    Action,
    City,
    Figure,
    Masterplan,
    Organisation,
    Phase,
    Record,
    RoleAssignment,
    SourceDoc,
    Theme,
)
from publisher.source.yamlfile import Node, Origin, SourceError, problem, read_yaml

FILES_REQUIRED = ("sources.yaml", "masterplan.yaml", "themes.yaml", "organisations.yaml")
FILES_OPTIONAL = ("roles.yaml", "actions.yaml")


# --- the keys each mapping may hold: the records' declared fields, plus the structure ----
SOURCE_FIELDS = ("id", *yaml_fields(SourceDoc))
FIGURE_FIELDS = (*yaml_fields(Figure), *AMOUNT_FIELDS, "source")
PHASE_FIELDS = (*yaml_fields(Phase), "sources")
MASTERPLAN_FIELDS = (*yaml_fields(Masterplan), "sources", "figures", "phases")
CLASSIFICATION = "publisher-classification"  # the source the build generates, never the YAML
CITY_FIELDS = ("name", "istat", "istat_valid_from", "municipality", "sources")
SCHEME_FIELDS = ("label", "sources")
SUBTHEME_FIELDS = ("id", *yaml_fields(Theme), "sources")
THEME_FIELDS = (*SUBTHEME_FIELDS, "subthemes")
ORGANISATION_FIELDS = ("id", *yaml_fields(Organisation), "sources")
ROLE_FIELDS = (*yaml_fields(RoleAssignment), "of", "sources")
ACTION_FIELDS = ("id", *yaml_fields(Action), "sources")

# Every file's mappings by dotted path (list items add nothing): docs/data-format.md must
# name each key (tests/test_examples.py).
YAML_FIELDS: dict[str, dict[str, tuple[str, ...]]] = {
    "sources.yaml": {"": ("sources",), "sources": SOURCE_FIELDS},
    "masterplan.yaml": {
        "": ("city", "masterplan", "fictional"),
        "city": CITY_FIELDS,
        "masterplan": MASTERPLAN_FIELDS,
        "masterplan.figures": FIGURE_FIELDS,
        "masterplan.phases": PHASE_FIELDS,
    },
    "themes.yaml": {
        "": ("scheme", "themes"),
        "scheme": SCHEME_FIELDS,
        "themes": THEME_FIELDS,
        "themes.subthemes": SUBTHEME_FIELDS,
    },
    "organisations.yaml": {"": ("organisations",), "organisations": ORGANISATION_FIELDS},
    "roles.yaml": {"": ("roles",), "roles": ROLE_FIELDS},
    "actions.yaml": {"": ("actions",), "actions": ACTION_FIELDS},
}


def _record_base(c: Checker, node: Node, fields: dict[str, Node], key: str | None) -> dict:
    lines = {name: child.origin for name, child in fields.items()}
    return {
        "key": key or "",
        "origin": node.origin,
        "lines": lines,
        "sources": c.keys(fields.get("sources")),
    }


def _keyed(c: Checker, item: Node, record: type, allowed: tuple[str, ...]) -> tuple:
    """A record with an ``id``: its fields, its key and its declared values."""
    f = c.mapping(item, allowed, ("id", *required_fields(record), "sources"))
    key = c.key(f.get("id"))
    return f, key, {**_record_base(c, item, f, key), **c.fields(record, f)}


def _parse_sources(c: Checker, root: Node) -> dict[str, SourceDoc]:
    top = c.mapping(root, YAML_FIELDS["sources.yaml"][""], ("sources",))
    result: dict[str, SourceDoc] = {}
    for item in c.items(top.get("sources")):
        f = c.mapping(item, SOURCE_FIELDS, ("id", *required_fields(SourceDoc)))
        key = c.key(f.get("id"))
        record = SourceDoc(
            **{**_record_base(c, item, f, key), "sources": []}, **c.fields(SourceDoc, f)
        )
        # The build writes the publisher's classification itself (publisher/rdf.py).
        if key == CLASSIFICATION or record.type == CLASSIFICATION:
            c.fail(item.origin, "source.classification", key=CLASSIFICATION)
            continue
        _add_unique(c, result, key, record, f.get("id"))
    return result


def _add_unique(c: Checker, into: dict, key: str | None, record: Any, node: Node | None) -> None:
    if key is None:
        return
    if key in into:
        c.fail(node.origin if node else record.origin, "id.duplicate", key=key)
        return
    into[key] = record


def _parse_figure(c: Checker, node: Node) -> Figure:
    f = c.mapping(node, FIGURE_FIELDS, (*required_fields(Figure), "source"))
    source = c.key(f.get("source"))
    amount = c.bounded(node, {k: v for k, v in f.items() if k in AMOUNT_FIELDS})
    base = _record_base(c, node, f, None)
    base["sources"] = [source] if source else []
    return Figure(**base, amount=amount, **c.fields(Figure, f))


def _parse_phase(c: Checker, node: Node, position: int) -> Phase:
    f = c.mapping(node, PHASE_FIELDS, (*required_fields(Phase), "sources"))
    return Phase(
        **_record_base(c, node, f, str(position)), position=position, **c.fields(Phase, f)
    )


def _parse_masterplan(c: Checker, root: Node) -> tuple[dict[str, Node], Masterplan, bool]:
    top = c.mapping(root, YAML_FIELDS["masterplan.yaml"][""], ("city", "masterplan"))
    fictional = bool(c.scalar(top.get("fictional"), as_bool, "true or false"))
    node = top.get("masterplan") or root
    f = c.mapping(
        top.get("masterplan"), MASTERPLAN_FIELDS, (*required_fields(Masterplan), "sources")
    )
    plan = Masterplan(
        **_record_base(c, node, f, "masterplan"),
        **c.fields(Masterplan, f),
        figures=[_parse_figure(c, item) for item in c.items(f.get("figures"))],
        phases=[_parse_phase(c, item, i + 1) for i, item in enumerate(c.items(f.get("phases")))],
    )
    city = c.mapping(top.get("city"), CITY_FIELDS, CITY_FIELDS)
    return city, plan, fictional


def _parse_theme(c: Checker, node: Node, parent: str | None, into: dict[str, Theme]) -> None:
    f, key, values = _keyed(c, node, Theme, THEME_FIELDS if parent is None else SUBTHEME_FIELDS)
    theme = Theme(**values, parent=parent)
    _add_unique(c, into, key, theme, f.get("id"))
    for child in c.items(f.get("subthemes")):
        before = set(into)
        _parse_theme(c, child, key, into)
        theme.children.extend(k for k in into if k not in before)


def _parse_themes(c: Checker, root: Node) -> tuple[dict[str, Node], dict[str, Theme]]:
    top = c.mapping(root, YAML_FIELDS["themes.yaml"][""], ("scheme", "themes"))
    themes: dict[str, Theme] = {}
    for item in c.items(top.get("themes")):
        _parse_theme(c, item, None, themes)
    scheme = c.mapping(top.get("scheme"), SCHEME_FIELDS, SCHEME_FIELDS)
    return scheme, themes


def _parse_organisations(c: Checker, root: Node) -> dict[str, Organisation]:
    top = c.mapping(root, YAML_FIELDS["organisations.yaml"][""], ("organisations",))
    result: dict[str, Organisation] = {}
    for item in c.items(top.get("organisations")):
        f, key, values = _keyed(c, item, Organisation, ORGANISATION_FIELDS)
        _add_unique(c, result, key, Organisation(**values), f.get("id"))
    return result


def _role_target(value: Any) -> tuple[str, str | None]:
    if ROLE_TARGETS.key(value) == "masterplan":
        return "masterplan", None
    name, _, key = str(value).partition("/")
    kind = ROLE_TARGETS.key(name)
    if kind in (None, "masterplan") or not is_slug(key):
        raise Invalid("role_target.format")
    return kind, key


def _parse_roles(c: Checker, root: Node) -> list[RoleAssignment]:
    top = c.mapping(root, YAML_FIELDS["roles.yaml"][""], ("roles",))
    result = []
    for item in c.items(top.get("roles")):
        f = c.mapping(item, ROLE_FIELDS, (*required_fields(RoleAssignment), "of", "sources"))
        target = c.scalar(f.get("of"), _role_target, "what the role is for") or ("masterplan", None)
        result.append(
            RoleAssignment(
                **_record_base(c, item, f, None),
                **c.fields(RoleAssignment, f),
                target_kind=target[0],
                target_key=target[1],
            )
        )
    return result


def _parse_actions(c: Checker, root: Node) -> dict[str, Action]:
    top = c.mapping(root, YAML_FIELDS["actions.yaml"][""], ("actions",))
    result: dict[str, Action] = {}
    for item in c.items(top.get("actions")):
        f, key, values = _keyed(c, item, Action, ACTION_FIELDS)
        _add_unique(c, result, key, Action(**values), f.get("id"))
    return result


# --- cross-references ------------------------------------------------------------------


def _check_references(c: Checker, city: City) -> None:
    """Every key a record names must exist, so no IRI in the output dangles."""

    def exists(key: str | None, pool: dict, what: str, origin: Origin) -> None:
        """``what``: "source", "organisation", "theme" or "action" (message "ref.<what>")."""
        if key and key not in pool:
            c.fail(origin, f"ref.{what}", key=key)

    for record in _all_records(city):
        for source in record.sources:
            exists(
                source,
                city.sources,
                "source",
                record.where("sources") if "sources" in record.lines else record.where("source"),
            )
        if not record.sources:
            c.fail(record.origin, "sources.none")
    plan = city.masterplan
    for body in plan.governance_bodies:
        exists(body, city.organisations, "organisation", plan.where("governance_bodies"))
    for phase in plan.phases:
        exists(phase.validated_by, city.organisations, "organisation", phase.where("validated_by"))
        if phase.started and phase.ended and phase.started > phase.ended:
            c.fail(phase.where("ended"), "dates.order")
    exists(city.municipality, city.organisations, "organisation", city.city_origin)
    for role in city.roles:
        exists(role.holder, city.organisations, "organisation", role.where("holder"))
        pools = {
            "table": (city.themes, "theme"),
            "action": (city.actions, "action"),
            "organisation": (city.organisations, "organisation"),
        }
        if role.target_kind in pools:
            pool, what = pools[role.target_kind]
            exists(role.target_key, pool, what, role.where("of"))
            if (
                role.target_kind == "table"
                and role.target_key in city.themes
                and not city.themes[role.target_key].work_table
            ):
                c.fail(role.where("of"), "theme.no_table", key=role.target_key)
    for action in city.actions.values():
        exists(action.theme, city.themes, "theme", action.where("theme"))
        if action.subtheme:
            sub = city.themes.get(action.subtheme)
            exists(action.subtheme, city.themes, "theme", action.where("subtheme"))
            if sub and sub.parent != action.theme:
                c.fail(action.where("subtheme"), "theme.not_sub",
                       sub=action.subtheme, theme=action.theme)  # fmt: skip
        exists(action.lead, city.organisations, "organisation", action.where("lead"))
        for name, keys in (("partners", action.partners), ("funders", action.funders)):
            for key in keys:
                exists(key, city.organisations, "organisation", action.where(name))
        if action.start and action.end and action.start > action.end:
            c.fail(action.where("end"), "dates.order")


def _all_records(city: City) -> Iterator[Record]:
    yield city.masterplan
    yield from city.masterplan.figures
    yield from city.masterplan.phases
    yield from city.themes.values()
    yield from city.organisations.values()
    yield from city.roles
    yield from city.actions.values()


# --- entry points ----------------------------------------------------------------------


def read_city(folder: Path) -> City:
    """Read and check one city folder; raise SourceError listing every problem found."""
    folder = Path(folder)
    key = folder.name
    c = Checker()
    if not is_slug(key) or key in RESERVED_CITY_IDS:
        c.fail(Origin(folder, 1, "(folder)"), "folder.bad_name", reserved=RESERVED_CITY_IDS)
    roots: dict[str, Node] = {}
    for path in sorted(folder.glob("*.y*ml")):
        if path.name not in FILES_REQUIRED + FILES_OPTIONAL:
            c.fail(Origin(path, 1, "(file)"), "file.unknown", files=FILES_REQUIRED + FILES_OPTIONAL)
            continue
        try:
            roots[path.name] = read_yaml(path)
        except SourceError as exc:
            c.problems.extend(exc.problems)
    for name in FILES_REQUIRED:
        if name not in roots and not (folder / name).exists():
            c.fail(Origin(folder / name, 1, "(file)"), "file.missing")
    if c.problems:
        raise SourceError(c.problems)

    def root(name: str) -> Node:
        return roots.get(name) or Node(
            {name.removesuffix(".yaml"): []}, Origin(folder / name, 1, "(top)")
        )

    sources = _parse_sources(c, root("sources.yaml"))
    city_fields, plan, fictional = _parse_masterplan(c, root("masterplan.yaml"))
    scheme, themes = _parse_themes(c, root("themes.yaml"))
    city_node = roots["masterplan.yaml"].get("city") if "masterplan.yaml" in roots else None
    city = City(
        key=key,
        folder=folder,
        name=c.text(city_fields.get("name"), require_it=True),
        istat=c.scalar(city_fields.get("istat"), as_istat, "an ISTAT code") or "",
        istat_valid_from=c.scalar(city_fields.get("istat_valid_from"), as_date, "a date"),
        municipality=c.key(city_fields.get("municipality")) or "",
        city_sources=c.keys(city_fields.get("sources")),
        city_origin=city_node.origin if city_node else Origin(folder, 1, "city"),
        fictional=fictional,
        masterplan=plan,
        scheme_label=c.text(scheme.get("label"), require_it=True),
        scheme_sources=c.keys(scheme.get("sources")),
        scheme_origin=scheme["label"].origin if "label" in scheme else plan.origin,
        sources=sources,
        themes=themes,
        organisations=_parse_organisations(c, root("organisations.yaml")),
        roles=_parse_roles(c, root("roles.yaml")) if "roles.yaml" in roots else [],
        actions=_parse_actions(c, root("actions.yaml")) if "actions.yaml" in roots else {},
    )
    for fields, keys in ((city_fields, city.city_sources), (scheme, city.scheme_sources)):
        where = fields["sources"].origin if "sources" in fields else city.city_origin
        for key_ in keys:
            if key_ not in sources:
                c.fail(where, "ref.source", key=key_)
    if not c.problems:
        _check_references(c, city)
    if c.problems:
        raise SourceError(c.problems)
    return city


def city_folders(data_dir: Path) -> list[Path]:
    """The city folders under ``data_dir``, or ``data_dir`` itself when it is one."""
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise SourceError([problem(data_dir, 1, "(folder)", "folder.missing")])
    if (data_dir / "masterplan.yaml").exists():
        return [data_dir]
    folders = sorted(
        p for p in data_dir.iterdir() if p.is_dir() and (p / "masterplan.yaml").exists()
    )
    if not folders:
        raise SourceError([problem(data_dir, 1, "(folder)", "folder.no_city")])
    return folders


def read_cities(data_dir: Path) -> list[City]:
    """Read every city; problems from all cities are reported together."""
    cities, problems = [], []
    for folder in city_folders(data_dir):
        try:
            cities.append(read_city(folder))
        except SourceError as exc:
            problems.extend(exc.problems)
    if problems:
        raise SourceError(problems)
    return cities
