"""Subjects: registration at screening, screening with eligibility, consent, lifecycle moves.

Status changes go through the domain state machine (:mod:`trialdesk.domain.lifecycle`), which
names both states when it refuses; the sequencing rules of 21 CFR 11.10(f) sit on top: a subject
becomes eligible only with an eligible screening record and consent on file.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from trialdesk.domain.access import Action
from trialdesk.domain.edit_checks import is_after_today
from trialdesk.domain.eligibility import evaluate_eligibility, excludes
from trialdesk.domain.errors import InputError, NotFoundError, StateError
from trialdesk.domain.lifecycle import SubjectState, may_be_randomized, transition
from trialdesk.domain.protocol import Protocol
from trialdesk.services.accounts.access import Actor, load_actor, require_subject
from trialdesk.services.clinical.edit_checks import check_record, today_of
from trialdesk.services.clinical.recording import insert_audited, require_reason, update_audited
from trialdesk.services.ports import Record, UnitOfWork
from trialdesk.services.subjects.investigator_criteria import check_answer_rights, screening_results

__all__ = [
    "SCREEN_FAILURE_REASON",
    "SubjectRead",
    "change_state",
    "get_subject",
    "list_subjects",
    "not_in_future",
    "read_subject_row",
    "record_consent",
    "record_screening",
    "register_subject",
    "screening_excluded",
    "screening_values",
]

_SCREENING_NUMBER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$")


@dataclass(frozen=True, slots=True)
class SubjectRead:
    id: int
    screening_number: str
    subject_code: str | None
    site_code: str
    state: SubjectState

    @property
    def may_be_randomized(self) -> bool:
        """Whether the subject's state still allows randomization (no link or action otherwise)."""
        return may_be_randomized(self.state)


def not_in_future(uow: UnitOfWork, field: str, day: dt.date, zone: dt.tzinfo = dt.UTC) -> dt.date:
    """Refuse a clinical date after today on the site's calendar (``zone``), by the edit checks'
    rule, for dates the protocol's edit checks do not see."""
    if is_after_today(day, today_of(uow, zone)):
        raise InputError.single(field, f"{day.isoformat()} is in the future")
    return day


def read_subject_row(
    uow: UnitOfWork, subject: Record, site_codes: Mapping[int, str] | None = None
) -> SubjectRead:
    """The read form of a loaded subject row (inside the caller's unit of work).

    ``site_codes`` (site id → code), when a caller reads many subjects, saves a read per subject.
    """
    if site_codes is not None and subject["site_id"] in site_codes:
        code = site_codes[subject["site_id"]]
    else:
        site = uow.records.get("sites", subject["site_id"])
        assert site is not None
        code = site["code"]
    return SubjectRead(
        id=subject["id"],
        screening_number=subject["screening_number"],
        subject_code=subject["subject_code"],
        site_code=code,
        state=SubjectState(subject["state"]),
    )


def register_subject(
    uow: UnitOfWork, *, as_user: int, site_code: str, screening_number: str
) -> SubjectRead:
    """Open a subject in ``screening`` at a site where the user enters data."""
    if not _SCREENING_NUMBER.match(screening_number):
        raise InputError.single("screening_number", "use 1–32 letters, digits, '-' or '_'")
    with uow:
        actor = load_actor(uow, as_user)
        sites = uow.records.find("sites", code=site_code)
        if not sites or not actor.may(Action.ENTER_DATA, sites[0]["id"]):
            raise NotFoundError(f"site {site_code!r} not found")
        if uow.records.find("subjects", screening_number=screening_number):
            raise InputError.single("screening_number", f"{screening_number!r} is already used")
        values = {
            "screening_number": screening_number,
            "subject_code": None,
            "site_id": sites[0]["id"],
            "state": SubjectState.SCREENING.value,
            "birth_year": None,
            "sex": None,
        }
        subject_id = insert_audited(uow, actor, "subjects", values, subject_id=None)
        subject = uow.records.get("subjects", subject_id)
        assert subject is not None
        result = read_subject_row(uow, subject)
        uow.commit()
    return result


def get_subject(uow: UnitOfWork, *, as_user: int, subject_id: int) -> SubjectRead:
    """One subject, if the user may see it."""
    with uow:
        actor = load_actor(uow, as_user)
        return read_subject_row(uow, require_subject(uow, actor, subject_id, Action.VIEW_SUBJECT))


def list_subjects(uow: UnitOfWork, *, as_user: int) -> list[SubjectRead]:
    """The subjects of the sites where the user may see subjects."""
    with uow:
        actor = load_actor(uow, as_user)
        codes = {site["id"]: site["code"] for site in uow.records.find("sites")}
        return [
            read_subject_row(uow, s, codes)
            for s in uow.records.find("subjects")
            if actor.may(Action.VIEW_SUBJECT, s["site_id"])
        ]


def _check_sequence(uow: UnitOfWork, subject: Record, target: SubjectState) -> None:
    if target is SubjectState.ELIGIBLE:
        screenings = uow.records.find("screening_records", subject_id=subject["id"])
        if not screenings or not screenings[-1]["eligible"]:
            raise StateError("cannot mark eligible: the latest screening record is not eligible")
        if not uow.records.find("consents", subject_id=subject["id"]):
            raise StateError("cannot mark eligible: no informed consent is recorded")


def apply_transition(
    uow: UnitOfWork,
    actor: Actor,
    subject: Record,
    target: SubjectState | str,
    reason: str,
) -> SubjectState:
    """Move a loaded subject through the state machine, audited, in the caller's transaction.

    Every move after the initial entry says why: a user's reason, or the cause of a move the
    system makes (``randomized``, ``first study dose``…).
    """
    new_state = transition(subject["state"], target)
    _check_sequence(uow, subject, new_state)
    update_audited(
        uow, actor, "subjects", subject, {"state": new_state.value}, reason=reason,
        subject_id=subject["id"],
    )  # fmt: skip
    return new_state


def change_state(
    uow: UnitOfWork, *, as_user: int, subject_id: int, target: str, reason: str | None = None
) -> SubjectRead:
    """Move a subject to another lifecycle state (refused, naming both, when not allowed).

    A change after the subject's initial entry must say why (Annex 11 §9, ICH E6(R3)): a missing
    or blank ``reason`` is an input error naming ``reason``, and nothing changes.
    """
    why = require_reason(reason)
    with uow:
        actor = load_actor(uow, as_user)
        subject = require_subject(uow, actor, subject_id, Action.ENTER_DATA, for_update=True)
        apply_transition(uow, actor, subject, target, why)
        updated = uow.records.get("subjects", subject_id)
        assert updated is not None
        result = read_subject_row(uow, updated)
        uow.commit()
    return result


#: The reason audited when a screening result moves a subject to ``screen_failed``; a correction
#: recognises by it a screen failure that came from the screening answers alone.
SCREEN_FAILURE_REASON = "screening: not eligible"


def screening_values(
    protocol: Protocol,
    answers: Mapping[str, object],
    *,
    actor: Actor | None = None,
    at: dt.datetime | None = None,
    attested_now: Collection[str] = (),
    earlier: Sequence[Mapping[str, object]] = (),
) -> dict[str, object]:
    """The answers, each criterion's result and the verdict, as a screening record holds them.

    Investigator-only criteria answered now (``attested_now``) name ``actor`` and ``at`` as who
    attested them and when; those answered before keep the attestation of their ``earlier`` row.
    """
    result = evaluate_eligibility(protocol, answers)
    if actor is None or at is None:
        attested_now = ()
    criteria = screening_results(result, protocol, actor, at, attested_now, earlier)
    return {"answers": dict(answers), "criteria_results": criteria, "eligible": result.eligible}


def screening_excluded(criteria_results: object) -> bool:
    """Whether a stored screening's ``criteria_results`` keep the patient out (missing do not)."""
    assert isinstance(criteria_results, list)
    return excludes(str(row["status"]) for row in criteria_results)


def record_screening(
    uow: UnitOfWork,
    *,
    as_user: int,
    subject_id: int,
    screened_on: dt.date,
    answers: Mapping[str, object],
    protocol: Protocol,
    confirm: Collection[str] = (),
    confirm_reason: str | None = None,
) -> bool:
    """Store a screening record with per-criterion results from the protocol; returns eligibility.

    A recorded answer that excludes the patient moves the subject to ``screen_failed`` at once;
    missing answers (such as criteria awaiting the investigator) leave the screening pending.
    Answers to investigator-only criteria are refused from anyone but an investigator at the
    subject's site.
    """
    with uow:
        actor = load_actor(uow, as_user)
        subject = require_subject(uow, actor, subject_id, Action.ENTER_DATA, for_update=True)
        checked = check_record(
            uow, protocol, "screening_records", {"screened_on": screened_on},
            subject_id=subject_id, confirm=confirm, reason=confirm_reason,
        )  # fmt: skip
        check_answer_rights(actor, subject["site_id"], protocol, answers)
        values = screening_values(
            protocol, answers, actor=actor, at=uow.clock.now(), attested_now=answers
        )
        screening_id = insert_audited(
            uow, actor, "screening_records",
            {"subject_id": subject_id, "screened_on": screened_on, **values},
            subject_id=subject_id,
        )  # fmt: skip
        checked.raise_queries(uow, actor, screening_id)
        if screening_excluded(values["criteria_results"]):
            apply_transition(uow, actor, subject, SubjectState.SCREEN_FAILED, SCREEN_FAILURE_REASON)
        uow.commit()
    return bool(values["eligible"])


def record_consent(
    uow: UnitOfWork,
    *,
    as_user: int,
    subject_id: int,
    consented_on: dt.date,
    form_version: str,
    obtained_by: str,
    protocol: Protocol | None = None,
    confirm: Collection[str] = (),
    confirm_reason: str | None = None,
) -> int:
    """Record informed consent; required before a subject can become eligible.

    ``protocol`` gives the edit checks to run (without it, only "no date after today").
    """
    if not form_version.strip():
        raise InputError.single("form_version", "must not be empty")
    if not obtained_by.strip():
        raise InputError.single("obtained_by", "must not be empty")
    with uow:
        actor = load_actor(uow, as_user)
        require_subject(uow, actor, subject_id, Action.ENTER_DATA, for_update=True)
        values = {
            "subject_id": subject_id,
            "consented_on": consented_on,
            "form_version": form_version.strip(),
            "obtained_by": obtained_by.strip(),
        }
        checked = check_record(
            uow, protocol, "consents", values, subject_id=subject_id, confirm=confirm,
            reason=confirm_reason,
        )  # fmt: skip
        consent_id = insert_audited(uow, actor, "consents", values, subject_id=subject_id)
        checked.raise_queries(uow, actor, consent_id)
        uow.commit()
    return consent_id
