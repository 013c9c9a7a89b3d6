"""Small inline-SVG plots for the self-contained report (no plotting library, no network).

Each function returns one ``<svg>`` element as a string with every text value escaped; marks
carry a ``<title>`` so the browser shows the exact value on hover.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

__all__ = [
    "KIND_COLOURS",
    "TIER_COLOURS",
    "arc_diagram",
    "bar_chart",
    "construct_map",
    "nice_step",
    "scatter_loglog",
]

TIER_COLOURS: dict[str, str] = {
    "Pass": "#1b7837",
    "PoorBinder": "#e08214",
    "PoorImmunogenicity": "#b35806",
    "PoorPresentation": "#fdb863",
    "RefMatch": "#8073ac",
    "PoorTranscript": "#542788",
    "LowExpr": "#4393c3",
    "Anchor": "#762a83",
    "Subclonal": "#9970ab",
    "ProbPos": "#c2a5cf",
    "Poor": "#878787",
    "NoExpr": "#bababa",
}
KIND_COLOURS: dict[str, str] = {
    "signal_peptide": "#2166ac",
    "neoantigen": "#b2182b",
    "peptide": "#b2182b",
    "epitope": "#b2182b",
    "linker": "#bdbdbd",
    "mitd": "#4d9221",
    "trafficking": "#4d9221",
}


FALLBACK_COLOURS = ("#8c510a", "#01665e", "#5ab4ac", "#d8b365", "#762a83", "#1b7837", "#9970ab")


def _fmt(value: float) -> str:
    return f"{value:.1f}"


def nice_step(length: int, most: int = 10) -> int:
    """Tick spacing from 1, 2, 2.5, 5 x 10^k giving at most ``most`` intervals over ``length``.

    Labels must not overlap: a fixed step (50) put 37 labels on an 1,833-nt mRNA axis.
    """
    magnitude = 1
    while True:
        for factor in (1, 2, 2.5, 5):
            step = int(factor * magnitude)
            if step >= 1 and step == factor * magnitude and length / step <= most:
                return step
        magnitude *= 10


def bar_chart(counts: Sequence[tuple[str, int]], title: str, width: int = 520) -> str:
    """Horizontal bars, one per (label, count), coloured by tier when the label is a tier."""
    bar_h, gap, left, right = 18, 6, 150, 50
    height = 30 + len(counts) * (bar_h + gap)
    top = max((c for _, c in counts), default=0) or 1
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="plot" role="img" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}"><title>{escape(title)}</title>'
    ]
    for i, (label, count) in enumerate(counts):
        y = 24 + i * (bar_h + gap)
        w = (width - left - right) * count / top
        colour = TIER_COLOURS.get(label, "#4d4d4d")
        parts.append(
            f'<text x="{left - 6}" y="{y + bar_h - 5}" text-anchor="end">{escape(label)}</text>'
            f'<rect x="{left}" y="{y}" width="{_fmt(w)}" height="{bar_h}" fill="{colour}">'
            f"<title>{escape(label)}: {count}</title></rect>"
            f'<text x="{_fmt(left + w + 4)}" y="{y + bar_h - 5}">{count}</text>'
        )
    parts.append(f'<text x="0" y="14" class="plot-title">{escape(title)}</text></svg>')
    return "".join(parts)


def _log_ticks(lo: float, hi: float) -> list[float]:
    return [10.0**k for k in range(math.floor(math.log10(lo)), math.ceil(math.log10(hi)) + 1)]


def scatter_loglog(
    points: Sequence[tuple[float, float, str, str]],
    x_label: str,
    y_label: str,
    title: str,
    size: int = 360,
) -> str:
    """Scatter of (x, y, colour key, hover label) on log10 axes, with the y = x diagonal.

    Points with a non-positive or missing coordinate are left out (they have no log).
    """
    kept = [(x, y, k, t) for x, y, k, t in points if x and y and x > 0 and y > 0]
    margin = 46
    inner = size - 2 * margin
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="plot" role="img" width="{size}" '
        f'height="{size}" viewBox="0 0 {size} {size}"><title>{escape(title)}</title>'
        f'<text x="0" y="14" class="plot-title">{escape(title)}</text>'
    ]
    if not kept:
        parts.append(f'<text x="{margin}" y="{size // 2}">no data</text></svg>')
        return "".join(parts)
    values = [v for x, y, _, _ in kept for v in (x, y)]
    lo, hi = math.log10(min(values)), math.log10(max(values))
    lo, hi = math.floor(lo), math.ceil(hi) if math.ceil(hi) > math.floor(lo) else math.floor(lo) + 1

    def pos(value: float, flip: bool) -> float:
        fraction = (math.log10(value) - lo) / (hi - lo)
        return margin + (inner * (1 - fraction) if flip else inner * fraction)

    parts.append(
        f'<rect x="{margin}" y="{margin}" width="{inner}" height="{inner}" fill="none" '
        f'stroke="#999"/><line x1="{margin}" y1="{margin + inner}" x2="{margin + inner}" '
        f'y2="{margin}" stroke="#ccc" stroke-dasharray="4 3"/>'
    )
    for tick in _log_ticks(10.0**lo, 10.0**hi):
        tx, ty = pos(tick, False), pos(tick, True)
        label = f"{tick:g}"
        parts.append(
            f'<text x="{_fmt(tx)}" y="{margin + inner + 14}" text-anchor="middle" '
            f'class="tick">{label}</text><text x="{margin - 4}" y="{_fmt(ty + 4)}" '
            f'text-anchor="end" class="tick">{label}</text>'
        )
    for x, y, key, hover in kept:
        parts.append(
            f'<circle cx="{_fmt(pos(x, False))}" cy="{_fmt(pos(y, True))}" r="3.5" '
            f'fill="{TIER_COLOURS.get(key, "#4d4d4d")}" fill-opacity="0.8">'
            f"<title>{escape(hover)}</title></circle>"
        )
    parts.append(
        f'<text x="{margin + inner / 2}" y="{size - 6}" text-anchor="middle">'
        f"{escape(x_label)}</text>"
        f'<text transform="translate(12 {margin + inner / 2}) rotate(-90)" '
        f'text-anchor="middle">{escape(y_label)}</text></svg>'
    )
    return "".join(parts)


def construct_map(
    elements: Sequence[dict],
    length: int,
    title: str = "Construct map",
    width: int = 900,
    unit: str = "aa",
) -> str:
    """Elements of a protein construct drawn to scale on one track (0-based, end-exclusive).

    Each element dict needs ``name``, ``kind``, ``start`` and ``end``; labels are shown above
    elements wide enough to hold them and always in the hover title.
    """
    left, right, track_y, track_h = 10, 10, 40, 26
    scale = (width - left - right) / max(length, 1)
    height = 110
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="plot construct" role="img" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}">'
        f"<title>{escape(title)}</title>"
    ]
    for number, element in enumerate(elements):
        start, end = int(element["start"]), int(element["end"])
        x, w = left + start * scale, max((end - start) * scale, 1.0)
        kind = str(element.get("kind", ""))
        name = str(element.get("name", ""))
        colour = KIND_COLOURS.get(kind, FALLBACK_COLOURS[number % len(FALLBACK_COLOURS)])
        hover = f"{name} ({kind}) {start + 1}-{end}, {end - start} {unit}"
        parts.append(
            f'<rect class="element" data-kind="{escape(kind)}" x="{_fmt(x)}" y="{track_y}" '
            f'width="{_fmt(w)}" height="{track_h}" fill="{colour}" '
            f'stroke="#fff" stroke-width="0.5"><title>{escape(hover)}</title></rect>'
        )
        if kind not in ("linker",) and w > 6.5 * len(name):
            parts.append(
                f'<text x="{_fmt(x + w / 2)}" y="{track_y - 6}" text-anchor="middle" '
                f'class="tick">{escape(name)}</text>'
            )
    for tick in range(0, length + 1, nice_step(length)):
        tx = left + tick * scale
        parts.append(
            f'<line x1="{_fmt(tx)}" y1="{track_y + track_h}" x2="{_fmt(tx)}" '
            f'y2="{track_y + track_h + 5}" stroke="#666"/><text x="{_fmt(tx)}" '
            f'y="{track_y + track_h + 17}" text-anchor="middle" class="tick">{tick}</text>'
        )
    parts.append(
        f'<text x="{left}" y="{height - 4}" class="axis-label">position ({unit})</text>'
        f'<text x="{width - right}" y="{height - 4}" text-anchor="end" class="axis-label">'
        f"total {length} {unit}</text></svg>"
    )
    return "".join(parts)


def arc_diagram(
    structure: str, title: str = "Predicted secondary structure", width: int = 900
) -> str:
    """Base pairs of a dot-bracket structure as arcs over the sequence axis."""
    stack: list[int] = []
    pairs: list[tuple[int, int]] = []
    for i, char in enumerate(structure):
        if char == "(":
            stack.append(i)
        elif char == ")" and stack:
            pairs.append((stack.pop(), i))
    n = max(len(structure), 1)
    scale = (width - 20) / n
    height = 200
    base = height - 40
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="plot" role="img" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}"><title>{escape(title)}</title>'
        f'<line x1="10" y1="{base}" x2="{width - 10}" y2="{base}" stroke="#666"/>'
        '<path fill="none" stroke="#2166ac" stroke-opacity="0.35" stroke-width="0.6" d="'
    ]
    path = []
    for i, j in pairs:
        x1, x2 = 10 + i * scale, 10 + j * scale
        r = (x2 - x1) / 2
        path.append(
            f"M{_fmt(x1)} {base}A{_fmt(r)} {_fmt(min(r, base - 10))} 0 0 1 {_fmt(x2)} {base}"
        )
    parts.append("".join(path))
    parts.append('"/>')
    for tick in range(0, n + 1, nice_step(n)):
        tx = 10 + tick * scale
        parts.append(
            f'<line x1="{_fmt(tx)}" y1="{base}" x2="{_fmt(tx)}" y2="{base + 5}" stroke="#666"/>'
            f'<text x="{_fmt(tx)}" y="{base + 17}" text-anchor="middle" class="tick">'
            f"{max(tick, 1)}</text>"
        )
    parts.append(
        f'<text x="10" y="{height - 4}" class="axis-label">position (nt)</text>'
        f'<text x="{width - 10}" y="{height - 4}" text-anchor="end" class="axis-label">'
        f"{n} nt, {len(pairs)} base pairs</text></svg>"
    )
    return "".join(parts)
