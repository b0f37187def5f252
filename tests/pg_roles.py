"""Create the application's login role on the local PostgreSQL test server (idempotent).

The test databases are migrated as the owner (``postgres``); the application connects as
``trialdesk_app``, which owns nothing and holds only the grants ``db upgrade --app-role`` gives,
as in production. ``make test`` runs this first; without a server it says so and exits 0, unless
``CI=true``, where a missing server fails like the suite would.

    python tests/pg_roles.py
"""

from __future__ import annotations

import os
import sys

from sqlalchemy import create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError

from trialdesk.adapters.db.engine import normalise_url
from trialdesk.adapters.db.roles import create_login_role

DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
#: The role the test fixtures connect the application as.
APP_ROLE = "trialdesk_app"


def postgres_admin_url() -> str:
    return os.environ.get("TRIALDESK_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL)


def app_url(owner_url: str) -> str:
    """The same database reached as the application's role (trust auth: no password)."""
    return make_url(owner_url).set(username=APP_ROLE, password=None).render_as_string(False)


def ensure_app_role(admin_url: str) -> bool:
    """Create the role if missing; ``True`` when it was created now."""
    engine = create_engine(normalise_url(admin_url), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            try:
                return create_login_role(connection, APP_ROLE)
            except DBAPIError as error:  # another process created it between check and create
                if "already exists" in str(error):
                    return False
                raise
    finally:
        engine.dispose()


def main() -> int:
    try:
        created = ensure_app_role(postgres_admin_url())
    except OperationalError as error:
        message = f"pg-roles: no PostgreSQL server ({str(error.orig).splitlines()[0]})"
        if os.environ.get("CI", "").lower() == "true":
            sys.stderr.write(message + "\n")
            return 1
        sys.stdout.write(f"{message}; skipped" + "\n")
        return 0
    sys.stdout.write(f"pg-roles: {APP_ROLE} {'created' if created else 'present'}" + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
