"""Text field types shared by every input schema.

No database stores a NUL character (PostgreSQL refuses it outright), and no form field needs a
control character, so every text input refuses them here, at the edge, with a field error.
Multi-line text (query messages, outcome details) may carry line breaks and tabs only.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

__all__ = ["Code", "Line", "Password", "Text"]

_SINGLE_LINE = r"^[^\x00-\x1f\x7f]*$"
_MULTI_LINE = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"

#: A short code (site, screening number, form version, arm, product, visit).
Code = Annotated[str, Field(min_length=1, max_length=32, pattern=_SINGLE_LINE)]
#: A line of text (a name, a term, a reason).
Line = Annotated[str, Field(min_length=1, max_length=200, pattern=_SINGLE_LINE)]
#: Free text of a few paragraphs (a query message).
Text = Annotated[str, Field(min_length=1, max_length=4000, pattern=_MULTI_LINE)]
#: A password as typed; its policy is checked by the account services.
Password = Annotated[str, Field(min_length=1, max_length=200, pattern=_SINGLE_LINE)]
