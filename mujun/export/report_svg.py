"""Charts of 报告.html as inline SVG, drawn from tables the Evaluation already summarised: a
histogram of total scores per class with each tier's lowest score as a vertical line, and the
tiers per park as stacked bars. No script and no chart library: the page stays one file that
any browser shows offline."""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

import numpy as np

FONT = 12
PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 48, 16, 28, 44


def _number(x: float) -> str:
    return f"{x:.1f}".rstrip("0").rstrip(".")


def nice_ticks(top: float, count: int = 5) -> list[float]:
    """Round tick values from 0 to at least `top` (1, 2 or 5 times a power of ten apart)."""
    if top <= 0 or not math.isfinite(top):
        return [0.0, 1.0]
    raw = top / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    return [step * i for i in range(math.ceil(top / step - 1e-9) + 1)]


def histogram(
    lower: np.ndarray,
    upper: np.ndarray,
    firms: np.ndarray,
    lines: Sequence[tuple[str, float, str]],
    *,
    label: str,
    width: int = 560,
    height: int = 280,
) -> str:
    """Bars of firms per score band [lower, upper); `lines` are (tier, score, colour) drawn as
    dashed vertical lines marked '<tier> ≥ <score>'. `label` names the chart for screen
    readers."""
    lo, hi = float(lower[0]), float(upper[-1])
    for _, score, _ in lines:  # a line outside the bands (it cannot be, but stays visible)
        lo, hi = min(lo, score), max(hi, score)
    span = hi - lo or 1.0
    inner_w = width - PAD_LEFT - PAD_RIGHT
    inner_h = height - PAD_TOP - PAD_BOTTOM
    ticks = nice_ticks(float(max(firms.max(initial=0), 1)))
    top = ticks[-1]

    def x(v: float) -> float:
        return PAD_LEFT + (v - lo) / span * inner_w

    def y(n: float) -> float:
        return PAD_TOP + inner_h - n / top * inner_h

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{escape(label)}">'
    ]
    for t in ticks:  # horizontal grid and firm counts
        out.append(
            f'<line class="grid" x1="{PAD_LEFT}" x2="{width - PAD_RIGHT}" '
            f'y1="{y(t):.1f}" y2="{y(t):.1f}"/>'
            f'<text class="tick" x="{PAD_LEFT - 6}" y="{y(t) + 4:.1f}" '
            f'text-anchor="end">{_number(t)}</text>'
        )
    step = max(1, math.ceil(len(lower) / 10))  # at most about ten labels under the axis
    for i, (a, b, n) in enumerate(zip(lower, upper, firms, strict=True)):
        x0, x1 = x(float(a)), x(float(b))
        out.append(
            f'<rect class="bar" x="{x0 + 1:.1f}" y="{y(float(n)):.1f}" '
            f'width="{max(x1 - x0 - 2, 1):.1f}" height="{inner_h - (y(float(n)) - PAD_TOP):.1f}">'
            f"<title>{_number(float(a))}–{_number(float(b))} 分：{int(n)} 家</title></rect>"
        )
        if i % step == 0:
            out.append(
                f'<text class="tick" x="{x0:.1f}" y="{PAD_TOP + inner_h + 16}" '
                f'text-anchor="middle">{_number(float(a))}</text>'
            )
    out.append(
        f'<text class="tick" x="{x(float(upper[-1])):.1f}" y="{PAD_TOP + inner_h + 16}" '
        f'text-anchor="middle">{_number(float(upper[-1]))}</text>'
    )
    out.append(
        f'<line class="axis" x1="{PAD_LEFT}" x2="{width - PAD_RIGHT}" '
        f'y1="{PAD_TOP + inner_h}" y2="{PAD_TOP + inner_h}"/>'
    )
    for k, (tier, score, colour) in enumerate(lines):
        at = x(score)
        anchor = "end" if at > width - PAD_RIGHT - 60 else "start"
        shift = -4 if anchor == "end" else 4
        text_y = PAD_TOP - 14 + (k % 2) * 12 + 12  # alternate rows, so near lines stay legible
        out.append(
            f'<line class="tier-line" x1="{at:.1f}" x2="{at:.1f}" y1="{PAD_TOP - 4}" '
            f'y2="{PAD_TOP + inner_h}" stroke="#{colour}"/>'
            f'<text class="line-label" x="{at + shift:.1f}" y="{text_y}" '
            f'text-anchor="{anchor}" fill="#{colour}">{escape(tier)} ≥ {score:.2f}</text>'
        )
    out.append(
        f'<text class="axis-label" x="{PAD_LEFT + inner_w / 2:.1f}" y="{height - 8}" '
        f'text-anchor="middle">综合得分（分）</text>'
        f'<text class="axis-label" x="12" y="{PAD_TOP + inner_h / 2:.1f}" text-anchor="middle" '
        f'transform="rotate(-90 12 {PAD_TOP + inner_h / 2:.1f})">企业数（家）</text>'
    )
    out.append("</svg>")
    return "".join(out)


def stacked_bars(
    groups: Sequence[str],
    counts: np.ndarray,
    tiers: Sequence[str],
    colours: Sequence[str],
    *,
    label: str,
    width: int = 640,
) -> str:
    """One horizontal bar per group (a park), split by tier: `counts` is groups × tiers."""
    name_w = 150
    bar_h, gap = 20, 8
    legend_h = 24
    inner_w = width - name_w - PAD_RIGHT - 40
    height = PAD_TOP + len(groups) * (bar_h + gap) + legend_h + 28
    totals = counts.sum(axis=1) if len(groups) else np.zeros(0)
    most = float(max(totals.max(initial=0), 1))
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{escape(label)}">'
    ]
    for i, group in enumerate(groups):
        top = PAD_TOP + i * (bar_h + gap)
        out.append(
            f'<text class="name" x="{name_w - 8}" y="{top + bar_h * 0.7:.1f}" '
            f'text-anchor="end">{escape(_short(group))}<title>{escape(group)}</title></text>'
        )
        left = float(name_w)
        for j, tier in enumerate(tiers):
            n = int(counts[i, j])
            if n <= 0:
                continue
            w = n / most * inner_w
            out.append(
                f'<rect class="seg" x="{left:.1f}" y="{top}" width="{w:.1f}" height="{bar_h}" '
                f'fill="#{colours[j]}"><title>{escape(group)} {escape(tier)}：{n} 家</title></rect>'
            )
            if w >= 18:
                out.append(
                    f'<text class="in-bar" x="{left + w / 2:.1f}" y="{top + bar_h * 0.7:.1f}" '
                    f'text-anchor="middle">{n}</text>'
                )
            left += w
        out.append(
            f'<text class="tick" x="{left + 6:.1f}" y="{top + bar_h * 0.7:.1f}">'
            f"{int(totals[i])}</text>"
        )
    legend_y = PAD_TOP + len(groups) * (bar_h + gap) + 16
    out += legend(tiers, colours, float(name_w), legend_y)
    out.append("</svg>")
    return "".join(out)


def legend(tiers: Sequence[str], colours: Sequence[str], left: float, y: float) -> list[str]:
    """A chart's legend: a swatch and the tier's name each, in a row from `left` at height `y`."""
    out = []
    at = left
    for tier, colour in zip(tiers, colours, strict=True):
        out.append(
            f'<rect x="{at:.1f}" y="{y - 10}" width="12" height="12" fill="#{colour}"/>'
            f'<text class="tick" x="{at + 16:.1f}" y="{y}">{escape(tier)}</text>'
        )
        at += 28 + text_width(tier)
    return out


def text_width(text: str) -> float:
    """About how wide `text` is at the chart's font size: a CJK character twice a letter."""
    return sum(FONT if ord(c) > 0x2E7F else FONT * 0.6 for c in text)


def _short(name: str, limit: int = 10) -> str:
    return name if len(name) <= limit else name[: limit - 1] + "…"
