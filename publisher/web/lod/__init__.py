"""Linked Data: /, /id/…, /doc/…, /vocab/…, /ontology and the catalogue's own IRIs (routes.py)."""
