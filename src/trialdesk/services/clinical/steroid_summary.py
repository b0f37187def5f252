"""The corticosteroid line of the subject page: today's dose, cumulative exposure, milestones.

Computed from the subject's corticosteroid form records by the same rules as the analysis
(:func:`trialdesk.domain.steroid_exposure.steroid_exposure`), as of today on the site's calendar.
"""

from __future__ import annotations

from collections.abc import Sequence

from trialdesk.domain.errors import InputError
from trialdesk.domain.forms.derivations import FormContext
from trialdesk.domain.protocol import Protocol
from trialdesk.domain.steroid_exposure import (
    RE_ESCALATION_RULES,
    SteroidExposure,
    periods_from_records,
    steroid_exposure,
)
from trialdesk.services.accounts.site_zones import zone_of_subject
from trialdesk.services.clinical.edit_checks import today_of
from trialdesk.services.ports import Record, UnitOfWork

__all__ = ["STEROID_DERIVATION", "steroid_summary"]

#: The derivation that marks a protocol form as the corticosteroid log.
STEROID_DERIVATION = "corticosteroid_period"


def steroid_summary(
    uow: UnitOfWork,
    protocol: Protocol,
    subject_id: int,
    records: Sequence[Record],
    context: FormContext,
) -> SteroidExposure | None:
    """Exposure from study day 1 to today; ``None`` before day 1 or without steroid records.

    A record the exposure rules cannot read (a corrected record left inconsistent) leaves the
    line out rather than the page failing; the record itself still shows its values.
    """
    codes = {spec.code for spec in protocol.forms if spec.derive == STEROID_DERIVATION}
    values = [r["values"] for r in records if r["form"] in codes]
    if not values or context.day_one is None:
        return None
    today = today_of(uow, zone_of_subject(uow, subject_id, protocol.time_zone))
    if today < context.day_one:
        return None
    rule = str(protocol.form_settings.get("steroid_re_escalation", RE_ESCALATION_RULES[0]))
    try:
        return steroid_exposure(
            periods_from_records(values), context.day_one, context.weight_kg, as_of=today,
            re_escalation_rule=rule,
        )  # fmt: skip
    except InputError:
        return None
