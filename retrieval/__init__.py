"""retrieval: see the issue tracker; not built yet."""
