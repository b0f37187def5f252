"""Composition root: the one place that picks concrete adapters and hands them to entrypoints."""
