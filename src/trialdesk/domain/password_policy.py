"""The password policy (21 CFR 11.300): length, variety, strength, and periodic change.

A password must be at least 12 characters, mix three kinds of character, not contain the
username, not be one of the passwords attackers try first, and score at least 3 of 4 on the
``zxcvbn`` strength estimator, which sees through patterns the class rules let pass
(``Password1234``, ``Welcome2026!``, ``Aa1!Aa1!Aa1!``). Each problem is reported on the field
``password`` with the reason, so the person choosing it knows what to change.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from trialdesk.domain.errors import FieldError

__all__ = ["COMMON_PASSWORDS", "PasswordPolicy", "password_expired"]

#: Passwords (compared without case, digits and symbols at the ends stripped) that attackers try
#: first; zxcvbn knows most of them too, this list keeps the refusal independent of its version.
COMMON_PASSWORDS: frozenset[str] = frozenset(
    {
        "password",
        "passw0rd",
        "p@ssword",
        "p@ssw0rd",
        "welcome",
        "welcome1",
        "letmein",
        "qwerty",
        "qwertyuiop",
        "asdfghjkl",
        "admin",
        "administrator",
        "changeme",
        "secret",
        "iloveyou",
        "monkey",
        "dragon",
        "football",
        "baseball",
        "sunshine",
        "princess",
        "trustno1",
        "master",
        "shadow",
        "superman",
        "batman",
        "starwars",
        "whatever",
        "freedom",
        "hello",
        "login",
        "abc123",
        "abcdef",
        "abcdefgh",
        "123456",
        "12345678",
        "123456789",
        "1234567890",
        "111111",
        "000000",
        "654321",
        "121212",
        "qwerty123",
        "password123",
        "welcome123",
        "admin123",
        "trialdesk",
        "hospital",
        "clinical",
        "research",
        "doctor",
        "nurse",
        "summer",
        "winter",
        "spring",
        "autumn",
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
        "monday",
        "friday",
        "letmein1",
        "zaq12wsx",
        "1qaz2wsx",
        "qazwsx",
    }
)

_STRIP = "0123456789!@#$%^&*()-_=+.,;:?~ "


@dataclass(frozen=True, slots=True)
class PasswordPolicy:
    """The rules every new password meets, on every path that sets one."""

    min_length: int = 12
    min_character_classes: int = 3
    #: zxcvbn's 0–4 scale: 3 is "safely unguessable" (about 10^8 guesses or more).
    min_strength: int = 3

    def problems(self, password: str, *, username: str) -> list[FieldError]:
        """Every way the password falls short, as field errors on ``password``."""
        found: list[FieldError] = []
        if len(password) < self.min_length:
            found.append(FieldError("password", f"must be at least {self.min_length} characters"))
        classes = sum(
            (
                any(c.islower() for c in password),
                any(c.isupper() for c in password),
                any(c.isdigit() for c in password),
                any(not c.isalnum() for c in password),
            )
        )
        if classes < self.min_character_classes:
            found.append(
                FieldError(
                    "password",
                    f"must mix at least {self.min_character_classes} of: lower case, upper case,"
                    " digits, symbols",
                )
            )
        if username and username.lower() in password.lower():
            found.append(FieldError("password", "must not contain the username"))
        if password.lower().strip(_STRIP) in COMMON_PASSWORDS:
            found.append(
                FieldError("password", "is one of the most common passwords; choose another")
            )
        elif password and not found:
            found.extend(self._strength_problems(password, username))
        return found

    def _strength_problems(self, password: str, username: str) -> list[FieldError]:
        # Imported here: the estimator loads large word lists (about 30 ms), and only the few
        # commands that set a password need it.
        from zxcvbn import zxcvbn

        estimate = zxcvbn(password[:100], user_inputs=[username, "trialdesk"])
        if int(estimate["score"]) >= self.min_strength:
            return []
        feedback = estimate.get("feedback") or {}
        warning = str(feedback.get("warning") or "").rstrip(".")
        why = f" ({warning.lower()})" if warning else ""
        return [
            FieldError(
                "password",
                f"is too easy to guess{why}; use a longer passphrase of uncommon words",
            )
        ]


def password_expired(changed_at: dt.datetime, now: dt.datetime, *, max_age_days: int) -> bool:
    """Whether a password set at ``changed_at`` must be changed now (``max_age_days=0``: never)."""
    return max_age_days > 0 and now - changed_at >= dt.timedelta(days=max_age_days)
