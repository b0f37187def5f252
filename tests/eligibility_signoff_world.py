"""Screening the way the protocol wants it: the site records, the investigator attests and signs.

The built-in protocol reserves IN1, EX1, EX2, EX4 and EX6 to the investigator at the subject's
site, and randomization needs the investigator's eligibility signature on the latest screening.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping

from trial_world import ELIGIBLE_ANSWERS, PASSWORD
from trialdesk.bootstrap import load_protocol
from trialdesk.domain.eligibility import investigator_fields
from trialdesk.domain.protocol import Protocol
from trialdesk.services.ports import UnitOfWork
from trialdesk.services.subjects import eligibility_signoff, subjects

#: Screening fields only an investigator answers (built-in protocol).
JUDGEMENT_FIELDS = frozenset(investigator_fields(load_protocol()))
#: The eligible answers a coordinator may record.
OBJECTIVE_ANSWERS = {k: v for k, v in ELIGIBLE_ANSWERS.items() if k not in JUDGEMENT_FIELDS}
#: The eligible answers of the investigator's judgement criteria.
JUDGEMENT_ANSWERS: dict[str, bool] = {
    k: bool(v) for k, v in ELIGIBLE_ANSWERS.items() if k in JUDGEMENT_FIELDS
}


def screen_and_sign(
    new_uow: Callable[[], UnitOfWork],
    *,
    subject_id: int,
    coordinator: int,
    investigator: int,
    screened_on: dt.date,
    protocol: Protocol,
    answers: Mapping[str, object] = ELIGIBLE_ANSWERS,
    password: str = PASSWORD,
) -> None:
    """The coordinator saves the objective answers; the investigator attests the rest and signs."""
    subjects.record_screening(
        new_uow(), as_user=coordinator, subject_id=subject_id, screened_on=screened_on,
        answers={k: v for k, v in answers.items() if k not in JUDGEMENT_FIELDS}, protocol=protocol,
    )  # fmt: skip
    eligibility_signoff.attest_criteria(
        new_uow(), as_user=investigator, subject_id=subject_id,
        answers={k: bool(v) for k, v in answers.items() if k in JUDGEMENT_FIELDS},
        protocol=protocol,
    )  # fmt: skip
    eligibility_signoff.sign_eligibility(
        new_uow(), as_user=investigator, subject_id=subject_id, password=password
    )
