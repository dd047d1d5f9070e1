"""Operations: /health, /metrics, /limits (routes.py)."""
