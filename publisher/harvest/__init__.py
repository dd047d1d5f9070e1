"""``lodpub harvest``: the Osservatorio's aggregator (docs/aggregator.md).

Reads independently published cities' catalogues, checks every city's data, keeps the last
good version of each, and writes one aggregate ``dist/`` that ``lodpub serve`` serves.
One module per concern:

- :mod:`~publisher.harvest.sources`: what to harvest (``harvest.sources``, URL maps, hosts);
- :mod:`~publisher.harvest.fetch`: bounded, conditional HTTP;
- :mod:`~publisher.harvest.catalogue`: every page of a DCAT catalogue, its datasets;
- :mod:`~publisher.harvest.selection`: the dump to take, and size / checksum checks;
- :mod:`~publisher.harvest.validate`: parse, namespace and shapes checks, measures;
- :mod:`~publisher.harvest.ownership`: who may publish which namespace and city key;
- :mod:`~publisher.harvest.state`: the last good harvest, kept in the aggregate itself;
- :mod:`~publisher.harvest.provenance`: PROV, SHACL reports and DQV as data;
- :mod:`~publisher.harvest.aggregate`: the aggregate's DCAT-AP_IT catalogue;
- :mod:`~publisher.harvest.output` (through :mod:`~publisher.harvest.house`): the dist/;
- :mod:`~publisher.harvest.run`: one run, source by source, then the aggregate.
"""

from publisher.harvest.run import HarvestError, HarvestReport, harvest
from publisher.harvest.sources import SourceConfigError, configured_sources

__all__ = ["HarvestError", "HarvestReport", "SourceConfigError", "configured_sources", "harvest"]
