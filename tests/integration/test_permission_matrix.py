"""Every role, at its own site, can do exactly what the permission table grants, in the services."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest

import lock_moves
from trial_world import PASSWORD, TODAY, TrialWorld, build_world
from trialdesk.bootstrap import Store
from trialdesk.domain.access import Role
from trialdesk.domain.errors import NotFoundError, PermissionDeniedError
from trialdesk.services.accounts import accounts
from trialdesk.services.clinical import clinical
from trialdesk.services.review import review, source_verification
from trialdesk.services.review.audit_trail import export_audit_trail
from trialdesk.services.review.review import QueryStatus
from trialdesk.services.subjects import subjects

#: The permission table of the data-store documentation, written out independently of the code.
GRANTED: dict[Role, set[str]] = {
    Role.SITE_COORDINATOR: {"view subject", "enter data", "answer query"},
    Role.INVESTIGATOR: {"view subject", "enter data", "answer query", "sign"},
    Role.MONITOR: {
        "view subject",
        "raise query",
        "close query",
        "export audit trail",
        "verify source",
    },
    Role.DATA_MANAGER: {
        "view subject",
        "raise query",
        "close query",
        "lock",
        "export audit trail",
    },
    Role.STATISTICIAN: set(),
    Role.SPONSOR_ADMIN: {"export audit trail", "manage accounts"},
    Role.DSMB_VIEWER: set(),
}


@pytest.fixture
def world(store: Store) -> TrialWorld:
    return build_world(store)


def _attempts(world: TrialWorld, user: int) -> dict[str, Callable[[], object]]:
    new, subject = world.store.new_uow, world.subject_id
    visit = clinical.record_visit(
        new(), as_user=world.coordinator, subject_id=subject, visit_code="D1", visit_date=TODAY
    )
    monitor = world.user(Role.MONITOR)
    to_answer, to_close = (
        review.raise_query(
            new(), as_user=monitor, entity="visits", record_id=visit, field=None, message=text
        )
        for text in ("Please check the date", "Source missing")
    )

    def answer() -> bool:
        status = review.reply_to_query(new(), as_user=user, query_id=to_answer, message="Checked")
        return status is QueryStatus.ANSWERED  # a reviewer's reply only reopens the query

    # Locking comes last: it would stop the other attempts at data entry.
    return {
        "view subject": lambda: subjects.get_subject(new(), as_user=user, subject_id=subject),
        "enter data": lambda: clinical.record_visit(
            new(),
            as_user=user,
            subject_id=subject,
            visit_code="D8",
            visit_date=TODAY - dt.timedelta(days=1),
        ),
        "raise query": lambda: review.raise_query(
            new(),
            as_user=user,
            entity="visits",
            record_id=visit,
            field="visit_date",
            message="Date differs from the source",
        ),
        "answer query": answer,
        "close query": lambda: review.close_query(
            new(), as_user=user, query_id=to_close, message="Resolved"
        ),
        "sign": lambda: review.sign_record(
            new(),
            as_user=user,
            entity="visits",
            record_id=visit,
            password=PASSWORD,
            meaning="I approve this record",
        ),
        "export audit trail": lambda: export_audit_trail(new(), subject=None, as_user=user),
        "manage accounts": lambda: accounts.create_site(
            new(), code="GZ03", name="Guangzhou", as_user=user
        ),
        "verify source": lambda: source_verification.mark_verified(
            new(), as_user=user, table="visits", record_id=visit
        ),
        "lock": lambda: lock_moves.lock_record(
            new(), as_user=user, entity="subjects", record_id=subject
        ),
    }


@pytest.mark.parametrize("role", list(Role))
def test_each_role_may_do_exactly_what_the_permission_table_grants(
    world: TrialWorld, role: Role
) -> None:
    user = world.user(role)
    allowed: set[str] = set()
    for action, attempt in _attempts(world, user).items():
        try:
            if attempt() is not False:
                allowed.add(action)
        except (NotFoundError, PermissionDeniedError):
            pass  # refused: out of this role's reach
    assert allowed == GRANTED[role]
