"""The SPARQL 1.1 Protocol endpoint /sparql and its service description (routes.py)."""
