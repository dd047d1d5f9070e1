"""``lodpub export-static DIR``: the published site as plain files, for any web server.

A small municipality may have a web server but no Python. The export asks the app itself
(Flask's test client over the embedded store, so every byte is what ``lodpub serve`` would
send) for every document and writes it under ``DIR/site/``:

- every resource's document in every format, ``doc/<path>.<ext>``, and the further pages
  of a hub's incoming links, ``doc/<path>.p<N>.<ext>``;
- the home page, the ontology, VoID (``.well-known/void.<ext>``), the catalogue
  (``catalog.<ext>``), the site's pages (``legal.html`` …), the dumps, the JSON-LD context,
  the static files.

Content negotiation becomes server configuration, written beside the site:
``DIR/nginx/http.conf`` (the ``map`` from ``Accept`` / ``?format=`` to an extension; include
it in ``http {}``) and ``DIR/nginx/server.conf`` (root, media types, the **303** from a thing
IRI to its document, ``Vary: Accept``, pages; include it in ``server {}``), and
``DIR/apache/.htaccess`` for Apache's mod_rewrite. A static server cannot weigh q-values:
the first media type a client lists that the site offers decides (browsers list
``text/html`` first; rapper and Jena list RDF/XML first), and no Accept gives Turtle, as
the app does. What needs a running server is not exported: ``/sparql``, ``/queries``,
``/search``, ``/health``. ``tests/test_export_static.py`` serves an export with nginx and
runs the Linked Data checks against it.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from publisher import mediatypes as mt
from publisher.config import Config
from publisher.iris import Iris
from publisher.store import Store
from publisher.web.app import create_app
from publisher.web.context import shared
from publisher.web.http.assets import STATIC_DIR
from publisher.web.http.negotiation import ACCEPT_ALIASES

SITE, NGINX, APACHE = "site", "nginx", "apache"
# Documents negotiated at a fixed URL: (URL path, file stem).
NEGOTIATED = (("/.well-known/void", ".well-known/void"), ("/catalog", "catalog"))
PAGES = ("legal", "privacy", "accessibility")
_LAST = re.compile(r'[?&]page=(\d+)>; rel="last"')
# File types the site holds besides the document formats.
_OTHER_TYPES = {
    "text/css": "css", "application/javascript": "js", "image/svg+xml": "svg",
    "image/png": "png", "image/x-icon": "ico", "font/woff2": "woff2", "font/woff": "woff",
    "application/json": "json map",
}  # fmt: skip
_SAME = """    add_header Access-Control-Allow-Origin "*" always;
    add_header X-Content-Type-Options nosniff always;
    add_header Cache-Control "public, max-age=3600" always;"""
_HEADERS = _SAME + "\n    add_header Vary Accept always;"


class ExportError(Exception):
    """The export cannot be made (the folder is not empty, a document failed)."""


@dataclass
class Exported:
    folder: Path
    resources: int
    files: int


def export_static(config: Config, out: Path, progress: Callable[[str], None]) -> Exported:
    """Write the site of ``config``'s dist/ into ``out`` (which must not exist or be empty)."""
    out = Path(out)
    if out.exists() and any(out.iterdir()):
        raise ExportError(f"{out} is not empty: give a new folder")
    site = out / SITE
    site.mkdir(parents=True, exist_ok=True)
    app = create_app(config)
    client = app.test_client()
    store = shared(app).store
    iris = Iris(config.base_iri)
    files = 0

    def save(url: str, name: str, accept: str | None = None) -> bytes:
        nonlocal files
        reply = client.get(url, headers={"Accept": accept} if accept else {})
        if reply.status_code != 200:
            raise ExportError(f"GET {url}: {reply.status_code} {reply.get_data(as_text=True)}")
        target = site / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(reply.get_data())
        files += 1
        return reply.headers.get("Link", "")

    things = list(_things(store, iris))
    for number, path in enumerate(things, 1):
        if number % 1000 == 0:
            progress(f"[{number}/{len(things)}] documents")
        for fmt in mt.DOCUMENT_OFFERS:
            link = save(f"/doc/{path}.{fmt.extension}", f"doc/{path}.{fmt.extension}")
            last = _LAST.search(link)
            for page in range(2, int(last.group(1)) + 1 if last else 0):
                save(f"/doc/{path}.{fmt.extension}?page={page}",
                     f"doc/{path}.p{page}.{fmt.extension}")  # fmt: skip
    save("/", "index.html", "text/html")
    for name in PAGES:
        save(f"/{name}", f"{name}.html", "text/html")
    for fmt in mt.DOCUMENT_OFFERS:
        save(f"/ontology.{fmt.extension}", f"ontology.{fmt.extension}")
        for url, stem in NEGOTIATED:
            save(url, f"{stem}.{fmt.extension}", fmt.media_type)
    dist = config.path("dist_dir").resolve()
    for folder, name in ((dist / "dumps", "dumps"), (STATIC_DIR, "static")):
        shutil.copytree(folder, site / name)
    shutil.copyfile(dist / "context.jsonld", site / "context.jsonld")
    files += sum(1 for p in (site / "dumps").rglob("*") if p.is_file()) + 1
    write_server_config(out, site.resolve())
    progress(f"exported {len(things)} resources, {files} files into {site}")
    return Exported(out, len(things), files)


def _things(store: Store, iris: Iris) -> Iterator[str]:
    """The local path of every IRI under the base that is the subject of a triple."""
    base = iris.base
    data = store.query(
        f'SELECT DISTINCT ?s WHERE {{ ?s ?p ?o FILTER(isIRI(?s) && STRSTARTS(STR(?s), "{base}")) }}'
        " ORDER BY ?s"
    ).serialize(mt.RESULTS_TSV)
    for line in data.decode("utf-8").splitlines()[1:]:
        thing = line.strip()[1:-1]
        path = iris.local_path(thing)
        if path and iris.thing_for_path(path) is not None:  # else not a /doc/ document
            yield path


# --- server configuration -----------------------------------------------------------------
def _accept_rules() -> list[tuple[str, str]]:
    """(regex on Accept, extension), first match wins: a type the client lists first, then
    a type anywhere (HTML last: browsers list it first, RDF clients may list it late)."""
    offers = mt.DOCUMENT_OFFERS
    names = [(f.media_type, f) for f in offers]
    for alias, formats in ACCEPT_ALIASES.items():  # application/xml, text/plain (rdflib) …
        chosen = next((f for f in formats if f in offers), None)
        if chosen is not None:
            names.append((alias, chosen))
    first = [(rf"^\s*{re.escape(name)}", f.extension) for name, f in names]
    anywhere = [(re.escape(f.media_type), f.extension) for f in offers if f is not mt.HTML]
    return first + anywhere + [(re.escape(mt.HTML.media_type), mt.HTML.extension)]


def _format_values() -> list[tuple[str, str]]:
    """``?format=`` values (name, extension, media type) → extension."""
    values: dict[str, str] = {}
    for fmt in mt.DOCUMENT_OFFERS:
        for value in (fmt.name, fmt.extension, fmt.media_type):
            values.setdefault(value, fmt.extension)
    return sorted(values.items())


def _types() -> dict[str, str]:
    """Media type → extensions of every file the site holds."""
    return {**{f.media_type: f.extension for f in (mt.HTML, *mt.RDF_FORMATS)}, **_OTHER_TYPES}


def nginx_http_conf() -> str:
    default = mt.DOCUMENT_OFFERS[0].extension
    accept = "\n".join(f'    "~*{rule}" {ext};' for rule, ext in _accept_rules())
    formats = "\n".join(f'    "{value}" {ext};' for value, ext in _format_values())
    return f"""# lodpub export-static: include in http {{ }} (then server.conf in a server {{ }}).
# The document format: ?format= wins, else the first offered type Accept lists, else {default}.
map $http_accept $lodpub_accept {{
    default {default};
{accept}
}}
map $arg_format $lodpub_ext {{
    default $lodpub_accept;
{formats}
}}
# ?page=N (N > 1) of a hub's document: the file .pN.<ext>
map $arg_page $lodpub_page {{
    default "";
    "~^([2-9]|[1-9][0-9]+)$" .p$arg_page;
}}
map $arg_page $lodpub_page_arg {{
    default "";
    "~^([2-9]|[1-9][0-9]+)$" ?page=$arg_page;
}}
"""


def _link_header(stem: str) -> str:
    """The ``Link`` header of a document's variants (``stem``: its URL without extension)."""
    alternates = ", ".join(
        f'<$scheme://$http_host{stem}.{f.extension}>; rel="alternate"; type="{f.media_type}"'
        for f in mt.DOCUMENT_OFFERS
    )
    return f"    add_header Link '{alternates}' always;"


def nginx_server_conf(site: Path) -> str:
    types = "\n".join(f"        {media} {ext};" for media, ext in _types().items())
    text_types = " ".join(sorted(m for m in _types() if m != mt.HTML.media_type and m.startswith(
        ("text/", "application/n-", "application/trig", "application/ld", "application/rdf"))))
    extensions = "|".join(f.extension for f in mt.DOCUMENT_OFFERS)
    return f"""# lodpub export-static: include in a server {{ }} (after http.conf in http {{ }}).
root {site};
charset utf-8;
charset_types {text_types};
types {{
{types}
}}
default_type application/octet-stream;
index index.html;

# A document named with its extension: that file, whatever Accept says.
location ~ ^(?<lodpub_stem>/doc/.+)\\.({extensions})$ {{
{_SAME}
{_link_header("$lodpub_stem")}
    if ($lodpub_page) {{
        rewrite ^(.+)\\.([a-z]+)$ $1$lodpub_page.$2 break;
    }}
}}
# A document without extension: the negotiated variant.
location /doc/ {{
    set $lodpub_doc $uri;
{_HEADERS}
{_link_header("$lodpub_doc")}
    add_header Content-Location $scheme://$http_host$lodpub_doc.$lodpub_ext$lodpub_page_arg always;
    try_files $uri$lodpub_page.$lodpub_ext =404;
}}
location /static/ {{
    expires 1y;
}}
location /dumps/ {{
{_SAME}
}}
# Anything else: a file, a negotiated document (/catalog, /.well-known/void, /ontology),
# a page (/legal), or a thing IRI: 303 See Other to its document in the negotiated format.
location / {{
{_HEADERS}
    try_files $uri $uri/ $uri.$lodpub_ext $uri.html @lodpub_thing;
}}
location @lodpub_thing {{
{_HEADERS}
{_link_header("/doc$uri")}
    if (-f $document_root/doc$uri.$lodpub_ext) {{
        return 303 $scheme://$http_host/doc$uri.$lodpub_ext;
    }}
    return 404;
}}
"""


def apache_htaccess() -> str:
    """mod_rewrite rules doing what the nginx files do (put in the site's root)."""
    lines = [
        "# lodpub export-static: content negotiation for Apache (mod_rewrite, mod_headers).",
        "RewriteEngine On",
        "Header always set Access-Control-Allow-Origin \"*\"",
        "Header always append Vary Accept",
    ]
    lines += [f"AddType {media} .{ext.split()[0]}" for media, ext in _types().items()]
    for value, ext in _format_values():
        lines += [f"RewriteCond %{{QUERY_STRING}} (^|&)format={re.escape(value)}(&|$)",
                  f"RewriteRule ^ - [E=LODPUB_EXT:{ext}]"]  # fmt: skip
    for rule, ext in _accept_rules():
        lines += ["RewriteCond %{ENV:LODPUB_EXT} ^$",
                  f"RewriteCond %{{HTTP_ACCEPT}} {rule} [NC]",
                  f"RewriteRule ^ - [E=LODPUB_EXT:{ext}]"]  # fmt: skip
    default = mt.DOCUMENT_OFFERS[0].extension
    lines += [
        "RewriteCond %{ENV:LODPUB_EXT} ^$",
        f"RewriteRule ^ - [E=LODPUB_EXT:{default}]",
        "# ?page=N of a hub's document",
        "RewriteCond %{QUERY_STRING} (^|&)page=([2-9]|[1-9][0-9]+)(&|$)",
        r"RewriteRule ^(doc/.+)\.([a-z]+)$ $1.p%2.$2 [L]",
        "# a document without extension: the negotiated file",
        "RewriteCond %{REQUEST_FILENAME} !-f",
        "RewriteCond %{REQUEST_FILENAME}.%{ENV:LODPUB_EXT} -f",
        "RewriteRule ^(.+)$ $1.%{ENV:LODPUB_EXT} [L]",
        "# a thing IRI: 303 See Other to its document",
        "RewriteCond %{REQUEST_FILENAME} !-f",
        "RewriteCond %{DOCUMENT_ROOT}/doc%{REQUEST_URI}.%{ENV:LODPUB_EXT} -f",
        "RewriteRule ^ /doc%{REQUEST_URI}.%{ENV:LODPUB_EXT} [R=303,L]",
    ]
    return "\n".join(lines) + "\n"


def write_server_config(out: Path, site: Path) -> None:
    (out / NGINX).mkdir(exist_ok=True)
    (out / NGINX / "http.conf").write_text(nginx_http_conf(), encoding="utf-8")
    (out / NGINX / "server.conf").write_text(nginx_server_conf(site), encoding="utf-8")
    (out / APACHE).mkdir(exist_ok=True)
    (out / APACHE / ".htaccess").write_text(apache_htaccess(), encoding="utf-8")
