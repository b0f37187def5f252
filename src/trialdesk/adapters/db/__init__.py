"""Relational storage: engine factory, tables, unit of work, audit writer and migrations."""
