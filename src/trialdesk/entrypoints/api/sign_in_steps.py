"""What a session that still owes a sign-in step may reach: that step's page, and nothing else.

A password alone opens a session; a second factor, a one-time or expired password, or a missing
two-factor enrolment keeps it in a pending step (``services.sign_in``). Pages send the browser to
the step's page; the API answers 403, except that a session owing a password change may read
``/me`` and change the password there. API tokens never carry a pending step.
"""

from __future__ import annotations

from trialdesk.domain.errors import SignInIncompleteError
from trialdesk.services.accounts.sign_in import SignInStep

__all__ = ["STEP_PAGES", "refuse_unless_reachable"]

#: The page of each step.
STEP_PAGES = {
    SignInStep.TWO_FACTOR: "/login/two-factor",
    SignInStep.CHANGE_PASSWORD: "/account/password",
    SignInStep.ENROL_TWO_FACTOR: "/account/two-factor",
}
_WHAT = {
    SignInStep.TWO_FACTOR: "enter your two-factor code",
    SignInStep.CHANGE_PASSWORD: "change your password",
    SignInStep.ENROL_TWO_FACTOR: "set up two-factor sign-in",
}
#: API paths a session owing each step may use.
_API_PATHS = {
    SignInStep.CHANGE_PASSWORD: frozenset({"/api/v1/me", "/api/v1/me/password"}),
}


def refuse_unless_reachable(step: str | None, path: str) -> None:
    """Raise unless a session in ``step`` may reach ``path`` (always, once signed in fully)."""
    if step is None or path == "/logout":
        return
    if path == STEP_PAGES.get(step) or path in _API_PATHS.get(step, frozenset()):
        return
    what = _WHAT.get(step, "finish signing in")
    raise SignInIncompleteError(
        step, f"Finish signing in first: {what} at {STEP_PAGES.get(step, '/login')}."
    )
