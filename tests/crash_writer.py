"""Child process of the crash test: records audited visits until killed.

Prints each visit id only after its transaction has committed, so every printed id is an
acknowledged write that must survive a SIGKILL.
"""

from __future__ import annotations

import datetime as dt
import sys

from trialdesk.bootstrap import build_store
from trialdesk.services.clinical import clinical


def main(url: str, user_id: int, subject_id: int) -> None:
    store = build_store(url)
    number = 0
    while True:
        number += 1
        visit_id = clinical.record_visit(
            store.new_uow(), as_user=user_id, subject_id=subject_id,
            visit_code=f"V{number}", visit_date=dt.date(2026, 3, 1),
        )  # fmt: skip
        sys.stdout.write(f"{visit_id}\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))
