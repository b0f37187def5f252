"""Numbering of the report's tables and figures, and the list of them after the title.

Every section writes its captions without a number (``<caption class="td-caption">Overall
survival</caption>``); this pass, run on the rendered HTML, makes them "Table 3. Overall
survival" and "Figure 2. …" in document order, gives each an anchor, and fills the list of
tables and figures. The numbers are real text, not CSS counters, so a reader of the HTML, a
PDF text extractor and a screen reader all see them, and the PDF's list shows page numbers by
WeasyPrint's ``target-counter``.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from html.parser import HTMLParser

__all__ = ["LIST_MARKER", "Caption", "number_captions"]

#: Where the template wants the list of tables and figures.
LIST_MARKER = "<!-- td:list-of-tables-and-figures -->"
_KINDS = {"caption": "Table", "figcaption": "Figure"}


@dataclass(frozen=True, slots=True)
class Caption:
    """One numbered caption: "Table" or "Figure", its number, anchor and title text."""

    kind: str
    number: int
    anchor: str
    title: str


class _CaptionFinder(HTMLParser):
    """Finds every ``caption``/``figcaption`` with class ``td-caption``: the character offset
    just after its start tag, and its text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, tuple[int, int], str, str]] = []
        self._open: tuple[str, tuple[int, int], str] | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = (dict(attrs).get("class") or "").split()
        if tag in _KINDS and "td-caption" in classes:
            self._open = (tag, self.getpos(), self.get_starttag_text() or "")
            self._text = []

    def handle_endtag(self, tag: str) -> None:
        if self._open is not None and tag == self._open[0]:
            title = " ".join("".join(self._text).split())
            self.found.append((*self._open, title))
            self._open = None

    def handle_data(self, data: str) -> None:
        if self._open is not None:
            self._text.append(data)


def _offsets(html: str) -> list[int]:
    """Character offset of the start of each line (HTMLParser reports line, column)."""
    starts, total = [0], 0
    for line in html.splitlines(keepends=True):
        total += len(line)
        starts.append(total)
    return starts


def number_captions(html: str) -> tuple[str, list[Caption]]:
    """The HTML with every ``td-caption`` numbered and anchored, the list of tables and figures
    written at :data:`LIST_MARKER`, and the captions in document order."""
    finder = _CaptionFinder()
    finder.feed(html)
    finder.close()
    line_starts = _offsets(html)
    counters = dict.fromkeys(_KINDS.values(), 0)
    captions: list[Caption] = []
    pieces: list[str] = []
    cursor = 0
    for tag, (line, column), start_tag, title in finder.found:
        kind = _KINDS[tag]
        counters[kind] += 1
        caption = Caption(kind, counters[kind], f"{kind.lower()}-{counters[kind]}", title)
        captions.append(caption)
        start = line_starts[line - 1] + column
        end = start + len(start_tag)
        # The anchor goes on the caption itself; the number is plain text before the title.
        pieces.append(html[cursor : end - 1])
        pieces.append(f' id="{caption.anchor}">{kind} {caption.number}. ')
        cursor = end
    pieces.append(html[cursor:])
    numbered = "".join(pieces)
    return numbered.replace(LIST_MARKER, _list_html(captions), 1), captions


def _list_html(captions: list[Caption]) -> str:
    if not captions:
        return ""
    blocks = []
    for kind, heading in (("Table", "List of tables"), ("Figure", "List of figures")):
        items = [c for c in captions if c.kind == kind]
        if not items:
            continue
        lines = "".join(
            f'<li><a href="#{c.anchor}">{kind} {c.number}. {escape(c.title)}</a></li>'
            for c in items
        )
        blocks.append(f'<h3>{heading}</h3><ol class="td-contents">{lines}</ol>')
    return '<nav class="td-list" id="list-of-tables-and-figures">' + "".join(blocks) + "</nav>"
