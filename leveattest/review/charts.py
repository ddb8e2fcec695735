"""Server-rendered charts as inline SVG (no JavaScript): stacked bars and columns.

Every label is escaped here; the result is safe to insert into a template as markup.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from html import escape

from markupsafe import Markup

PALETTE = ("#2f6f4f", "#b8432f", "#c9a227", "#4a6fa5", "#7a5c99", "#777777")
ROW_HEIGHT = 22
LABEL_WIDTH = 150
BAR_WIDTH = 360


def _open(width: int, height: int, title: str, testid: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" data-testid="{escape(testid)}">',
        f"<title>{escape(title)}</title>",
    ]


def _segments(values: Mapping[str, int], series: Sequence[str]) -> Iterator[tuple[str, str, int]]:
    """(colour, series name, count) of each non-empty segment, in series order."""
    for index, name in enumerate(series):
        count = int(values.get(name, 0))
        if count > 0:
            yield PALETTE[index % len(PALETTE)], name, count


def _legend(series: Sequence[str], y: int) -> list[str]:
    parts, x = [], 0
    for index, name in enumerate(series):
        colour = PALETTE[index % len(PALETTE)]
        parts.append(f'<rect x="{x}" y="{y}" width="10" height="10" fill="{colour}"/>')
        parts.append(f'<text x="{x + 14}" y="{y + 9}" font-size="11">{escape(name)}</text>')
        x += 24 + 7 * len(name)
    return parts


def stacked_bars(
    title: str, rows: Sequence[tuple[str, Mapping[str, int]]], series: Sequence[str], testid: str
) -> Markup:
    """Horizontal stacked bars: one row per label, one segment per series."""
    total_max = max((sum(values.values()) for _, values in rows), default=0) or 1
    height = ROW_HEIGHT * max(1, len(rows)) + 30
    width = LABEL_WIDTH + BAR_WIDTH + 50
    parts = _open(width, height, title, testid)
    if not rows:
        parts.append('<text x="0" y="16" font-size="12">no data yet</text>')
    for index, (label, values) in enumerate(rows):
        y = index * ROW_HEIGHT
        parts.append(
            f'<text x="{LABEL_WIDTH - 6}" y="{y + 15}" font-size="12" '
            f'text-anchor="end">{escape(label)}</text>'
        )
        x = float(LABEL_WIDTH)
        for colour, name, count in _segments(values, series):
            w = BAR_WIDTH * count / total_max
            parts.append(
                f'<rect x="{x:.1f}" y="{y + 3}" width="{w:.1f}" height="{ROW_HEIGHT - 6}" '
                f'fill="{colour}"><title>{escape(name)}: {count}</title></rect>'
            )
            x += w
        total = sum(int(v) for v in values.values())
        parts.append(f'<text x="{x + 4:.1f}" y="{y + 15}" font-size="11">{total}</text>')
    parts.extend(_legend(series, height - 14))
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704  (every label is escaped above)


def columns(
    title: str,
    bars: Sequence[tuple[str, Mapping[str, int]]],
    series: Sequence[str],
    testid: str,
    *,
    marker_after: int | None = None,
) -> Markup:
    """Vertical stacked columns (e.g. per day), with an optional vertical marker line."""
    plot_height, col_width = 140, 26
    width = max(1, len(bars)) * col_width + 20
    height = plot_height + 50
    top = max((sum(values.values()) for _, values in bars), default=0) or 1
    parts = _open(width, height, title, testid)
    for index, (label, values) in enumerate(bars):
        x = 10 + index * col_width
        y = float(plot_height)
        for colour, name, count in _segments(values, series):
            h = plot_height * count / top
            y -= h
            parts.append(
                f'<rect x="{x}" y="{y:.1f}" width="{col_width - 4}" height="{h:.1f}" '
                f'fill="{colour}"><title>{escape(label)} '
                f"{escape(name)}: {count}</title></rect>"
            )
        if len(bars) <= 8 or (len(bars) - 1 - index) % 2 == 0:
            # many columns: every second label, counted back from the last, so none overlap
            parts.append(
                f'<text x="{x + (col_width - 4) / 2}" y="{plot_height + 14}" font-size="9" '
                f'text-anchor="middle">{escape(label)}</text>'
            )
    if marker_after is not None and bars:
        x = 10 + min(marker_after, len(bars)) * col_width - 2
        parts.append(
            f'<line x1="{x}" y1="0" x2="{x}" y2="{plot_height}" stroke="#b8432f" '
            'stroke-dasharray="4 3"/>'
        )
    parts.extend(_legend(series, height - 14))
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704  (every label is escaped above)


def score_bar(
    value: float, threshold: float, maximum: float, *, band: float = 0.0, higher_is_better: bool
) -> Markup:
    """One score on a 0..maximum scale with its threshold line and near-threshold band."""
    width, height = 260, 18

    def x_of(v: float) -> float:
        return width * max(0.0, min(1.0, v / maximum)) if maximum > 0 else 0.0

    good = value >= threshold if higher_is_better else value <= threshold
    colour = "#2f6f4f" if good else "#b8432f"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" data-testid="score-bar">',
        f'<rect x="0" y="4" width="{width}" height="10" fill="#eeeeee"/>',
    ]
    if band > 0:
        lo, hi = x_of(threshold - band), x_of(threshold + band)
        if higher_is_better:
            lo, hi = x_of(threshold - band), x_of(threshold)
        parts.append(f'<rect x="{lo:.1f}" y="2" width="{hi - lo:.1f}" height="14" fill="#f3e2a9"/>')
    parts.append(f'<rect x="0" y="6" width="{x_of(value):.1f}" height="6" fill="{colour}"/>')
    parts.append(
        f'<line x1="{x_of(threshold):.1f}" y1="0" x2="{x_of(threshold):.1f}" y2="{height}" '
        'stroke="#000000" stroke-width="2"/>'
    )
    parts.append(f"<title>value {value:.3f}, threshold {threshold:.3f}</title></svg>")
    return Markup("".join(parts))  # noqa: S704  (numbers only)
