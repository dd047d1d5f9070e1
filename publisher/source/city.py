"""Reading a city folder: each file parsed into records, references checked."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from publisher.iris import RESERVED_CITY_IDS, is_slug
from publisher.source.checks import (
    EU_THEMES,
    FIGURE_KINDS,
    FUNDING_TYPES,
    ICT_ROLES,
    LANGUAGES,
    ORGANISATION_TYPES,
    OSSERVATORIO_THEMES,
    PRECISIONS,
    ROLE_TARGETS,
    ROLES,
    SOURCE_TYPES,
    STATUSES,
    TIMEFRAMES,
    Checker,
    Invalid,
    _bool,
    _date,
    _decimal_value,
    _email,
    _istat,
    _string,
    _url,
    _year_or_date,
)
from publisher.source.records import (
    Action,
    Amount,
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


# --- parsing each file -----------------------------------------------------------------

_SOURCE_FIELDS = (
    "id",
    "title",
    "url",
    "type",
    "publisher",
    "language",
    "issued",
    "citation",
    "note",
)
_FIGURE_FIELDS = ("kind", "value", "min", "max", "precision", "source", "note")
_PHASE_FIELDS = ("label", "description", "validated_by", "started", "ended", "sources")
_THEME_FIELDS = (
    "id",
    "notation",
    "label",
    "definition",
    "note",
    "eu_themes",
    "osservatorio_themes",
    "eurovoc",
    "work_table",
    "sources",
    "subthemes",
)
_ORG_FIELDS = ("id", "name", "public", "type", "homepage", "ipa_code", "same_as", "note", "sources")
_ROLE_FIELDS = ("role", "holder", "of", "since", "until", "note", "sources")
_ACTION_FIELDS = (
    "id",
    "identifier",
    "title",
    "description",
    "theme",
    "subtheme",
    "timeframe",
    "ict_role",
    "investment",
    "funding",
    "status",
    "start",
    "end",
    "lead",
    "partners",
    "funders",
    "sources",
)


def _record_base(c: Checker, node: Node, fields: dict[str, Node], key: str | None) -> dict:
    lines = {name: child.origin for name, child in fields.items()}
    return {
        "key": key or "",
        "origin": node.origin,
        "lines": lines,
        "sources": c.keys(fields.get("sources")),
    }


def _amount(c: Checker, node: Node | None) -> Amount | None:
    if node is None:
        return None
    if not isinstance(node.value, dict):
        value = c.scalar(node, _decimal_value, "a decimal number")
        return Amount(value=value) if value is not None else None
    f = c.mapping(node, ("value", "min", "max", "precision"))
    return _bounded(c, node, f, default_precision="exact")


def _bounded(c: Checker, node: Node, f: dict[str, Node], default_precision: str) -> Amount:
    amount = Amount(
        value=c.scalar(f.get("value"), _decimal_value, "a decimal number"),
        min=c.scalar(f.get("min"), _decimal_value, "a decimal number"),
        max=c.scalar(f.get("max"), _decimal_value, "a decimal number"),
        precision=c.choice(f.get("precision"), PRECISIONS) or default_precision,
    )
    given = [name for name in ("value", "min", "max") if name in f]
    if not given:
        c.fail(node.origin, "amount.nothing")
    elif "value" in given and len(given) > 1:
        c.fail(node.origin, "amount.both")
    if amount.min is not None and amount.max is not None and amount.min > amount.max:
        c.fail(f["min"].origin, "amount.min_max")
    return amount


def _parse_sources(c: Checker, root: Node) -> dict[str, SourceDoc]:
    top = c.mapping(root, ("sources",), ("sources",))
    result: dict[str, SourceDoc] = {}
    for item in c.items(top.get("sources")):
        f = c.mapping(item, _SOURCE_FIELDS, ("id", "title", "url"))
        key = c.key(f.get("id"))
        record = SourceDoc(
            **{**_record_base(c, item, f, key), "sources": []},
            title=c.text(f.get("title"), require_it=True),
            url=c.scalar(f.get("url"), _url, "an http(s) URL") or "",
            type=c.choice(f.get("type"), SOURCE_TYPES) or "web-page",
            publisher=c.scalar(f.get("publisher"), _string, "an organisation key or a name"),
            language=c.choice(f.get("language"), LANGUAGES),
            issued=c.scalar(f.get("issued"), _date, "a date"),
            citation=c.scalar(f.get("citation"), _string, "text"),
            note=c.text(f.get("note")),
        )
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
    f = c.mapping(node, _FIGURE_FIELDS, ("kind", "source"))
    kind = c.choice(f.get("kind"), FIGURE_KINDS) or ""
    source = c.key(f.get("source"))
    amount = _bounded(
        c, node, {k: v for k, v in f.items() if k in ("value", "min", "max", "precision")}, "exact"
    )
    base = _record_base(c, node, f, None)
    base["sources"] = [source] if source else []
    return Figure(**base, kind=kind, amount=amount, note=c.text(f.get("note")))


def _parse_phase(c: Checker, node: Node, position: int) -> Phase:
    f = c.mapping(node, _PHASE_FIELDS, ("label", "sources"))
    return Phase(
        **_record_base(c, node, f, str(position)),
        position=position,
        label=c.text(f.get("label"), require_it=True),
        description=c.text(f.get("description")),
        validated_by=c.key(f.get("validated_by")),
        started=c.scalar(f.get("started"), _date, "a date"),
        ended=c.scalar(f.get("ended"), _date, "a date"),
    )


def _parse_masterplan(c: Checker, root: Node) -> tuple[dict[str, Node], Masterplan, bool]:
    top = c.mapping(root, ("city", "masterplan", "fictional"), ("city", "masterplan"))
    fictional = bool(c.scalar(top.get("fictional"), _bool, "true or false"))
    node = top.get("masterplan") or root
    f = c.mapping(
        top.get("masterplan"),
        (
            "title",
            "description",
            "approved",
            "presented",
            "homepage",
            "contact_email",
            "governance_bodies",
            "sources",
            "figures",
            "phases",
        ),
        ("title", "sources"),
    )
    plan = Masterplan(
        **_record_base(c, node, f, "masterplan"),
        title=c.text(f.get("title"), require_it=True),
        description=c.text(f.get("description")),
        approved=c.scalar(f.get("approved"), _date, "a date"),
        presented=c.scalar(f.get("presented"), _date, "a date"),
        homepage=c.scalar(f.get("homepage"), _url, "an http(s) URL"),
        contact_email=c.scalar(f.get("contact_email"), _email, "an e-mail address"),
        governance_bodies=c.keys(f.get("governance_bodies")),
        figures=[_parse_figure(c, item) for item in c.items(f.get("figures"))],
        phases=[_parse_phase(c, item, i + 1) for i, item in enumerate(c.items(f.get("phases")))],
    )
    city = c.mapping(
        top.get("city"),
        ("name", "istat", "municipality", "sources"),
        ("name", "istat", "municipality", "sources"),
    )
    return city, plan, fictional


def _parse_theme(c: Checker, node: Node, parent: str | None, into: dict[str, Theme]) -> None:
    fields = _THEME_FIELDS if parent is None else _THEME_FIELDS[:-1]
    f = c.mapping(node, fields, ("id", "label", "sources"))
    key = c.key(f.get("id"))
    theme = Theme(
        **_record_base(c, node, f, key),
        notation=c.scalar(f.get("notation"), _string, "text"),
        label=c.text(f.get("label"), require_it=True),
        definition=c.text(f.get("definition")),
        note=c.text(f.get("note")),
        eu_themes=c.choices(f.get("eu_themes"), EU_THEMES),
        osservatorio_themes=c.choices(f.get("osservatorio_themes"), OSSERVATORIO_THEMES),
        eurovoc=[
            v
            for v in (
                c.scalar(i, _eurovoc, "a EuroVoc concept number") for i in c.items(f.get("eurovoc"))
            )
            if v
        ],
        work_table=c.scalar(f.get("work_table"), _bool, "true or false") is not False,
        parent=parent,
    )
    _add_unique(c, into, key, theme, f.get("id"))
    for child in c.items(f.get("subthemes")):
        before = set(into)
        _parse_theme(c, child, key, into)
        theme.children.extend(k for k in into if k not in before)


def _eurovoc(value: Any) -> str:
    text = str(value) if isinstance(value, int | str) and not isinstance(value, bool) else ""
    if not re.fullmatch(r"[0-9]{1,9}", text):
        raise Invalid("eurovoc.format")
    return text


def _parse_themes(c: Checker, root: Node) -> tuple[dict[str, Node], dict[str, Theme]]:
    top = c.mapping(root, ("scheme", "themes"), ("scheme", "themes"))
    themes: dict[str, Theme] = {}
    for item in c.items(top.get("themes")):
        _parse_theme(c, item, None, themes)
    scheme = c.mapping(top.get("scheme"), ("label", "sources"), ("label", "sources"))
    return scheme, themes


def _parse_organisations(c: Checker, root: Node) -> dict[str, Organisation]:
    top = c.mapping(root, ("organisations",), ("organisations",))
    result: dict[str, Organisation] = {}
    for item in c.items(top.get("organisations")):
        f = c.mapping(item, _ORG_FIELDS, ("id", "name", "sources"))
        key = c.key(f.get("id"))
        org = Organisation(
            **_record_base(c, item, f, key),
            name=c.text(f.get("name"), require_it=True),
            public=bool(c.scalar(f.get("public"), _bool, "true or false")),
            type=c.choice(f.get("type"), ORGANISATION_TYPES) or "organisation",
            homepage=c.scalar(f.get("homepage"), _url, "an http(s) URL"),
            ipa_code=c.scalar(f.get("ipa_code"), _string, "text"),
            same_as=[
                u
                for u in (c.scalar(i, _url, "an http(s) IRI") for i in c.items(f.get("same_as")))
                if u
            ],
            note=c.text(f.get("note")),
        )
        _add_unique(c, result, key, org, f.get("id"))
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
    top = c.mapping(root, ("roles",), ("roles",))
    result = []
    for item in c.items(top.get("roles")):
        f = c.mapping(item, _ROLE_FIELDS, ("role", "holder", "of", "sources"))
        target = c.scalar(f.get("of"), _role_target, "what the role is for") or ("masterplan", None)
        result.append(
            RoleAssignment(
                **_record_base(c, item, f, None),
                role=c.choice(f.get("role"), ROLES) or "",
                holder=c.key(f.get("holder")) or "",
                target_kind=target[0],
                target_key=target[1],
                since=c.scalar(f.get("since"), _year_or_date, "a year or a date"),
                until=c.scalar(f.get("until"), _year_or_date, "a year or a date"),
                note=c.text(f.get("note")),
            )
        )
    return result


def _parse_actions(c: Checker, root: Node) -> dict[str, Action]:
    top = c.mapping(root, ("actions",), ("actions",))
    result: dict[str, Action] = {}
    for item in c.items(top.get("actions")):
        f = c.mapping(item, _ACTION_FIELDS, ("id", "title", "theme", "sources"))
        key = c.key(f.get("id"))
        action = Action(
            **_record_base(c, item, f, key),
            identifier=c.scalar(f.get("identifier"), _string, "text") or key or "",
            title=c.text(f.get("title"), require_it=True),
            description=c.text(f.get("description")),
            theme=c.key(f.get("theme")) or "",
            subtheme=c.key(f.get("subtheme")),
            timeframe=c.choice(f.get("timeframe"), TIMEFRAMES),
            ict_role=c.choice(f.get("ict_role"), ICT_ROLES),
            investment=_amount(c, f.get("investment")),
            funding=c.choice(f.get("funding"), FUNDING_TYPES),
            status=c.choice(f.get("status"), STATUSES),
            start=c.scalar(f.get("start"), _date, "a date"),
            end=c.scalar(f.get("end"), _date, "a date"),
            lead=c.key(f.get("lead")),
            partners=c.keys(f.get("partners")),
            funders=c.keys(f.get("funders")),
        )
        _add_unique(c, result, key, action, f.get("id"))
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
        istat=c.scalar(city_fields.get("istat"), _istat, "an ISTAT code") or "",
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
