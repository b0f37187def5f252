"""Randomization lists: generated ahead by the statistician from a secret seed, stored, found.

A database holds at most one production and one test list; allocations name the list they came
from, so test allocations never mix with the trial's. The seed and the settings the list was made
with are stored apart from the list row and read only by code paths that act for the
statistician (generation, extension, verification) or that allocate; no use case returns them.

Strata known at generation (every site × every declared level) get ``length_per_stratum``
subjects' worth of whole blocks at once. A stratum opened later (a new site) or used up is
extended at allocation time from the same seed: the domain derives each stratum's generator from
(seed, list code, stratum) only, so the extension is exactly what generating it up front would
have produced, and verification regenerates it the same way.
"""

from __future__ import annotations

import hashlib
import itertools
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from trialdesk.domain.access import Action
from trialdesk.domain.audit import AuditAction
from trialdesk.domain.errors import InputError, NotFoundError, StateError
from trialdesk.domain.randomization import (
    ImbalanceMeasure,
    MinimizationFactor,
    MinimizationSpec,
    RandomizationMethod,
    RandomizationSpec,
    StratificationFactor,
    StratumKey,
    StratumLevel,
    generate_stratum_list,
    validate_list_seed,
    validate_spec,
)
from trialdesk.services.accounts.access import Actor, load_actor, require_action_anywhere
from trialdesk.services.clinical.recording import audit_event
from trialdesk.services.ports import Record
from trialdesk.services.randomization.randomization_ports import RandomizationUnitOfWork

__all__ = [
    "MAX_LENGTH_PER_STRATUM",
    "ListKind",
    "ListRead",
    "extend_stratum",
    "find_list",
    "generate_list",
    "seed_fingerprint",
    "spec_from_dict",
]

#: Enough for any one stratum of a trial this size, small enough to keep generation instant.
MAX_LENGTH_PER_STRATUM = 10_000


class ListKind:
    PRODUCTION = "production"
    TEST = "test"
    ALL = (PRODUCTION, TEST)


@dataclass(frozen=True, slots=True)
class ListRead:
    """What anyone allowed to manage lists may see of one: never the seed or the entries."""

    list_code: str
    kind: str
    method: str
    strata: int
    entries: int
    created_by: str


def seed_fingerprint(list_code: str, seed: int) -> str:
    """SHA-256 of list code and seed: detects a changed seed; shown to no one."""
    return hashlib.sha256(f"{list_code}:{seed}".encode()).hexdigest()


def _factor_to_dict(factor: StratificationFactor) -> dict[str, Any]:
    return {
        "code": factor.code,
        "label": factor.label,
        "source_field": factor.source_field,
        "levels": [
            {"code": lv.code, "label": lv.label, "values": list(lv.values)} for lv in factor.levels
        ],
    }


def _factor_from_dict(data: Mapping[str, Any]) -> StratificationFactor:
    levels = tuple(
        StratumLevel(lv["code"], lv["label"], tuple(lv["values"])) for lv in data["levels"]
    )
    return StratificationFactor(data["code"], data["label"], data["source_field"], levels)


def _spec_to_dict(spec: RandomizationSpec) -> dict[str, Any]:
    """The settings a list is generated with, as JSON, so a later protocol amendment cannot
    change how an existing list is verified or extended."""
    minimization = spec.minimization
    return {
        "method": spec.method.value,
        "ratio": [[arm, weight] for arm, weight in spec.ratio],
        "block_sizes": list(spec.block_sizes),
        "strata": [_factor_to_dict(f) for f in spec.strata],
        "minimization": None
        if minimization is None
        else {
            "factors": [
                {"factor": _factor_to_dict(f.factor), "weight": f.weight}
                for f in minimization.factors
            ],
            "imbalance": minimization.imbalance.value,
            "p_preferred": minimization.p_preferred,
        },
    }


def spec_from_dict(data: Mapping[str, Any]) -> RandomizationSpec:
    """Inverse of :func:`_spec_to_dict`."""
    raw_min = data["minimization"]
    minimization = (
        None
        if raw_min is None
        else MinimizationSpec(
            tuple(
                MinimizationFactor(_factor_from_dict(f["factor"]), float(f["weight"]))
                for f in raw_min["factors"]
            ),
            ImbalanceMeasure(raw_min["imbalance"]),
            float(raw_min["p_preferred"]),
        )
    )
    return RandomizationSpec(
        RandomizationMethod(data["method"]),
        tuple((str(arm), int(weight)) for arm, weight in data["ratio"]),
        tuple(int(size) for size in data["block_sizes"]),
        tuple(_factor_from_dict(f) for f in data["strata"]),
        minimization,
    )


def _kind(kind: str) -> str:
    if kind not in ListKind.ALL:
        raise InputError.single("kind", f"{kind!r} is not one of: {', '.join(ListKind.ALL)}")
    return kind


def find_list(uow: RandomizationUnitOfWork, kind: str) -> Record:
    """The list of this kind; refused, in words a site may read, when none was generated."""
    is_production = _kind(kind) == ListKind.PRODUCTION
    found = uow.records.find("randomization_lists", is_production=is_production)
    if not found:
        raise NotFoundError(f"no {kind} randomization list has been generated")
    return found[0]


def _known_strata(uow: RandomizationUnitOfWork, spec: RandomizationSpec) -> list[StratumKey]:
    """Every combination of declared levels; ``site`` takes the sites on record."""
    per_factor: list[list[tuple[str, str]]] = []
    for factor in spec.strata:
        if factor.levels:
            codes = [level.code for level in factor.levels]
        elif factor.source_field == "site":
            codes = [site["code"] for site in uow.records.find("sites")]
        else:  # values unknown ahead: these strata are generated when first needed
            return []
        per_factor.append([(factor.code, code) for code in codes])
    return [StratumKey(tuple(combo)) for combo in itertools.product(*per_factor)]


def _entry_rows(
    list_id: int, spec: RandomizationSpec, seed: int, code: str, stratum: str, start: int, end: int
) -> list[dict[str, Any]]:
    generated = generate_stratum_list(spec, seed, code, stratum, end)
    return [
        {
            "list_id": list_id,
            "stratum": e.stratum,
            "position": e.position,
            "block_number": e.block_number,
            "block_size": e.block_size,
            "arm": e.arm,
            "used_by_subject_id": None,
        }
        for e in generated[start:]
    ]


def extend_stratum(
    uow: RandomizationUnitOfWork, actor: Actor, listing: Record, stratum: str, minimum: int
) -> None:
    """Generate further whole blocks of a stratum from the seed, in the caller's transaction.

    The audit entry says that the stratum was extended but not by how much: the new length
    would show where a block ends.
    """
    seed, raw_spec = uow.randomization.secret(listing["id"])
    spec = spec_from_dict(raw_spec)
    have = uow.randomization.strata(listing["id"]).get(stratum, 0)
    rows = _entry_rows(listing["id"], spec, seed, listing["list_code"], stratum, have, minimum)
    uow.randomization.add_entries(rows)
    audit_event(
        uow, actor, AuditAction.INSERT, "randomization_list_entries", listing["list_code"],
        field="stratum", new=stratum, reason="stratum list generated from the list's seed",
    )  # fmt: skip


def generate_list(
    uow: RandomizationUnitOfWork,
    *,
    as_user: int,
    spec: RandomizationSpec,
    kind: str = ListKind.PRODUCTION,
    seed: int | None = None,
    length_per_stratum: int = 40,
    list_code: str | None = None,
    trial_code: str = "trial",
) -> ListRead:
    """Generate and store the production or test list (statistician only; audited).

    Without ``seed`` a fresh 128-bit seed is drawn from the operating system; it is stored for
    verification and never returned.
    """
    _kind(kind)
    validate_spec(spec)
    chosen_seed = secrets.randbits(128) if seed is None else validate_list_seed(seed)
    if not 1 <= length_per_stratum <= MAX_LENGTH_PER_STRATUM:
        raise InputError.single(
            "length_per_stratum", f"must be between 1 and {MAX_LENGTH_PER_STRATUM}"
        )
    code = (list_code or f"{trial_code}-{kind}").strip()
    if not code or len(code) > 64:
        raise InputError.single("list_code", "must be 1–64 characters")
    with uow:
        actor = load_actor(uow, as_user)
        require_action_anywhere(actor, Action.MANAGE_RANDOMIZATION_LISTS)
        is_production = kind == ListKind.PRODUCTION
        if uow.records.find("randomization_lists", is_production=is_production):
            raise StateError(
                f"a {kind} randomization list exists already; lists are never replaced"
            )
        if uow.records.find("randomization_lists", list_code=code):
            raise InputError.single("list_code", f"{code!r} is already used")
        list_id = uow.records.add(
            "randomization_lists",
            {"list_code": code, "is_production": is_production,
             "seed_hash": seed_fingerprint(code, chosen_seed), "method": spec.method.value,
             "created_at": uow.clock.now(), "created_by": actor.user_id},
        )  # fmt: skip
        uow.randomization.save_secret(list_id, chosen_seed, _spec_to_dict(spec))
        strata: list[StratumKey] = []
        if spec.method is RandomizationMethod.STRATIFIED_BLOCKS:
            strata = _known_strata(uow, spec)
            for stratum in strata:
                rows = _entry_rows(
                    list_id, spec, chosen_seed, code, stratum.code, 0, length_per_stratum
                )
                uow.randomization.add_entries(rows)
        entries = sum(uow.randomization.strata(list_id).values())
        audit_event(
            uow, actor, AuditAction.INSERT, "randomization_lists", list_id,
            new={"list_code": code, "kind": kind, "method": spec.method.value,
                 "strata": len(strata)},
            reason="randomization list generated from a secret seed",
        )  # fmt: skip
        uow.commit()
    return ListRead(code, kind, spec.method.value, len(strata), entries, actor.username)
