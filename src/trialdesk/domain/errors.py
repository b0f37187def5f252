"""The trialdesk error tree.

Every error a user can cause is a :class:`TrialdeskError`; entrypoints translate them at the edge
(the CLI to an exit code and a message on stderr, the API to an HTTP status and a JSON body), so
no user ever sees a traceback::

    TrialdeskError              exit 1
    ├── InputError              exit 2   bad input; names each offending field
    │   └── ProtocolError       exit 2   a protocol file that does not describe a trial
    ├── ConfirmationRequiredError    exit 2   soft edit-check warnings not yet confirmed (HTTP 409)
    ├── NotFoundError           exit 3   no such record (also what an unauthorised reader sees)
    ├── PermissionDeniedError   exit 4   the user may see the record but not do this to it
    │   └── SignInIncompleteError        a session that still owes a sign-in step (HTTP 403)
    ├── AuthenticationError     exit 4   wrong credentials, locked account, expired session
    ├── StateError              exit 5   the action is not allowed in the record's current state
    └── IntegrityError          exit 6   stored data fails a consistency check (audit chain, lists)
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

__all__ = [
    "AuthenticationError",
    "ConfirmationRequiredError",
    "EditWarning",
    "FieldError",
    "InputError",
    "IntegrityError",
    "NotFoundError",
    "PermissionDeniedError",
    "ProtocolError",
    "SignInIncompleteError",
    "StateError",
    "TrialdeskError",
]


@dataclass(frozen=True, slots=True)
class FieldError:
    """One problem with one input field; ``field`` is a dotted path such as ``arms[1].dose``."""

    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message


class TrialdeskError(Exception):
    """Base of every error that trialdesk reports to a user."""

    #: Process exit code used by the command line for this family of errors.
    exit_code: int = 1
    #: HTTP status used by the API for this family of errors.
    http_status: int = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def to_dict(self) -> dict[str, object]:
        """Machine-readable form used by ``--json`` output and the API."""
        return {"error": type(self).__name__, "message": self.message}


class InputError(TrialdeskError):
    """Input that cannot be accepted; carries one :class:`FieldError` per offending field."""

    exit_code = 2
    http_status = 422

    def __init__(self, errors: FieldError | Iterable[FieldError]) -> None:
        self.errors: tuple[FieldError, ...] = (
            (errors,) if isinstance(errors, FieldError) else tuple(errors)
        )
        if not self.errors:
            raise ValueError("InputError needs at least one FieldError")
        super().__init__("; ".join(str(e) for e in self.errors))

    @classmethod
    def single(cls, field: str, message: str) -> InputError:
        """Shorthand for the common case of exactly one bad field."""
        return cls(FieldError(field, message))

    def to_dict(self) -> dict[str, object]:
        return {
            **super().to_dict(),
            "errors": [{"field": e.field, "message": e.message} for e in self.errors],
        }


class ProtocolError(InputError):
    """A protocol file that is not a valid, complete description of a trial."""


@dataclass(frozen=True, slots=True)
class EditWarning:
    """A soft edit-check finding: ``code`` is what the client sends back to confirm it."""

    code: str
    field: str
    message: str


class ConfirmationRequiredError(TrialdeskError):
    """Soft edit checks fired: nothing was saved until each is confirmed with a reason."""

    exit_code = 2
    http_status = 409

    def __init__(self, warnings: Iterable[EditWarning]) -> None:
        self.warnings: tuple[EditWarning, ...] = tuple(warnings)
        if not self.warnings:
            raise ValueError("ConfirmationRequiredError needs at least one warning")
        listed = "; ".join(f"{w.field}: {w.message} [{w.code}]" for w in self.warnings)
        super().__init__(f"confirm with a reason, or correct: {listed}")

    def to_dict(self) -> dict[str, object]:
        return {
            **super().to_dict(),
            "warnings": [
                {"code": w.code, "field": w.field, "message": w.message} for w in self.warnings
            ],
        }


class NotFoundError(TrialdeskError):
    """The record does not exist, or the user may not know that it exists."""

    exit_code = 3
    http_status = 404


class PermissionDeniedError(TrialdeskError):
    """The user may see the record but their role does not allow this action."""

    exit_code = 4
    http_status = 403


class SignInIncompleteError(PermissionDeniedError):
    """A session that passed the password but still owes a sign-in step (code, new password).

    ``step`` names the step; pages send the browser to it, the API answers 403 with the message.
    """

    def __init__(self, step: str, message: str) -> None:
        super().__init__(message)
        self.step = step


class AuthenticationError(TrialdeskError):
    """Credentials were wrong, the account is locked or the session has expired."""

    exit_code = 4
    http_status = 401


class StateError(TrialdeskError):
    """The action is not allowed in the record's current state (locked, signed, wrong stage)."""

    exit_code = 5
    http_status = 409


class IntegrityError(TrialdeskError):
    """Stored data failed a consistency check, e.g. a broken audit hash chain."""

    exit_code = 6
    http_status = 500
