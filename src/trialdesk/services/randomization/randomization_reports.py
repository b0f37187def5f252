"""Reading lists back: verification from the seed, the audited export, balance and list usage.

Who sees what: verification and list usage are the statistician's (they involve the seed and how
far each stratum's list reaches); the full export is the statistician's and the sponsor
administrator's and is itself audited; balance by arm (overall, per stratum, per site) is for
anyone who may see aggregates. None of these is open to site roles.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

from trialdesk.domain.access import Action
from trialdesk.domain.audit import AuditAction
from trialdesk.domain.randomization import (
    AllocationRecord,
    Discrepancy,
    ListEntry,
    MinimizationState,
    RandomizationMethod,
    RandomizationSpec,
    minimize,
    stratum_generator,
    verify_allocations,
    verify_list,
)
from trialdesk.services.accounts.access import load_actor, require_action_anywhere
from trialdesk.services.clinical.recording import audit_event
from trialdesk.services.ports import Record
from trialdesk.services.randomization.randomization import strata_factors
from trialdesk.services.randomization.randomization_lists import (
    ListKind,
    find_list,
    seed_fingerprint,
    spec_from_dict,
)
from trialdesk.services.randomization.randomization_ports import RandomizationUnitOfWork

__all__ = [
    "ArmCounts",
    "BalanceReport",
    "ExportRow",
    "ListVerification",
    "StratumUsage",
    "balance_report",
    "export_list",
    "verify_randomization",
]


@dataclass(frozen=True, slots=True)
class ListVerification:
    list_code: str
    kind: str
    method: str
    entries_checked: int
    allocations_checked: int
    discrepancies: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.discrepancies


@dataclass(frozen=True, slots=True)
class ExportRow:
    stratum: str
    position: int
    block_number: int | None
    block_size: int | None
    arm: str
    subject: str | None
    allocated_at: str | None
    allocated_by: str | None
    is_error: bool | None


@dataclass(frozen=True, slots=True)
class ArmCounts:
    group: str
    counts: dict[str, int]
    total: int
    imbalance: int  #: largest minus smallest count across arms


@dataclass(frozen=True, slots=True)
class StratumUsage:
    stratum: str
    generated: int
    used: int


@dataclass(frozen=True, slots=True)
class BalanceReport:
    list_code: str
    kind: str
    allocations: int
    flagged_in_error: int
    overall: ArmCounts
    by_stratum: tuple[ArmCounts, ...]
    by_site: tuple[ArmCounts, ...]
    usage: tuple[StratumUsage, ...] | None  #: statistician only


def _entry(row: Record, list_code: str) -> ListEntry:
    return ListEntry(
        list_code,
        row["stratum"],
        row["position"],
        row["block_number"],
        row["block_size"],
        row["arm"],
    )


def _records(
    uow: RandomizationUnitOfWork, listing: Record
) -> list[tuple[Record, AllocationRecord]]:
    rows = uow.records.find("allocations", list_id=listing["id"])
    subjects = {s["id"]: s["screening_number"] for s in uow.records.find("subjects")}
    return [
        (
            row,
            AllocationRecord(
                subject_id=subjects.get(row["subject_id"], str(row["subject_id"])),
                arm=row["arm"],
                stratum=row["stratum"],
                list_id=listing["list_code"],
                position=row["position"],
                allocated_at=row["allocated_at"],
                allocated_by=str(row["allocated_by"]),
            ),
        )
        for row in rows
    ]


def _replay_minimization(
    uow: RandomizationUnitOfWork, listing: Record, spec: RandomizationSpec, seed: int
) -> list[str]:
    """Re-run every minimization decision in allocation order from the seed."""
    details = uow.randomization.allocation_details(listing["id"])
    state = MinimizationState.empty(spec)
    problems: list[str] = []
    factor_fields = {f.code: f.source_field for f in strata_factors(spec)}
    for sequence, (row, record) in enumerate(_records(uow, listing), start=1):
        levels = details.get(row["id"], {}).get("levels", {})
        values = {factor_fields[code]: level for code, level in levels.items()}
        rng = stratum_generator(seed, listing["list_code"], f"allocation-{sequence}")
        decision = minimize(spec, state, values, rng)
        if row["position"] != sequence:
            problems.append(f"{record.stratum} #{row['position']}: expected sequence {sequence}")
        if decision.arm != row["arm"]:
            problems.append(
                f"{record.stratum} #{row['position']}: subject {record.subject_id} got "
                f"{row['arm']!r}, the seed gives {decision.arm!r}"
            )
        state = state.with_allocation(levels, row["arm"])
    stored = {
        (c["factor"], c["level"], c["arm"]): c["count"]
        for c in uow.randomization.minimization_counts(listing["id"])
    }
    for (factor, level), counts in state.counts.items():
        for arm, count in zip(state.arms, counts, strict=True):
            if stored.get((factor, level, arm), 0) != count:
                problems.append(f"minimization count {factor}={level}/{arm} does not match")
    return problems


def verify_randomization(
    uow: RandomizationUnitOfWork, *, as_user: int, kind: str = ListKind.PRODUCTION
) -> ListVerification:
    """Regenerate the list from its seed; compare with the stored list and the allocations."""
    with uow:
        actor = load_actor(uow, as_user)
        require_action_anywhere(actor, Action.MANAGE_RANDOMIZATION_LISTS)
        listing = find_list(uow, kind)
        code = listing["list_code"]
        seed, raw_spec = uow.randomization.secret(listing["id"])
        spec = spec_from_dict(raw_spec)
        problems: list[str] = []
        if seed_fingerprint(code, seed) != listing["seed_hash"]:
            problems.append("the stored seed does not match the seed the list was generated with")
        stored_rows = uow.randomization.entries(listing["id"])
        allocated = _records(uow, listing)
        if spec.method is RandomizationMethod.STRATIFIED_BLOCKS:
            stored = [_entry(row, code) for row in stored_rows]
            problems += [str(d) for d in verify_list(spec, seed, code, stored).discrepancies]
            report = verify_allocations(code, stored, [record for _, record in allocated])
            problems += [str(d) for d in report.discrepancies]
            problems += _usage_marks(stored_rows, allocated)
        else:
            problems += _replay_minimization(uow, listing, spec, seed)
    return ListVerification(
        code, kind, spec.method.value, len(stored_rows), len(allocated), tuple(problems)
    )


def _usage_marks(
    stored_rows: list[Record], allocated: list[tuple[Record, AllocationRecord]]
) -> list[str]:
    """Each used list entry names the subject allocated at its position, and vice versa."""
    by_place = {(row["stratum"], row["position"]): row["subject_id"] for row, _ in allocated}
    problems = []
    for entry in stored_rows:
        place = (entry["stratum"], entry["position"])
        if entry["used_by_subject_id"] != by_place.get(place):
            problems.append(
                str(Discrepancy(*place, "marked used by a different subject than allocated"))
            )
    return problems


def export_list(
    uow: RandomizationUnitOfWork, *, as_user: int, kind: str = ListKind.PRODUCTION
) -> list[ExportRow]:
    """The whole list with its use (statistician and sponsor administrator; audited)."""
    with uow:
        actor = load_actor(uow, as_user)
        require_action_anywhere(actor, Action.EXPORT_RANDOMIZATION_LIST)
        listing = find_list(uow, kind)
        subjects = {s["id"]: s["screening_number"] for s in uow.records.find("subjects")}
        users = {u["id"]: u["username"] for u in uow.records.find("users")}
        allocations = {
            row["subject_id"]: row for row in uow.records.find("allocations", list_id=listing["id"])
        }
        rows: list[ExportRow] = []
        if listing["method"] == RandomizationMethod.STRATIFIED_BLOCKS.value:
            for entry in uow.randomization.entries(listing["id"]):
                used = allocations.get(entry["used_by_subject_id"])
                rows.append(_export_row(entry, used, subjects, users))
        else:
            for used in sorted(allocations.values(), key=lambda a: a["position"]):
                rows.append(_export_row(None, used, subjects, users))
        audit_event(
            uow, actor, AuditAction.EXPORT, "randomization_lists", listing["list_code"],
            new={"rows": len(rows)}, reason=f"{kind} randomization list exported",
        )  # fmt: skip
        uow.commit()
    return rows


def _export_row(
    entry: Record | None, used: Record | None, subjects: dict[int, str], users: dict[int, str]
) -> ExportRow:
    source = entry if entry is not None else used
    assert source is not None
    return ExportRow(
        stratum=source["stratum"],
        position=source["position"],
        block_number=None if entry is None else entry["block_number"],
        block_size=None if entry is None else entry["block_size"],
        arm=source["arm"],
        subject=None if used is None else subjects.get(used["subject_id"]),
        allocated_at=None if used is None else used["allocated_at"].isoformat(),
        allocated_by=None if used is None else users.get(used["allocated_by"]),
        is_error=None if used is None else bool(used["is_error"]),
    )


def _counts(group: str, arms: tuple[str, ...], allocated: Counter[str]) -> ArmCounts:
    counts = {arm: allocated.get(arm, 0) for arm in arms}
    values = list(counts.values())
    return ArmCounts(group, counts, sum(values), max(values) - min(values))


def balance_report(
    uow: RandomizationUnitOfWork, *, as_user: int, kind: str = ListKind.PRODUCTION
) -> BalanceReport:
    """Allocations by arm overall, per stratum and per site; list usage for the statistician.

    Allocations flagged as made in error still count: the subject stays in the ITT population.
    """
    with uow:
        actor = load_actor(uow, as_user)
        require_action_anywhere(actor, Action.VIEW_AGGREGATES)
        listing = find_list(uow, kind)
        _, raw_spec = uow.randomization.secret(listing["id"])
        arms = tuple(arm for arm, _ in spec_from_dict(raw_spec).ratio)
        rows = uow.records.find("allocations", list_id=listing["id"])
        site_of = {s["id"]: s["site_id"] for s in uow.records.find("subjects")}
        site_code = {s["id"]: s["code"] for s in uow.records.find("sites")}
        per_stratum: dict[str, Counter[str]] = defaultdict(Counter)
        per_site: dict[str, Counter[str]] = defaultdict(Counter)
        for row in rows:
            per_stratum[row["stratum"]][row["arm"]] += 1
            per_site[site_code[site_of[row["subject_id"]]]][row["arm"]] += 1
        usage = None
        if actor.may_anywhere(Action.MANAGE_RANDOMIZATION_LISTS):
            used = Counter(row["stratum"] for row in rows)
            generated = uow.randomization.strata(listing["id"])
            usage = tuple(
                StratumUsage(s, generated.get(s, 0), used.get(s, 0))
                for s in sorted(set(generated) | set(used))
            )
    return BalanceReport(
        list_code=listing["list_code"],
        kind=kind,
        allocations=len(rows),
        flagged_in_error=sum(1 for row in rows if row["is_error"]),
        overall=_counts("overall", arms, Counter(row["arm"] for row in rows)),
        by_stratum=tuple(_counts(s, arms, c) for s, c in sorted(per_stratum.items())),
        by_site=tuple(_counts(s, arms, c) for s, c in sorted(per_site.items())),
        usage=usage,
    )
