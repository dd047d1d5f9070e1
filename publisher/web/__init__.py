"""The web layer: serves dist/ (never builds RDF from YAML)."""
