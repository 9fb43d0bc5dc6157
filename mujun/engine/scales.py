"""The scorers on a stated scale: zscore (标准分, within the class), goalposts (fixed ends)
and piecewise (bands of points). Each is a pure function of the class's `Members` plus a
Chinese description for the 说明 sheet.
"""

from __future__ import annotations

import numpy as np

from ..rules import Indicator
from .benchmarks import WHOLE, Members, Raw, Scorer, bench_table, lookup, per_group
from .scorers import group_words


def _zscore(ind: Indicator, m: Members) -> Raw:
    """标准分: weight × clip(center + spread × z, 0, 100) / 100, z = (x − mean) / sd with the
    population standard deviation (ddof = 0: the members are the whole class, not a sample)
    of the class or `by` group; direction "lower" negates z. When every member has the same
    value (sd = 0), z = 0: everyone earns `center` % of the weight."""
    spec = ind.score
    codes = np.zeros(len(m.x), dtype=np.int64) if m.codes is None else m.codes
    k = len(m.labels)
    mean, count = per_group(m.x, ~m.missing, codes, k, "mean")
    sd, _ = per_group(m.x, ~m.missing, codes, k, "std")
    mean_m, sd_m = lookup(mean, codes), lookup(sd, codes)
    with np.errstate(invalid="ignore", divide="ignore"):
        z = (m.x - mean_m) / sd_m
    z = np.where(sd_m > 0, z, 0.0)
    z = -z if ind.direction == "lower" else z
    z = np.where(codes >= 0, z, np.nan)
    share = np.clip(spec.center + spec.spread * z, 0.0, 100.0)
    table = bench_table(m.labels, list(mean), list(count))
    return Raw(ind.weight * share / 100.0, table, beyond=(codes >= 0) & ~np.isfinite(sd_m))


def _zscore_text(ind: Indicator) -> str:
    s = ind.score
    z = "(平均值 − x)" if ind.direction == "lower" else "(x − 平均值)"
    return (
        f"标准分法{group_words(ind)}：权重 × [{s.center:g} + {s.spread:g} × {z} ÷ 标准差] ÷ 100，"
        "标准差按总体计算，得分在 0 与权重之间；基准栏为平均值"
    )


def _goalposts(ind: Indicator, m: Members) -> Raw:
    """weight × clip((x − lo) / (hi − lo), 0, 1); direction "lower": (hi − x) / (hi − lo)."""
    lo, hi = float(ind.score.lo or 0.0), float(ind.score.hi or 0.0)
    t = (m.x - lo) / (hi - lo) if ind.direction == "higher" else (hi - m.x) / (hi - lo)
    count = float((~m.missing).sum())
    table = bench_table([WHOLE], [np.nan], [count], minimum=[lo], maximum=[hi])
    return Raw(np.clip(t, 0.0, 1.0) * ind.weight, table)


def _goalposts_text(ind: Indicator) -> str:
    lo, hi = ind.score.lo, ind.score.hi
    if ind.direction == "lower":
        part, best, worst = f"({hi:g} − x)", f"x ≤ {lo:g}", f"x ≥ {hi:g}"
    else:
        part, best, worst = f"(x − {lo:g})", f"x ≥ {hi:g}", f"x ≤ {lo:g}"
    return f"目标值法：权重 × {part} ÷ ({hi:g} − {lo:g})，{best} 得满分，{worst} 得 0 分"


def _piecewise(ind: Indicator, m: Members) -> Raw:
    """Band i's points, the bands cut at the breakpoints b1 < b2 < …: direction "higher",
    x < b1 is band 0 and b_i ≤ x < b_i+1 band i; direction "lower", x ≤ b1 is band 0 and
    b_i < x ≤ b_i+1 band i — a value at a breakpoint is in the better band either way."""
    cuts = np.asarray(ind.score.breakpoints or [], dtype=float)
    points = np.asarray(ind.score.points or [0.0], dtype=float)
    shown = np.where(m.missing, 0.0, m.x)
    if ind.direction == "higher":
        band = np.searchsorted(cuts, shown, side="right")
    else:
        band = np.searchsorted(cuts, shown, side="left")
    out = np.where(m.missing, np.nan, points[np.minimum(band, len(points) - 1)])
    table = bench_table([WHOLE], [np.nan], [float((~m.missing).sum())])
    return Raw(out, table)


def _piecewise_text(ind: Indicator) -> str:
    cuts = ind.score.breakpoints or []
    points = ind.score.points or []
    bands = []
    for i, p in enumerate(points):
        if ind.direction == "higher":
            lo = f"{cuts[i - 1]:g} ≤ " if i else ""
            hi = f" < {cuts[i]:g}" if i < len(cuts) else ""
        else:
            lo = f"{cuts[i - 1]:g} < " if i else ""
            hi = f" ≤ {cuts[i]:g}" if i < len(cuts) else ""
        bands.append(f"{lo}x{hi} 得 {p:g} 分")
    return "分段计分法：" + "；".join(bands)


SCORERS: dict[str, Scorer] = {
    "zscore": Scorer(_zscore, _zscore_text, grouped=True),
    "goalposts": Scorer(_goalposts, _goalposts_text),
    "piecewise": Scorer(_piecewise, _piecewise_text),
}
