"""Implementations of the service ports: database, audit log, protocol files, exports."""
