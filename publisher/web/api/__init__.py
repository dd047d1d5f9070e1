"""The named-query API: /queries, /queries/<name>, /openapi.json (routes.py)."""
