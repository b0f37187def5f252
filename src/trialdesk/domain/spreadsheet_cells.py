"""Cells of exported CSV files that a spreadsheet would run as formulas, made inert.

A CSV opened in Excel, LibreOffice or Google Sheets treats a cell beginning with ``=``, ``+``,
``-`` or ``@`` (and, in some, a tab or carriage return before one) as a formula: an adverse
event's term typed as ``=HYPERLINK("http://…","details")`` would become a live link, and worse
formulas can read other cells or start programs (CSV injection). Every CSV trialdesk writes
passes its text cells through :func:`inert_cell`, which puts a ``'`` in front of such a value:
the spreadsheet then shows the text as typed, and a reader of the raw file sees it unchanged
but for the apostrophe.

Numbers are never touched, and neither is text that is just a number (``-2.5``, ``+3``,
``1e-6``): a spreadsheet reads those as numbers, not formulas, and an exported negative value
must stay a number.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TypeVar

__all__ = ["FORMULA_TRIGGERS", "inert_cell", "inert_row"]

#: First characters that make a spreadsheet read a cell as a formula.
FORMULA_TRIGGERS = frozenset("=+-@\t\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
_T = TypeVar("_T")
_K = TypeVar("_K")
_V = TypeVar("_V")


def inert_cell(value: _T) -> _T | str:
    """``value`` as a spreadsheet may open it safely: formula-like text gets a leading ``'``."""
    if not isinstance(value, str) or not value or value[0] not in FORMULA_TRIGGERS:
        return value
    if _PLAIN_NUMBER.fullmatch(value):
        return value
    return "'" + value


def inert_row(row: Mapping[_K, _V]) -> dict[_K, _V | str]:
    """A CSV row with every text cell passed through :func:`inert_cell`."""
    return {key: inert_cell(value) for key, value in row.items()}
