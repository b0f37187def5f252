"""Who may answer the criteria the protocol reserves to the investigator, and who did.

Shared by screening (``services/subjects/subjects.py``) and the investigator's attestation
(``services/subjects/eligibility_signoff.py``); corrections of a screening record's answers must
call :func:`check_answer_rights` too.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping, Sequence

from trialdesk.domain.access import Action
from trialdesk.domain.eligibility import EligibilityResult, investigator_fields
from trialdesk.domain.errors import FieldError, InputError
from trialdesk.domain.protocol import Protocol
from trialdesk.services.accounts.access import Actor

__all__ = ["ONLY_INVESTIGATOR", "check_answer_rights", "may_attest", "screening_results"]

ONLY_INVESTIGATOR = "only an investigator at this site may attest this criterion"


def may_attest(actor: Actor, site_id: int) -> bool:
    """Whether the actor is an investigator at this site."""
    return actor.may(Action.ATTEST_ELIGIBILITY, site_id)


def check_answer_rights(
    actor: Actor, site_id: int, protocol: Protocol, answers: Mapping[str, object]
) -> None:
    """Refuse answers to investigator-only criteria unless the actor is an investigator here.

    Correcting a screening record's answers must call this too, with the changed answers.
    """
    if may_attest(actor, site_id):
        return
    reserved = investigator_fields(protocol)
    refused = [
        FieldError(f"answers.{name}", f"{ONLY_INVESTIGATOR} ({reserved[name]})")
        for name, value in answers.items()
        if name in reserved and value is not None
    ]
    if refused:
        raise InputError(refused)


def screening_results(
    result: EligibilityResult,
    protocol: Protocol,
    actor: Actor | None,
    at: dt.datetime | None,
    attested_now: Collection[str],
    earlier: Sequence[Mapping[str, object]] = (),
) -> list[dict[str, object]]:
    """The ``criteria_results`` rows of a screening record.

    An investigator-only criterion answered now (its field in ``attested_now``) names the actor
    and the time ``at``; one answered before keeps the attestation of its ``earlier`` row.
    """
    reserved = investigator_fields(protocol)
    before = {str(row["criterion"]): row for row in earlier}
    rows: list[dict[str, object]] = []
    for r in result.results:
        row: dict[str, object] = {
            "criterion": r.criterion_id, "status": r.status.value, "reason": r.reason,
        }  # fmt: skip
        previous = before.get(r.criterion_id, {})
        if r.field in reserved and r.value is not None:
            if r.field in attested_now and actor is not None and at is not None:
                row.update({"attested_by": actor.username, "attested_at": at.isoformat()})
            elif "attested_by" in previous:
                row.update(
                    {"attested_by": previous["attested_by"], "attested_at": previous["attested_at"]}
                )
        rows.append(row)
    return rows
