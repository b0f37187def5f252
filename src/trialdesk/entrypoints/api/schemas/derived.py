"""Write schemas of raw values: whatever trialdesk derives is refused when a client sends it.

Derived clinical values (stages, grade, response, eligibility, planned dose, window status,
seriousness…) are computed by the domain at save time. A client that sends one would otherwise
see it dropped silently and might believe it was stored, so a schema names its derived
counterparts in ``derived_fields`` (field → what trialdesk derives it from) and such a field is
a 422 naming it: ``grade is derived by trialdesk from the organ stages; do not send it``. Any
other unknown field is refused too (``extra="forbid"``), so a misspelt name never passes either.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, ValidationError, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

__all__ = ["RawInput"]


class RawInput(BaseModel):
    """A write schema of raw values; subclasses list the names trialdesk derives."""

    model_config = ConfigDict(extra="forbid")

    #: Field a client must not send → what trialdesk derives it from.
    derived_fields: ClassVar[Mapping[str, str]] = {}

    @model_validator(mode="wrap")
    @classmethod
    def _refuse_derived(cls, data: Any, handler: Callable[[Any], Any]) -> Any:
        if isinstance(data, Mapping):
            sent = [name for name in cls.derived_fields if name in data]
            if sent:
                raise ValidationError.from_exception_data(
                    cls.__name__,
                    [
                        InitErrorDetails(
                            type=PydanticCustomError(
                                "derived_value",
                                "{field} is derived by trialdesk from {source}; do not send it",
                                {"field": name, "source": cls.derived_fields[name]},
                            ),
                            loc=(name,),
                            input=data[name],
                        )
                        for name in sent
                    ],
                )
        return handler(data)
