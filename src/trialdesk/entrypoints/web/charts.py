"""Small inline SVG charts for the dashboard: drawn on the server, no JavaScript, no library.

Each function returns markup ready to place in a template; every label is escaped. Charts carry a
``<title>`` and ``role="img"`` with an ``aria-label``, and the pages show the same figures in a
table beside them, so nothing is only in the picture.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence

from markupsafe import Markup, escape

__all__ = ["enrollment_chart", "stacked_bars"]

#: Arm colours in protocol order (colour-blind safe pair, then neutrals).
_PALETTE = ("#1f5fa8", "#e08a1e", "#6a3d9a", "#33a02c", "#8c8c8c")
_WIDTH, _HEIGHT = 640, 220
_LEFT, _RIGHT, _TOP, _BOTTOM = 44, 16, 14, 30
#: Legend: 12 px text; a generous average glyph width, so an estimated label is never shorter
#: than the drawn one (the SVG is laid out on the server, where no font can be measured).
_LEGEND_FONT, _GLYPH_EM, _SWATCH, _LEGEND_GAP, _LEGEND_LINE = 12, 0.62, 12, 24, 18


def _svg(label: str, body: str, height: int = _HEIGHT) -> Markup:
    title = escape(label)
    return Markup(
        f'<svg class="chart" role="img" aria-label="{title}" viewBox="0 0 {_WIDTH} {height}" '
        f'width="100%" xmlns="http://www.w3.org/2000/svg"><title>{title}</title>{body}</svg>'
    )


def enrollment_chart(points: Sequence[tuple[dt.date, int]], target: int, today: dt.date) -> Markup:
    """Cumulative randomized subjects over time as a step line, with the target as a dashed line."""
    start = points[0][0] if points else today
    span = max((today - start).days, 1)
    top = max(target, points[-1][1] if points else 0)
    plot_w, plot_h = _WIDTH - _LEFT - _RIGHT, _HEIGHT - _TOP - _BOTTOM

    def x(day: dt.date) -> float:
        return _LEFT + plot_w * (day - start).days / span

    def y(count: int) -> float:
        return _TOP + plot_h * (1 - count / top)

    steps, last = [f"{_LEFT:.1f},{y(0):.1f}"], 0
    for day, count in points:
        # A step: along at the previous count to the day, then up to the new count.
        steps += [f"{x(day):.1f},{y(last):.1f}", f"{x(day):.1f},{y(count):.1f}"]
        last = count
    steps.append(f"{x(today):.1f},{y(last):.1f}")
    body = (
        f'<line x1="{_LEFT}" y1="{y(0):.1f}" x2="{_WIDTH - _RIGHT}" y2="{y(0):.1f}" '
        'stroke="#5b6475"/>'
        f'<line x1="{_LEFT}" y1="{y(target):.1f}" x2="{_WIDTH - _RIGHT}" y2="{y(target):.1f}" '
        'stroke="#b3261e" stroke-dasharray="6 4"/>'
        f'<text x="{_WIDTH - _RIGHT}" y="{y(target) - 4:.1f}" text-anchor="end" font-size="12" '
        f'fill="#b3261e">target {target}</text>'
        f'<polyline class="enrolled" fill="none" stroke="{_PALETTE[0]}" stroke-width="2.5" '
        f'points="{" ".join(steps)}"/>'
        f'<text x="{_LEFT - 6}" y="{y(0) + 4:.1f}" text-anchor="end" font-size="12">0</text>'
        f'<text x="{_LEFT - 6}" y="{y(top) + 4:.1f}" text-anchor="end" font-size="12">{top}</text>'
        f'<text x="{_LEFT}" y="{_HEIGHT - 8}" font-size="12">{start.isoformat()}</text>'
        f'<text x="{_WIDTH - _RIGHT}" y="{_HEIGHT - 8}" text-anchor="end" font-size="12">'
        f"{today.isoformat()}</text>"
    )
    return _svg(f"Randomized: {last} of the target {target}", body)


def _text_width(text: str, font_size: int) -> float:
    """Estimated rendered width of ``text`` (upper bound for the sans-serif faces in use)."""
    return len(text) * font_size * _GLYPH_EM


def _legend(
    series: Sequence[str], left: float, right: float, top: float
) -> tuple[list[str], float]:
    """Swatch-and-label items flowed left to right, wrapping to a new line before ``right``.

    Each item is as wide as its swatch plus its estimated label, so no label runs into the next
    swatch. Returns the markup and the height used.
    """
    parts: list[str] = []
    x, line = left, 0
    for colour, name in zip(_PALETTE, series, strict=False):
        width = _SWATCH + 4 + _text_width(name, _LEGEND_FONT)
        if x > left and x + width > right:
            x, line = left, line + 1
        baseline = top + line * _LEGEND_LINE + _SWATCH
        parts.append(
            f'<g class="legend-item"><rect x="{x:.1f}" y="{baseline - _SWATCH + 1:.1f}" '
            f'width="{_SWATCH}" height="{_SWATCH}" fill="{colour}"/>'
            f'<text x="{x + _SWATCH + 4:.1f}" y="{baseline:.1f}" font-size="{_LEGEND_FONT}">'
            f"{escape(name)}</text></g>"
        )
        x += width + _LEGEND_GAP
    return parts, (line + 1) * _LEGEND_LINE


def stacked_bars(
    title: str, rows: Sequence[tuple[str, Mapping[str, int]]], series: Sequence[str]
) -> Markup:
    """One horizontal bar per row, stacked by series (e.g. subjects per site by arm)."""
    row_h, label_w = 26, 150
    bars_end = _TOP + row_h * max(len(rows), 1)
    widest = max((sum(values.values()) for _, values in rows), default=0) or 1
    plot_w = _WIDTH - label_w - _RIGHT - 40
    parts: list[str] = []
    for i, (label, values) in enumerate(rows):
        top = _TOP + i * row_h
        parts.append(
            f'<text x="{label_w - 8}" y="{top + 17}" text-anchor="end" font-size="13">'
            f"{escape(label)}</text>"
        )
        left = float(label_w)
        for colour, name in zip(_PALETTE, series, strict=False):
            width = plot_w * values.get(name, 0) / widest
            if width > 0:
                parts.append(
                    f'<rect x="{left:.1f}" y="{top + 4}" width="{width:.1f}" height="{row_h - 8}" '
                    f'fill="{colour}"><title>{escape(name)}: {values.get(name, 0)}</title></rect>'
                )
            left += width
        parts.append(
            f'<text x="{left + 6:.1f}" y="{top + 17}" font-size="13">{sum(values.values())}</text>'
        )
    legend, legend_h = _legend(series, label_w, _WIDTH - _RIGHT, bars_end + 6)
    height = bars_end + 6 + math.ceil(legend_h) + 8
    return _svg(title, "".join(parts + legend), height)
