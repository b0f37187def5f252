"""Review: queries, source verification, locks, sign-off, audit trail, worklists, dashboard."""
