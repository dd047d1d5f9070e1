"""Choosing a dataset's dump, and checking the bytes downloaded against what the catalogue
promised (size and checksum).

Only the dataset formats are taken, N-Quads before TriG: they carry named graphs, parse in
one pass, and are what lodpub publishers (and most RDF stores) export. A dataset that offers
neither is refused with the formats it does offer, so its publisher knows what to add.
"""

from __future__ import annotations

import hashlib

from publisher.harvest.catalogue import Dataset, Distribution
from publisher.mediatypes import NQUADS, TRIG

PREFERRED = (NQUADS, TRIG)


class SelectionError(Exception):
    """No usable dump, or the dump is not the one the catalogue describes."""


def best_distribution(dataset: Dataset) -> Distribution:
    """The dataset's N-Quads dump, else its TriG dump."""
    for fmt in PREFERRED:
        for distribution in dataset.distributions:
            if distribution.fmt == fmt:
                return distribution
    offered = ", ".join(sorted({d.declared_type for d in dataset.distributions})) or "none"
    raise SelectionError(
        f"{dataset.iri}: no N-Quads or TriG distribution to harvest (offered: {offered})"
    )


def verify(distribution: Distribution, body: bytes) -> None:
    """The body has the catalogue's ``dcat:byteSize`` and checksum (when it gives them)."""
    if distribution.byte_size is not None and distribution.byte_size != len(body):
        raise SelectionError(
            f"{distribution.url}: {len(body):,} bytes downloaded, but the catalogue says "
            f"dcat:byteSize {distribution.byte_size:,}"
        )
    if distribution.checksum is not None:
        algorithm, expected = distribution.checksum
        actual = hashlib.new(algorithm, body).hexdigest()
        if actual != expected:
            raise SelectionError(
                f"{distribution.url}: wrong checksum: {algorithm} {actual}, but the catalogue "
                f"says {expected}"
            )
