"""Thin adapters for people and scripts: the command line, the JSON API and the web pages."""
