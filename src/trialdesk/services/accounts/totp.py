"""Time-based one-time codes (RFC 6238) and recovery codes, as the two-factor use cases need them.

Codes are 6 digits over 30-second steps (what authenticator apps use by default); a code from the
step before or after is accepted so a clock a few seconds off still works. The step a code matched
is returned so the caller can refuse any code from that step or earlier: a code seen over a
shoulder or replayed from a log is then worthless. Recovery codes are random (50 bits each) and
stored only as SHA-256 hashes, like API tokens: they are long and random, so a slow hash adds
nothing, and a hash can be looked up directly.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets

__all__ = [
    "RECOVERY_CODE_COUNT",
    "matching_step",
    "new_recovery_codes",
    "new_secret",
    "provisioning_uri",
    "recovery_code_hash",
]

RECOVERY_CODE_COUNT = 10
_ISSUER = "trialdesk"
_STEP_SECONDS = 30
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read off paper without doubt


def new_secret() -> str:
    """A fresh base32 secret (160 bits, as RFC 4226 recommends)."""
    import pyotp

    return pyotp.random_base32(length=32)


def provisioning_uri(secret: str, username: str) -> str:
    """The ``otpauth://`` address an authenticator app reads from the QR code."""
    import pyotp

    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=_ISSUER)


def matching_step(secret: str, code: str, now: dt.datetime, *, after: int | None) -> int | None:
    """The time step (± 1 around ``now``) whose code is ``code``, if later than ``after``."""
    import pyotp

    cleaned = code.replace(" ", "").strip()
    if len(cleaned) != 6 or not cleaned.isdigit():
        return None
    totp = pyotp.TOTP(secret, interval=_STEP_SECONDS)
    current = totp.timecode(now)
    for step in (current - 1, current, current + 1):
        if after is not None and step <= after:
            continue
        if hmac.compare_digest(totp.generate_otp(step), cleaned):
            return step
    return None


def new_recovery_codes() -> list[str]:
    """Ten codes such as ``k7mq-9xtd-ra``, each usable once instead of an app's code."""
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        raw = "".join(secrets.choice(_ALPHABET) for _ in range(10))
        codes.append(f"{raw[:4]}-{raw[4:8]}-{raw[8:]}")
    return codes


def recovery_code_hash(code: str) -> str:
    """What is stored of a recovery code; spaces, dashes and case do not matter."""
    normalised = code.replace("-", "").replace(" ", "").strip().lower()
    return hashlib.sha256(normalised.encode("utf-8")).hexdigest()
