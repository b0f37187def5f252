"""A record page's "History" section: the record's latest readable audit rows.

Shown on every record page (the fixed forms' and the protocol forms'), newest first, at most
:data:`HISTORY_ROWS`, with a link to the subject's audit trail filtered to the record.
"""

from __future__ import annotations

import urllib.parse
from typing import Any

from trialdesk.entrypoints.api.deps import ContextDep, Principal
from trialdesk.services.review.audit_readable import readable_audit

__all__ = ["HISTORY_ROWS", "record_history"]

#: How many of the record's latest changes its page shows.
HISTORY_ROWS = 20


def record_history(
    context: ContextDep, principal: Principal, subject_id: int, table: str, record_id: int
) -> dict[str, Any]:
    """Template values for ``subjects/_record_history.html``."""
    history = readable_audit(
        context.store.new_read_uow(), principal.user_id, subject_id, context.protocol,
        table=table, record_id=record_id, page_size=HISTORY_ROWS,
    )  # fmt: skip
    query = urllib.parse.urlencode({"table": table, "record_id": record_id})
    return {
        "history": history,
        "history_link": f"/subjects/{subject_id}/audit?{query}",
    }
