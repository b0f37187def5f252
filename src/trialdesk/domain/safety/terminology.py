"""CTCAE v5.0 terms with their MedDRA codes and system organ classes, and how an AE is coded.

The terminology is the NCI's list shipped as package data (``trialdesk/domain/data``; source and
public-domain status in its README). It is read once, on first use, so importing the domain stays
cheap for the command line.

Coding rule (one for the web form, the API, corrections and the demo):

- a chosen term (``meddra_code``) is stored with its CTCAE name, code and SOC;
- "Other, specify": the site types the event (``other_term``) and picks its SOC; the event is
  coded to that SOC's CTCAE "<SOC> - Other, specify" MedDRA code, and the typed text is kept as the
  term (so tables group it under the SOC, listed by its own text);
- a bare term without a code (the API of earlier versions) is coded when it is a CTCAE term's
  exact name (case-insensitive), otherwise stored uncoded, as rows saved before coding existed.
"""

from __future__ import annotations

import csv
import functools
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources

from trialdesk.domain.errors import InputError

__all__ = [
    "OTHER_SPECIFY",
    "CodedTerm",
    "CtcaeTerm",
    "CtcaeTerminology",
    "code_adverse_event_term",
    "ctcae_terminology",
    "fatal_adverse_event_term",
]

#: How CTCAE names the catch-all term of each system organ class.
OTHER_SPECIFY = " - Other, specify"

_WORD = re.compile(r"[0-9a-z]+")


@dataclass(frozen=True, slots=True)
class CtcaeTerm:
    """One CTCAE v5.0 term: its name, MedDRA system organ class and MedDRA LLT code."""

    term: str
    soc: str
    meddra_code: int
    definition: str

    @property
    def is_other_specify(self) -> bool:
        """The SOC's "Other, specify" term, which needs the event described in words."""
        return self.term.endswith(OTHER_SPECIFY)


def _words(text: str) -> tuple[str, ...]:
    return tuple(_WORD.findall(text.casefold()))


class CtcaeTerminology:
    """The terms, looked up by MedDRA code, by exact name and by words typed in any order."""

    def __init__(self, terms: tuple[CtcaeTerm, ...]) -> None:
        self.terms = terms
        self._by_code = {t.meddra_code: t for t in terms}
        self._by_name = {t.term.casefold(): t for t in terms}
        self._other = {t.soc: t for t in terms if t.is_other_specify}
        self._words = {t.meddra_code: _words(t.term) for t in terms}

    def __iter__(self) -> Iterator[CtcaeTerm]:
        return iter(self.terms)

    def __len__(self) -> int:
        return len(self.terms)

    @property
    def socs(self) -> tuple[str, ...]:
        """The system organ classes, alphabetical."""
        return tuple(sorted({t.soc for t in self.terms}))

    def find(self, meddra_code: int) -> CtcaeTerm | None:
        """The term with this MedDRA code, or ``None``."""
        return self._by_code.get(meddra_code)

    def by_code(self, meddra_code: int, *, field_name: str = "meddra_code") -> CtcaeTerm:
        """The term with this MedDRA code; an unknown code is refused naming ``field_name``."""
        found = self._by_code.get(meddra_code)
        if found is None:
            raise InputError.single(
                field_name, f"{meddra_code} is not the MedDRA code of a CTCAE v5.0 term"
            )
        return found

    def by_name(self, name: str) -> CtcaeTerm | None:
        """The term named exactly ``name`` (case and surrounding blanks ignored), or ``None``."""
        return self._by_name.get(name.strip().casefold())

    def other_specify(self, soc: str, *, field_name: str = "soc") -> CtcaeTerm:
        """The "Other, specify" term of ``soc``; an unknown SOC is refused naming the field."""
        found = self._other.get(soc.strip())
        if found is None:
            raise InputError.single(
                field_name, f"{soc!r} is not a MedDRA system organ class of CTCAE v5.0"
            )
        return found

    def search(self, query: str, *, limit: int = 20) -> list[CtcaeTerm]:
        """Terms matching every typed word as the start of one of their words, in any order.

        Case is ignored. Terms whose name starts with the query come first, then the others,
        each alphabetically. Digits alone look a MedDRA code up. An empty query finds nothing.
        """
        typed = _words(query)
        if not typed or limit < 1:
            return []
        if len(typed) == 1 and typed[0].isdigit():
            exact = self._by_code.get(int(typed[0]))
            return [exact] if exact is not None else []
        matches = [
            t for t in self.terms
            if all(any(w.startswith(q) for w in self._words[t.meddra_code]) for q in typed)
        ]  # fmt: skip
        head = " ".join(typed)
        matches.sort(key=lambda t: (not " ".join(self._words[t.meddra_code]).startswith(head),
                                    t.term.casefold()))  # fmt: skip
        return matches[:limit]


@functools.cache
def ctcae_terminology() -> CtcaeTerminology:
    """The 837 CTCAE v5.0 terms shipped with trialdesk (read once)."""
    text = (resources.files("trialdesk.domain") / "data" / "ctcae_v5_terms.csv").read_text("utf-8")
    terms = tuple(
        CtcaeTerm(row["term"], row["soc"], int(row["meddra_code"]), row["definition"])
        for row in csv.DictReader(io.StringIO(text))
    )
    return CtcaeTerminology(terms)


@dataclass(frozen=True, slots=True)
class CodedTerm:
    """An AE's term as stored: the text shown, and its MedDRA code and SOC (``None``: uncoded)."""

    term: str
    meddra_code: int | None
    soc: str | None

    @property
    def coded(self) -> bool:
        return self.meddra_code is not None


def code_adverse_event_term(
    *,
    meddra_code: int | None = None,
    other_term: str | None = None,
    soc: str | None = None,
    term: str | None = None,
) -> CodedTerm:
    """The stored term of an AE from what the site chose (see the module's coding rule).

    Refused, naming the field: an unknown code; an "Other, specify" code or a SOC without the
    event's text; text for "Other, specify" without its SOC or with an unknown one; a SOC that
    is not the chosen term's; nothing at all.
    """
    terminology = ctcae_terminology()
    other = (other_term or "").strip()
    if meddra_code is not None:
        chosen = terminology.by_code(meddra_code)
        if soc and soc.strip() != chosen.soc:
            raise InputError.single("soc", f"{chosen.term!r} belongs to {chosen.soc!r}")
        if chosen.is_other_specify:
            if not other:
                raise InputError.single("other_term", "describe the event for 'Other, specify'")
            return CodedTerm(other, chosen.meddra_code, chosen.soc)
        if other:
            raise InputError.single("other_term", "only with an 'Other, specify' term")
        return CodedTerm(chosen.term, chosen.meddra_code, chosen.soc)
    if other or soc:
        if not other:
            raise InputError.single("other_term", "describe the event for 'Other, specify'")
        if not (soc or "").strip():
            raise InputError.single("soc", "pick the system organ class of the event")
        catch_all = terminology.other_specify(soc or "")
        return CodedTerm(other, catch_all.meddra_code, catch_all.soc)
    text = (term or "").strip()
    if not text:
        raise InputError.single(
            "term",
            "is required: pick a CTCAE term from the list, or describe the event under "
            "'Other, specify'",
        )
    named = terminology.by_name(text)
    if named is not None and not named.is_other_specify:
        return CodedTerm(named.term, named.meddra_code, named.soc)
    return CodedTerm(text, None, None)


#: CTCAE terms a death certificate may name that are not adverse events of the treatment: the
#: course of the disease itself (CTCAE v5.0: "Disease progression", to be reported as such).
_NOT_ADVERSE_EVENTS = frozenset({"disease progression"})


def fatal_adverse_event_term(cause: str | None) -> CtcaeTerm | None:
    """The CTCAE term a death's recorded cause names, when that cause is an adverse event.

    A death is attributed to an adverse event when its cause is a CTCAE v5.0 term's exact name
    (case ignored), disease progression excepted; such a death should have a grade-5 AE of that
    subject. Free text ("relapse of the primary disease") is not attributed.
    """
    term = ctcae_terminology().by_name(cause or "")
    if term is None or term.is_other_specify or term.term.casefold() in _NOT_ADVERSE_EVENTS:
        return None
    return term
