"""What lodpub tells people, in Italian and English: every text in one catalogue.

A problem is made where it is found as a :class:`Message` (a catalogue key and its
parameters) at a place, and is put into words only when it is shown, in the language the
person asked for (``--lang``, the ``messages_lang`` setting, else the locale of the
environment). So the reader, the build and its worker processes stay language-free, and the
same problem can be logged in English and printed in Italian.

Problems travel as :class:`Localised` strings: their ``str`` is the English text, so code
and tests that treat problems as text keep working, and ``render(lang)`` says it again in
another language. A third language is one more entry per key (and a name in LANGUAGES); an entry
``"<lang>:one"`` is the singular, used when the parameter ``count`` is 1.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

LANGUAGES = ("it", "en")
DEFAULT = "en"
# POSIX order: LC_ALL overrides LC_MESSAGES, which overrides LANG.
LOCALE_VARIABLES = ("LC_ALL", "LC_MESSAGES", "LANG")

CATALOGUE: dict[str, dict[str, str]] = {
    # --- reading a YAML file ----------------------------------------------------------
    "file.too_big": {
        "en": "{size} bytes is over the {limit} limit",
        "it": "{size} byte superano il limite di {limit}",
    },
    "file.not_utf8": {
        "en": "not UTF-8 text ({reason}): save the file as UTF-8",
        "it": "non è testo UTF-8 ({reason}): salva il file in UTF-8",
    },
    "file.unreadable": {
        "en": "cannot be read ({reason})",
        "it": "non si può leggere ({reason})",
    },
    "file.unknown": {
        "en": "unknown file (expected: {files})",
        "it": "file sconosciuto (sono previsti: {files})",
    },
    "file.missing": {"en": "missing file", "it": "file mancante"},
    "folder.missing": {"en": "no such folder", "it": "la cartella non esiste"},
    "folder.no_city": {
        "en": "no city folder (with masterplan.yaml) here",
        "it": "qui non c'è la cartella di una città (con masterplan.yaml)",
    },
    "folder.bad_name": {
        "en": "a city folder name must be a key (a-z, 0-9, '-') and not one of {reserved}",
        "it": "il nome della cartella di una città dev'essere una chiave (a-z, 0-9, '-') "
        "e non uno tra {reserved}",
    },
    "syntax.character": {
        "en": "character #x{code}: a control character is not allowed in YAML text",
        "it": "carattere #x{code}: nel testo YAML non sono ammessi caratteri di controllo",
    },
    "syntax.tab": {
        "en": "a tab character: indent YAML with spaces, never tabs",
        "it": "un carattere di tabulazione: in YAML si rientra con gli spazi, mai con i tab",
    },
    "syntax.colon": {
        "en": "a ': ' where no value can start: put text that holds ': ' in quotes",
        "it": "un ': ' dove non può iniziare un valore: metti tra virgolette il testo che "
        "contiene ': '",
    },
    "syntax.indent": {
        "en": "the indentation does not match the lines above ({problem})",
        "it": "il rientro non corrisponde a quello delle righe sopra ({problem})",
    },
    "syntax.error": {"en": "{problem}", "it": "errore di sintassi YAML: {problem}"},
    "syntax.too_deep": {"en": "nested too deeply", "it": "annidato troppo in profondità"},
    "yaml.alias": {
        "en": "anchors and aliases (&name, *name) are not allowed",
        "it": "ancore e alias (&nome, *nome) non sono ammessi",
    },
    "yaml.tag": {
        "en": "tag {tag} is not allowed (plain YAML only)",
        "it": "il tag {tag} non è ammesso (solo YAML semplice)",
    },
    "yaml.duplicate_key": {"en": "duplicate key", "it": "chiave ripetuta"},
    # --- the shape of a record ----------------------------------------------------------
    "field.unknown": {
        "en": "unknown field (allowed: {allowed})",
        "it": "campo sconosciuto (sono ammessi: {allowed})",
    },
    "field.missing": {"en": "missing field", "it": "campo mancante"},
    "value.expected": {
        "en": "expected {what}, got {value}",
        "it": "atteso {what}, trovato {value}",
    },
    "value.nothing": {"en": "nothing", "it": "niente"},
    "value.mapping": {"en": "a mapping", "it": "una mappa (campo: valore)"},
    "value.list": {"en": "a list", "it": "una lista"},
    "text.italian_required": {
        "en": "the Italian text (it:) is required",
        "it": "il testo in italiano (it:) è obbligatorio",
    },
    "choice.unknown": {
        "en": "expected one of the allowed values, got {value} (allowed: {allowed})",
        "it": "valore non ammesso {value} (sono ammessi: {allowed})",
    },
    "choice.names": {
        "en": "{codes}; or in Italian: {names}",
        "it": "{names}; oppure in inglese: {codes}",
    },
    # What a field expects ("expected {what}"), named as the reader's calls name them.
    "expected:a mapping": {"en": "a mapping", "it": "una mappa (campo: valore)"},
    "expected:a list": {"en": "a list", "it": "una lista"},
    "expected:non-empty text": {"en": "non-empty text", "it": "un testo non vuoto"},
    "expected:a key of lower-case letters, digits and '-'": {
        "en": "a key of lower-case letters, digits and '-'",
        "it": "una chiave di lettere minuscole, cifre e '-'",
    },
    "expected:a decimal number": {"en": "a decimal number", "it": "un numero decimale"},
    "expected:a date": {"en": "a date", "it": "una data"},
    "expected:a year or a date": {"en": "a year or a date", "it": "un anno o una data"},
    "expected:an http(s) URL": {"en": "an http(s) URL", "it": "un URL http(s)"},
    "expected:an http(s) IRI": {"en": "an http(s) IRI", "it": "un IRI http(s)"},
    "expected:an organisation key or a name": {
        "en": "an organisation key or a name",
        "it": "la chiave di un'organizzazione o un nome",
    },
    "expected:text": {"en": "text", "it": "un testo"},
    "expected:true or false": {"en": "true or false", "it": "true o false (sì o no)"},
    "expected:an e-mail address": {"en": "an e-mail address", "it": "un indirizzo e-mail"},
    "expected:a EuroVoc concept number": {
        "en": "a EuroVoc concept number",
        "it": "il numero di un concetto EuroVoc",
    },
    "expected:what the role is for": {
        "en": "what the role is for",
        "it": "ciò per cui vale il ruolo",
    },
    "expected:an ISTAT code": {"en": "an ISTAT code", "it": "un codice ISTAT"},
    "expected:a year or a month": {"en": "a year or a month", "it": "un anno o un mese"},
    # --- values: why one is refused ("{value}" is the value as written) ------------------
    "date.format": {
        "en": "expected a date, got {value} (write YYYY-MM-DD, e.g. 2015-11-03)",
        "it": "attesa una data, trovato {value} (scrivi AAAA-MM-GG, per esempio 2015-11-03)",
    },
    "date.with_time": {
        "en": "expected a date without a time, got {value} (write YYYY-MM-DD)",
        "it": "attesa una data senza ora, trovato {value} (scrivi AAAA-MM-GG)",
    },
    "date.no_month": {
        "en": "{value} is not a date: there is no month {month}",
        "it": "{value} non è una data: il mese {month} non esiste",
    },
    "date.no_day": {
        "en": "{value} is not a date: month {month} of {year} has {days} days",
        "it": "{value} non è una data: il mese {month} del {year} ha {days} giorni",
    },
    "date.impossible": {
        "en": "{value} is not a date of the calendar (write YYYY-MM-DD)",
        "it": "{value} non è una data del calendario (scrivi AAAA-MM-GG)",
    },
    "year_or_date.format": {
        "en": "expected a year (YYYY) or a date (YYYY-MM-DD), got {value}",
        "it": "atteso un anno (AAAA) o una data (AAAA-MM-GG), trovato {value}",
    },
    "year_or_month.format": {
        "en": "expected a year (YYYY) or a month (YYYY-MM, in quotes), got {value}",
        "it": "atteso un anno (AAAA) o un mese (AAAA-MM, tra virgolette), trovato {value}",
    },
    "number.format": {
        "en": "expected a decimal number, got {value} (write e.g. 1250000.50: digits, a dot "
        "before the decimals, no thousands separator, no currency sign)",
        "it": "atteso un numero decimale, trovato {value} (scrivi per esempio 1250000.50: "
        "cifre, il punto prima dei decimali, niente separatore delle migliaia né simbolo "
        "di valuta)",
    },
    "number.negative": {
        "en": "must not be negative, got {value}",
        "it": "non può essere negativo, trovato {value}",
    },
    "number.too_long": {
        "en": "{value} has more than {digits} digits",
        "it": "{value} ha più di {digits} cifre",
    },
    "url.format": {
        "en": "expected an http(s) URL without spaces, got {value}",
        "it": "atteso un URL http(s) senza spazi, trovato {value}",
    },
    "iri.invalid": {
        "en": "{value} is not a valid IRI ({reason})",
        "it": "{value} non è un IRI valido ({reason})",
    },
    "email.format": {
        "en": "expected an e-mail address such as name@example.org, got {value}",
        "it": "atteso un indirizzo e-mail come nome@esempio.it, trovato {value}",
    },
    "istat.format": {
        "en": 'expected an ISTAT code of six digits in quotes, such as "011015", got {value}',
        "it": 'atteso un codice ISTAT di sei cifre tra virgolette, come "011015", '
        "trovato {value}",
    },
    "eurovoc.format": {
        "en": 'expected a EuroVoc concept number in quotes, such as "100237", got {value}',
        "it": 'atteso il numero di un concetto EuroVoc tra virgolette, come "100237", '
        "trovato {value}",
    },
    "key.format": {
        "en": "expected a key of lower-case letters, digits and '-', got {value}",
        "it": "attesa una chiave di lettere minuscole, cifre e '-', trovato {value}",
    },
    "role_target.format": {
        "en": "expected masterplan, table/<key>, action/<key> or organisation/<key>, got {value}",
        "it": "atteso masterplan, tavolo/<chiave>, azione/<chiave> o organizzazione/<chiave>, "
        "trovato {value}",
    },
    # --- records and the references between them -----------------------------------------
    "amount.nothing": {
        "en": "give value:, or min: and/or max:",
        "it": "indica value:, oppure min: e/o max:",
    },
    "amount.both": {
        "en": "give either value: or min:/max:, not both",
        "it": "indica value: oppure min:/max:, non entrambi",
    },
    "amount.min_max": {
        "en": "min is greater than max",
        "it": "min è maggiore di max",
    },
    "id.duplicate": {"en": "duplicate id '{key}'", "it": "id ripetuto '{key}'"},
    "source.classification": {
        "en": "'{key}' is the publisher's own classification, which the build writes: "
        "use another id and type for a source",
        "it": "'{key}' è la classificazione di chi pubblica, che scrive la build: usa un "
        "altro id e un altro tipo per una fonte",
    },
    "ref.source": {
        "en": "no source in sources.yaml with id '{key}'",
        "it": "in sources.yaml non c'è una fonte con id '{key}'",
    },
    "ref.organisation": {
        "en": "no organisation with id '{key}'",
        "it": "non c'è un'organizzazione con id '{key}'",
    },
    "ref.theme": {"en": "no theme with id '{key}'", "it": "non c'è un tema con id '{key}'"},
    "ref.action": {
        "en": "no action with id '{key}'",
        "it": "non c'è un'azione con id '{key}'",
    },
    "sources.none": {
        "en": "needs at least one source (sources: [...])",
        "it": "serve almeno una fonte (sources: [...])",
    },
    "dates.order": {"en": "ends before it starts", "it": "finisce prima di cominciare"},
    "theme.no_table": {
        "en": "theme '{key}' has no work table",
        "it": "il tema '{key}' non ha un tavolo di lavoro",
    },
    "theme.not_sub": {
        "en": "'{sub}' is not a sub-theme of '{theme}'",
        "it": "'{sub}' non è un sotto-tema di '{theme}'",
    },
    # --- SHACL results --------------------------------------------------------------------
    "shacl.Violation": {"en": "violation", "it": "violazione"},
    "shacl.Warning": {"en": "warning", "it": "avviso"},
    "shacl.Info": {"en": "info", "it": "informazione"},
    "shacl.generated": {"en": "(generated) {focus}", "it": "(generato) {focus}"},
    "shacl.value": {"en": "value: {value}", "it": "valore: {value}"},
    "shacl.unexplained": {"en": "constraint not met", "it": "vincolo non rispettato"},
    # --- the command line -----------------------------------------------------------------
    "cli.refused": {
        "en": "{what}: {count} problems; nothing was published.",
        "en:one": "{what}: 1 problem; nothing was published.",
        "it": "{what}: {count} problemi; non è stato pubblicato nulla.",
        "it:one": "{what}: 1 problema; non è stato pubblicato nulla.",
    },
    "cli.validation_failed": {"en": "validation failed", "it": "verifica non superata"},
    "cli.build_failed": {"en": "build failed", "it": "costruzione non riuscita"},
    "cli.valid": {
        "en": "valid ({count} warnings)",
        "en:one": "valid (1 warning)",
        "it": "valido ({count} avvisi)",
        "it:one": "valido (1 avviso)",
    },
    "cli.stale": {
        "en": "dist/ is missing or older than its inputs: building first",
        "it": "dist/ manca o è più vecchia dei dati: prima la costruisco",
    },
    "cli.serving": {
        "en": "serving {base} at http://{host}:{port}/",
        "it": "pubblico {base} su http://{host}:{port}/",
    },
    "cli.kept_last_build": {
        "en": "the data has {count} problems (above): still serving the last good build "
        "{build} of {built}; fix them and run lodpub build",
        "en:one": "the data has 1 problem (above): still serving the last good build "
        "{build} of {built}; fix it and run lodpub build",
        "it": "i dati hanno {count} problemi (qui sopra): continuo a pubblicare l'ultima "
        "costruzione riuscita, {build} del {built}; correggili e lancia lodpub build",
        "it:one": "i dati hanno 1 problema (qui sopra): continuo a pubblicare l'ultima "
        "costruzione riuscita, {build} del {built}; correggilo e lancia lodpub build",
    },
    "cli.no_project": {
        "en": "no lodpub project in {folder} or its parents (a folder with lodpub.yaml, or "
        "with {data}/ and {shapes}/): run lodpub inside one, or give --config FILE",
        "it": "nessun progetto lodpub in {folder} né nelle cartelle che la contengono (una "
        "cartella con lodpub.yaml, o con {data}/ e {shapes}/): lancia lodpub dentro un "
        "progetto, o indica --config FILE",
    },
    "cli.port_taken": {
        "en": "port {port} on {host} is already in use by another program: stop it, or choose "
        "another port (--port, or make run PORT=...)",
        "it": "la porta {port} su {host} è già usata da un altro programma: fermalo, o scegli "
        "un'altra porta (--port, o make run PORT=...)",
    },
    "cli.port_refused": {
        "en": "cannot listen on {host} port {port}: {reason}",
        "it": "impossibile ascoltare su {host} porta {port}: {reason}",
    },
}


class Renderable(Protocol):
    def render(self, lang: str) -> str: ...


@dataclass(frozen=True)
class Message:
    """A catalogue key and its parameters, put into words by :meth:`render`."""

    key: str
    params: tuple[tuple[str, Any], ...] = ()

    def render(self, lang: str) -> str:
        texts = CATALOGUE[self.key]
        lang = lang if lang in texts else DEFAULT
        one = f"{lang}:one"  # the singular, where a count of 1 reads differently
        singular = one in texts and dict(self.params).get("count") == 1
        template = texts[one] if singular else texts[lang]
        return template.format(**{name: render(value, lang) for name, value in self.params})


def msg(key: str, /, **params: Any) -> Message:
    """The message ``key`` with ``params``; an unknown key fails here, where it is written."""
    if key not in CATALOGUE:
        raise KeyError(f"no message {key!r} in publisher/messages.py")
    return Message(key, tuple(params.items()))


@dataclass(frozen=True)
class Located:
    """A message about a place: ``file:line: field: message``."""

    where: Any  # an Origin, or any text that names the place
    message: Renderable

    def render(self, lang: str) -> str:
        return f"{self.where}: {self.message.render(lang)}"


class Localised(str):
    """Text that can be said again in another language: a ``str`` (its English words)
    that keeps what it says, for :meth:`render`."""

    what: Renderable

    def __new__(cls, what: Renderable) -> Localised:
        self = super().__new__(cls, what.render(DEFAULT))
        self.what = what
        return self

    def render(self, lang: str) -> str:
        return self.what.render(lang)

    def __reduce__(self) -> tuple[Any, ...]:  # across processes (the build's workers)
        return (Localised, (self.what,))


def render(value: Any, lang: str) -> str:
    """``value`` in ``lang``: messages and localised text rendered, lists joined."""
    if hasattr(value, "render"):
        return value.render(lang)
    if isinstance(value, list | tuple):
        return ", ".join(render(item, lang) for item in value)
    return str(value)


def say(lang: str, key: str, /, **params: Any) -> str:
    """The message ``key`` in ``lang``, at once."""
    return msg(key, **params).render(lang)


def language(requested: str | None = None, environ: Mapping[str, str] = os.environ) -> str:
    """The language of the messages: ``requested`` (it, en), unless it is None or "auto";
    then the first locale variable set (LC_ALL, LC_MESSAGES, LANG): Italian for it_*,
    English otherwise."""
    if requested and requested != "auto":
        if requested not in LANGUAGES:
            known = ", ".join(("auto", *LANGUAGES))
            raise ValueError(f"unknown language {requested!r} (one of: {known})")
        return requested
    for variable in LOCALE_VARIABLES:
        value = environ.get(variable)
        if value:
            return "it" if value.lower().startswith("it") else DEFAULT
    return DEFAULT
