"""Randomizing a subject: checked, atomic, concealed, audited and irrevocable.

One call is one transaction, ordered so that the part every request waits for is short. First,
without any shared lock, it locks the subject's own row (a second request for the same subject
waits there), then reads and refuses with everything that is missing (eligibility, the
investigator's eligibility signature, consent, stratification values) or with the state that
forbids it, and moves the subject to ``randomized``. Only then does it take the stratum's lock
(the list's, for minimization), claim the stratum's next unused list position in one statement,
record the allocation, and commit; the unit of work writes all the audit entries of the request
in one write just before the commit, so the audit chain's head is the last lock taken. What
comes back is the site's view (subject, arm, time, user); the audit trail holds the same fields
plus the stratum, never the list position, block or scores, because monitors read the trail too.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from trialdesk.domain.access import Action
from trialdesk.domain.audit import AuditAction
from trialdesk.domain.eligibility import CriterionStatus
from trialdesk.domain.errors import FieldError, InputError, IntegrityError, StateError
from trialdesk.domain.lifecycle import SubjectState
from trialdesk.domain.randomization import (
    SITE_HIDDEN_FIELDS,
    AllocationRecord,
    MinimizationState,
    RandomizationMethod,
    RandomizationSpec,
    SiteVisibleAllocation,
    StratificationFactor,
    StratumKey,
    minimize,
    site_view,
    stratum_generator,
    subject_levels,
)
from trialdesk.services.accounts.access import Actor, load_actor, require_subject
from trialdesk.services.clinical.recording import audit_event, require_reason, update_audited
from trialdesk.services.ports import Record
from trialdesk.services.randomization.randomization_lists import (
    ListKind,
    extend_stratum,
    find_list,
    spec_from_dict,
)
from trialdesk.services.randomization.randomization_ports import RandomizationUnitOfWork
from trialdesk.services.subjects.eligibility_signoff import eligibility_signature
from trialdesk.services.subjects.subjects import apply_transition

__all__ = ["flag_allocation_error", "minimization_state", "randomize_subject", "strata_factors"]

_PASSING = frozenset({CriterionStatus.MET.value, CriterionStatus.ATTESTED.value})
_RANDOMIZABLE = frozenset({SubjectState.SCREENING.value, SubjectState.ELIGIBLE.value})


def strata_factors(spec: RandomizationSpec) -> tuple[StratificationFactor, ...]:
    """The factors that define a subject's stratum under the list's method."""
    if spec.method is RandomizationMethod.MINIMIZATION and spec.minimization is not None:
        return tuple(f.factor for f in spec.minimization.factors)
    return spec.strata


def minimization_state(
    uow: RandomizationUnitOfWork, list_id: int, spec: RandomizationSpec
) -> MinimizationState:
    """The stored minimization counts as the domain's state object."""
    state = MinimizationState.empty(spec)
    counts: dict[tuple[str, str], list[int]] = {}
    for cell in uow.randomization.minimization_counts(list_id):
        row = counts.setdefault((cell["factor"], cell["level"]), [0] * len(state.arms))
        row[state.arms.index(cell["arm"])] = int(cell["count"])
    total = uow.records.find("allocations", list_id=list_id)
    return MinimizationState(
        state.arms, {key: tuple(row) for key, row in counts.items()}, len(total)
    )


def _readiness_problems(
    uow: RandomizationUnitOfWork,
    subject: Record,
    factors: tuple[StratificationFactor, ...],
    given: Mapping[str, object],
) -> tuple[list[FieldError], dict[str, object]]:
    """Everything that keeps the subject from being randomized, and the values to stratify by."""
    problems: list[FieldError] = []
    screenings = uow.records.find("screening_records", subject_id=subject["id"])
    answers: Mapping[str, object] = {}
    if not screenings:
        problems.append(FieldError("eligibility", "no screening record"))
    else:
        latest = screenings[-1]
        answers = latest["answers"]
        for result in latest["criteria_results"]:
            if result["status"] not in _PASSING:
                where = f"eligibility.{result['criterion']}"
                problems.append(FieldError(where, f"{result['status']}: {result['reason']}"))
        if eligibility_signature(uow, latest) is None:
            problems.append(
                FieldError(
                    "eligibility.signature", "awaiting the investigator's eligibility signature"
                )
            )
    if not uow.records.find("consents", subject_id=subject["id"]):
        problems.append(FieldError("consent", "no informed consent is recorded"))
    site = uow.records.get("sites", subject["site_id"])
    assert site is not None
    # The site is the subject's site of record, never a value typed at randomization.
    values: dict[str, object] = {**answers, **given, "site": site["code"]}
    try:
        subject_levels(factors, values)
    except InputError as error:
        problems.extend(error.errors)
    return problems, values


def _allocate_from_blocks(
    uow: RandomizationUnitOfWork, actor: Actor, listing: Record, stratum: str, subject_id: int
) -> tuple[int, str, dict[str, Any]]:
    """Take the stratum's lowest unused position, holding the stratum's lock until commit."""
    uow.randomization.lock_stratum(listing["id"], stratum)
    entry = uow.randomization.claim_next_entry(listing["id"], stratum, subject_id)
    if entry is None:
        have = uow.randomization.strata(listing["id"]).get(stratum, 0)
        extend_stratum(uow, actor, listing, stratum, have + 1)
        entry = uow.randomization.claim_next_entry(listing["id"], stratum, subject_id)
        if entry is None:  # cannot happen while the stratum lock is held; refuse, save nothing
            raise IntegrityError(
                "the randomization list changed during allocation; nothing was saved"
            )
    # No details row: the block of a list allocation is on its list entry already.
    return int(entry["position"]), str(entry["arm"]), {}


def _allocate_by_minimization(
    uow: RandomizationUnitOfWork,
    listing: Record,
    spec: RandomizationSpec,
    values: Mapping[str, object],
) -> tuple[int, str, dict[str, Any]]:
    seed, _ = uow.randomization.secret(listing["id"])
    state = minimization_state(uow, listing["id"], spec)
    sequence = state.total + 1
    # One generator per allocation, from (seed, list, sequence number): verification replays it.
    rng = stratum_generator(seed, listing["list_code"], f"allocation-{sequence}")
    decision = minimize(spec, state, values, rng)
    for factor, level in decision.levels.items():
        uow.randomization.add_to_minimization_cell(listing["id"], factor, level, decision.arm)
    details = {
        "levels": dict(decision.levels),
        "scores": [list(pair) for pair in decision.scores],
        "probabilities": [list(pair) for pair in decision.probabilities],
        "preferred": list(decision.preferred),
    }
    return sequence, decision.arm, details


def _allocate(
    uow: RandomizationUnitOfWork,
    actor: Actor,
    subject: Record,
    listing: Record,
    spec: RandomizationSpec,
    stratum: str,
    values: Mapping[str, object],
    kind: str,
) -> AllocationRecord:
    """The writes of one allocation; the stratum (or list) lock is taken as late as possible."""
    subject_id = int(subject["id"])
    # The subject's state changes under its own row lock only, before the shared lock is taken.
    if subject["state"] == SubjectState.SCREENING.value:
        apply_transition(uow, actor, subject, SubjectState.ELIGIBLE, "eligible, randomized")
        subject = {**subject, "state": SubjectState.ELIGIBLE.value}
    apply_transition(uow, actor, subject, SubjectState.RANDOMIZED, "randomized")
    if spec.method is RandomizationMethod.STRATIFIED_BLOCKS:
        position, arm, details = _allocate_from_blocks(uow, actor, listing, stratum, subject_id)
    else:
        uow.randomization.lock_list(listing["id"])
        position, arm, details = _allocate_by_minimization(uow, listing, spec, values)
    now = uow.clock.now()
    allocation_id = uow.records.add(
        "allocations",
        {"subject_id": subject_id, "list_id": listing["id"], "stratum": stratum,
         "position": position, "arm": arm, "allocated_at": now,
         "allocated_by": actor.user_id, "is_error": False, "error_reason": None},
    )  # fmt: skip
    if details:
        uow.randomization.add_allocation_details(allocation_id, details)
    record = AllocationRecord(
        subject_id=subject["screening_number"], arm=arm, stratum=stratum,
        list_id=listing["list_code"], position=position, allocated_at=now,
        allocated_by=actor.username,
    )  # fmt: skip
    audit_event(
        uow, actor, AuditAction.INSERT, "allocations", allocation_id, subject_id=subject_id,
        new={name: getattr(record, name) for name in AllocationRecord.__slots__
             if name not in SITE_HIDDEN_FIELDS and getattr(record, name) != ()},
        reason=f"randomized ({kind} list)",
    )  # fmt: skip
    return record


def randomize_subject(
    uow: RandomizationUnitOfWork,
    *,
    as_user: int,
    subject_id: int,
    stratification: Mapping[str, object] | None = None,
    kind: str = ListKind.PRODUCTION,
) -> SiteVisibleAllocation:
    """Allocate a subject to an arm; returns only what a site may see.

    ``stratification`` holds values recorded at randomization (``baseline_grade``…); values
    missing there are taken from the latest screening record, and the site from the subject.
    """
    with uow:
        actor = load_actor(uow, as_user)
        # Locked as it is read, so the checks below see any request that went first.
        subject = require_subject(uow, actor, subject_id, Action.RANDOMIZE, for_update=True)
        listing = find_list(uow, kind)
        _, raw_spec = uow.randomization.secret(listing["id"])
        spec = spec_from_dict(raw_spec)
        factors = strata_factors(spec)
        if uow.records.find("allocations", subject_id=subject_id):
            raise StateError(
                f"subject {subject_id} is already randomized; an allocation is irrevocable"
            )
        if subject["state"] not in _RANDOMIZABLE:
            raise StateError(f"subject {subject_id} is {subject['state']} and cannot be randomized")
        problems, values = _readiness_problems(uow, subject, factors, stratification or {})
        if problems:
            raise InputError(problems)
        levels = subject_levels(factors, values)
        stratum = StratumKey(tuple((f.code, levels[f.code]) for f in factors)).code
        record = _allocate(uow, actor, subject, listing, spec, stratum, values, kind)
        uow.commit()
    return site_view(record)


def flag_allocation_error(
    uow: RandomizationUnitOfWork, *, as_user: int, subject_id: int, reason: str
) -> None:
    """Flag an allocation as made in error; it stays, and the subject stays in the ITT set."""
    why = require_reason(reason)
    with uow:
        actor = load_actor(uow, as_user)
        require_subject(uow, actor, subject_id, Action.RANDOMIZE)
        found = uow.records.find("allocations", subject_id=subject_id)
        if not found:
            raise StateError(f"subject {subject_id} has not been randomized")
        allocation = found[0]
        if allocation["is_error"]:
            raise StateError(f"the allocation of subject {subject_id} is already flagged")
        update_audited(
            uow, actor, "allocations", allocation, {"is_error": True, "error_reason": why},
            reason=why, subject_id=subject_id,
        )  # fmt: skip
        uow.commit()
