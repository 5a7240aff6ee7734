"""ui: see the issue tracker; not built yet."""
