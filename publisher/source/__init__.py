"""Read a city's YAML into plain records, remembering the file and line of every value.

Everything a municipal officer can get wrong by hand is refused here, before any RDF is
made: unknown keys, wrong types, missing fields and references to things that do not exist.
Each problem reads ``file:line: field: what is wrong``.

The steps, one module each:

- :mod:`~publisher.source.yamlfile`: one file read safely (no tags, no aliases, bounded
  size and depth), every value wrapped in a :class:`Node` with its :class:`Origin`;
- :mod:`~publisher.source.checks`: the values a field may hold (the controlled lists) and
  the checks that turn text into dates, amounts, URLs...; a :class:`Checker` collects the
  problems;
- :mod:`~publisher.source.records`: the records (:class:`City` and what it holds);
- :mod:`~publisher.source.city`: each file of a city folder parsed into records, the
  references between them checked (:func:`read_city`, :func:`read_cities`).
"""

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
)
from publisher.source.city import (
    FILES_OPTIONAL,
    FILES_REQUIRED,
    city_folders,
    read_cities,
    read_city,
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
    Text,
    Theme,
)
from publisher.source.yamlfile import MAX_FILE_BYTES, Node, Origin, SourceError, read_yaml

__all__ = [
    "EU_THEMES",
    "FIGURE_KINDS",
    "FILES_OPTIONAL",
    "FILES_REQUIRED",
    "FUNDING_TYPES",
    "ICT_ROLES",
    "LANGUAGES",
    "MAX_FILE_BYTES",
    "ORGANISATION_TYPES",
    "OSSERVATORIO_THEMES",
    "PRECISIONS",
    "ROLES",
    "ROLE_TARGETS",
    "SOURCE_TYPES",
    "STATUSES",
    "TIMEFRAMES",
    "Action",
    "Amount",
    "City",
    "Figure",
    "Masterplan",
    "Node",
    "Organisation",
    "Origin",
    "Phase",
    "Record",
    "RoleAssignment",
    "SourceDoc",
    "SourceError",
    "Text",
    "Theme",
    "city_folders",
    "read_cities",
    "read_city",
    "read_yaml",
]
