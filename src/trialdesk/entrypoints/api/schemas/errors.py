"""The one error body every API failure has."""

from __future__ import annotations

from pydantic import BaseModel

from trialdesk.domain.errors import ConfirmationRequiredError, TrialdeskError

__all__ = ["ERROR_RESPONSES", "ErrorRead", "FieldErrorRead", "WarningRead"]


class FieldErrorRead(BaseModel):
    field: str
    message: str


class WarningRead(BaseModel):
    """A soft edit-check warning; send ``code`` back in ``confirm`` (with a reason) to save."""

    code: str
    field: str
    message: str


class ErrorRead(BaseModel):
    """``error`` is the error family (``InputError``, ``NotFoundError``…); ``errors`` names fields.

    ``errors`` lists one entry per offending field and is empty for errors about no field;
    ``warnings`` lists the unconfirmed edit-check warnings of a ``ConfirmationRequiredError``
    (409) and is empty otherwise.
    """

    error: str
    message: str
    errors: list[FieldErrorRead]
    warnings: list[WarningRead] = []

    @classmethod
    def of(cls, error: TrialdeskError) -> ErrorRead:
        fields = getattr(error, "errors", ())
        warnings = error.warnings if isinstance(error, ConfirmationRequiredError) else ()
        return cls(
            error=type(error).__name__,
            message=error.message,
            errors=[FieldErrorRead(field=e.field, message=e.message) for e in fields],
            warnings=[WarningRead(code=w.code, field=w.field, message=w.message) for w in warnings],
        )


def _documented(description: str) -> dict[str, object]:
    return {"model": ErrorRead, "description": description}


#: Error responses every authenticated operation may give, for the OpenAPI document.
ERROR_RESPONSES: dict[int | str, dict[str, object]] = {
    400: _documented("The request cannot be processed"),
    401: _documented("Not logged in, session expired, or the API token is invalid"),
    403: _documented("Your roles do not allow this, or the CSRF token is missing"),
    404: _documented("No such record, or not one you may see"),
    409: _documented(
        "Not allowed in the record's current state, or edit-check warnings to confirm "
        "(`warnings`; resend with `confirm` and `reason`)"
    ),
    422: _documented("Invalid input; each problem names its field"),
}
