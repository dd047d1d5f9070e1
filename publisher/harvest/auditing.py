"""The aggregator audits its sources' publishers (``harvest.sources[].audit``): at each
harvest, ``lodpub audit`` runs on the publisher's home, and its EARL assertions go into the
aggregate's ``graph/harvest`` with the source's harvest activity (``prov:wasGeneratedBy``).

A separate module because the audit harvests through :mod:`publisher.harvest.run`: the
command hands :func:`auditor` to the harvest, which cannot import it.
"""

from __future__ import annotations

import pyoxigraph as ox

from publisher.config import Config
from publisher.harvest.audit import audit
from publisher.harvest.earl import assertions, verdict
from publisher.harvest.results import Audited
from publisher.harvest.run import Auditor
from publisher.harvest.sources import Source
from publisher.iris import Iris


def auditor(config: Config) -> Auditor:
    """Audits for this aggregator: its settings and shapes, asserted by its software."""
    assertor = ox.NamedNode(str(Iris(config.base_iri).software_agent()))

    def run(source: Source) -> Audited:
        assert source.audit is not None
        report = audit(config, source.audit, catalog=source.catalog)
        outcomes = tuple((c.id, c.outcome.value) for c in report.checks)
        return Audited(verdict(report), outcomes, tuple(assertions(report, assertor)))

    return run
