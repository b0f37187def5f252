"""Accounts: users, roles and sites, sign-in, sessions, two-factor authentication, API tokens."""
