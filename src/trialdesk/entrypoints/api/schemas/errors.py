"""The one error body every API failure has."""

from __future__ import annotations

from pydantic import BaseModel

from trialdesk.domain.errors import TrialdeskError

__all__ = ["ERROR_RESPONSES", "ErrorRead", "FieldErrorRead"]


class FieldErrorRead(BaseModel):
    field: str
    message: str


class ErrorRead(BaseModel):
    """``error`` is the error family (``InputError``, ``NotFoundError``…); ``errors`` names fields.

    ``errors`` lists one entry per offending field and is empty for errors about no field.
    """

    error: str
    message: str
    errors: list[FieldErrorRead]

    @classmethod
    def of(cls, error: TrialdeskError) -> ErrorRead:
        fields = getattr(error, "errors", ())
        return cls(
            error=type(error).__name__,
            message=error.message,
            errors=[FieldErrorRead(field=e.field, message=e.message) for e in fields],
        )


def _documented(description: str) -> dict[str, object]:
    return {"model": ErrorRead, "description": description}


#: Error responses every authenticated operation may give, for the OpenAPI document.
ERROR_RESPONSES: dict[int | str, dict[str, object]] = {
    400: _documented("The request cannot be processed"),
    401: _documented("Not logged in, session expired, or the API token is invalid"),
    403: _documented("Your roles do not allow this, or the CSRF token is missing"),
    404: _documented("No such record, or not one you may see"),
    409: _documented("Not allowed in the record's current state"),
    422: _documented("Invalid input; each problem names its field"),
}
