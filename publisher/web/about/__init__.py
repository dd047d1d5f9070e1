"""Self-description: /.well-known/void, /catalog, /dumps/…, /context.jsonld (routes.py)."""
