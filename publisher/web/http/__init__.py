"""HTTP plumbing every URL family shares; it imports no URL family (docs/architecture.md)."""
