"""报告.html (DESIGN §6): the run's results for a browser, one self-contained file per run
folder (internal, like the internal workbook) and one per park under parks/ (that park's firms
only, with the county figures its workbook may show: workbooks.park_editions, disclosure.py).

Everything shown is read from the Evaluation's summaries (`tier_table`, `summary`,
`score_distribution`, `tier_lines`, `benchmarks`) and the run's manifest; this module lays them
out (report_page.py) and draws them (report_svg.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..engine.evaluation import EXTRA_TIERS, Evaluation, tier_names
from ..engine.stability import Stability
from ..rules.declared import with_rules_fields
from ..rules.tiers import UNGRADED, UNGRADED_LABEL
from . import styles
from .disclosure import BENCHMARK_NOTE, COUNTY_NOTE, TOO_FEW, WHOLE, WITHHELD, CountyCells
from .report_firms import firm_section, issue_section
from .report_page import Withheld, cell, facts, note, page, section, table
from .report_stability import ANCHOR, NAV_ITEM, stability_section
from .report_stability import HEADING as STABILITY_HEADING
from .report_svg import histogram, stacked_bars
from .summary_sheet import COUNTY_LABEL, PER_MU, STATUS_HEADERS, SummaryData, shown_tiers
from .workbooks import INTERNAL, ParkEdition, county_summary, park_editions, park_files

REPORT = "报告.html"
SHA_SHOWN = 12  # hex digits of a sha256 shown in the page (the manifest keeps all 64)
NAV = (
    ("overview", "评价概况"),
    ("tiers", "分档结果"),
    ("parks", "各园区"),
    ("per-mu", "亩均效益"),
    ("benchmarks", "基准值"),
    ("firms", "企业名单"),
    ("issues", "数据问题"),
)


def park_report(workbook: str) -> str:
    """The park report beside a park workbook: parks/<park>.xlsx → parks/<park>.html."""
    return workbook.removesuffix(".xlsx") + ".html"


def report_names(ev: Evaluation) -> list[str]:
    """The reports `write_reports` writes, relative to the run folder."""
    return [REPORT, *(park_report(f) for f in park_files(ev).values())]


@with_rules_fields
def write_reports(
    ev: Evaluation,
    out_dir: Path,
    record: dict[str, Any],
    *,
    parks: bool = True,
    prepared: tuple[SummaryData, Sequence[ParkEdition]] | None = None,
    stability: Stability | None = None,
) -> list[Path]:
    """报告.html and, with `parks`, parks/<park>.html into out_dir; return their paths.
    `record` is the run's manifest (status, provenance; a time only if it records one);
    `prepared` the county summary and park editions the workbooks were made from; a
    `stability` adds the 稳定性 section to 报告.html (only: it names firms of every park)."""
    summary, parts = prepared if prepared is not None else (county_summary(ev), None)
    html = render(ev, record, summary, lines=ev.tier_lines(), stability=stability)
    written = [_write(out_dir / REPORT, html)]
    if parks:
        for edition in park_editions(ev, summary) if parts is None else parts:
            sub = edition.evaluation
            html = render(
                sub,
                record,
                edition.summary,
                lines=sub.tier_lines(),
                park=edition.label,
                benchmarks=edition.benchmarks,
            )
            written.append(_write(out_dir / park_report(edition.file), html))
    return written


def _write(path: Path, html: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(html, encoding="utf-8", newline="\n")
    return path


def render(
    ev: Evaluation,
    record: dict[str, Any],
    summary: SummaryData,
    *,
    lines: pd.DataFrame,
    park: str | None = None,
    benchmarks: np.ndarray | None = None,
    stability: Stability | None = None,
) -> str:
    """The whole page for `ev` (the county's, or one park's subset with `park` its name)."""
    rules = ev.rules
    edition = INTERNAL if park is None else f"{park}版"
    title = f"{rules.region}{park or ''}{rules.year}年度工业企业亩均效益评价报告（{edition}）"
    status = str(record.get("status", ""))
    header = (
        f"<h1>{_e(title)}<span class=status>{_e(status)}</span></h1>"
        f'<div class="sub">{_e(rules.name)}</div>'
    )
    sections = [
        section("overview", "一、评价概况", _overview(ev, record, park)),
        section("tiers", "二、分档结果与分数线", _tiers(ev, summary, lines, park)),
        section("parks", "三、各园区评价结果", _parks(ev, summary)),
        section("per-mu", "四、亩均效益（合计口径：Σ 数额 ÷ Σ 用地）", _per_mu(summary)),
        section("benchmarks", "五、评价指标与基准值", _benchmarks(ev, benchmarks)),
        section("firms", "六、企业名单", firm_section(ev, park)),
        section(
            "issues", "七、数据问题", issue_section(ev.issues, park, ev.rules.indicator_labels())
        ),
    ]
    nav: tuple[tuple[str, str], ...] = NAV
    if stability is not None:  # the uncertainty analysis (report_stability.py)
        sections.append(section(ANCHOR, STABILITY_HEADING, stability_section(stability)))
        nav = (*NAV, NAV_ITEM)
    return page(title, header, nav, sections)


def _e(text: Any) -> str:
    return escape(str(text))


def _overview(ev: Evaluation, record: dict[str, Any], park: str | None) -> str:
    prov = ev.provenance
    rules = prov.get("rules", {})
    rows = prov.get("rows", {})
    pairs = [
        ("评价状态", str(record.get("status", ""))),
        ("评价规则", str(rules.get("name", ev.rules.name))),
        ("地区", f"{ev.rules.region}{park or ''}"),
        ("评价年度", str(ev.rules.year)),
        ("规则文件 sha256", str(rules.get("sha256", ""))[:SHA_SHOWN]),
        ("mujun 版本", str(prov.get("mujun_version", ""))),
    ]
    audit = park is None  # file hashes are the internal audit trail, as in the park workbook
    if not audit:
        pairs = [p for p in pairs if "sha256" not in p[0]]
    if record.get("written"):  # the manifest's time, if it keeps one (the engine keeps none)
        pairs.append(("写出时间", str(record["written"])))
    counts = "，".join(
        f"{label} {int(rows.get(code, 0))} 家" for code, label in STATUS_HEADERS.items()
    )
    pairs.append(("企业", f"共 {int(rows.get('input', len(ev.results)))} 家：{counts}"))
    pairs.append(("已采纳的更正", f"{len(prov.get('corrections', []))} 条"))
    if prov.get("appeals"):  # a run given an appeals register
        taken = sum(a.get("status") == "applied" for a in prov["appeals"])
        pairs.append(("异议复核", f"登记 {len(prov['appeals'])} 条，采纳并更正 {taken} 条"))
    inputs = [
        [
            cell(Path(str(f.get("file", ""))).name),
            cell(f.get("rows"), "{:,}"),
            cell(f.get("used"), "{:,}"),
            *([cell(str(f.get("sha256", ""))[:SHA_SHOWN], cls="c")] if audit else []),
        ]
        for f in prov.get("inputs", [])
    ]
    heads = ["输入文件", "行数", "读入行数", *(["sha256（前12位）"] if audit else [])]
    files = table(heads, inputs)
    told = note(
        "本页由 mujun 依评价结果写出，不联网、不引用外部文件"
        + ("；各文件完整的 sha256 见 manifest.json。" if audit else "。")
        + (
            ""
            if park is None
            else f"本页只含{park}的企业；全县数字按园区版工作簿的规则显示或不予显示。"
        )
    )
    return facts(pairs) + "<h3>输入文件</h3>" + files + told


def _tiers(ev: Evaluation, summary: SummaryData, lines: pd.DataFrame, park: str | None) -> str:
    rules = ev.rules
    order = shown_tiers(summary)  # with 不定等级 and 未分档 when some firm has them
    ranked = list(dict.fromkeys(t for c in rules.classes for t in c.tiers.order))
    names = tier_names(rules)
    labels = {c.code: c.label for c in rules.classes}
    counts = summary.tiers
    rows = [
        [
            cell(labels.get(str(code), str(code))),
            *(cell(r.get(t), "{:,.0f}") for t in order),
            cell(r["total"], "{:,.0f}"),
        ]
        for code, r in counts.iterrows()
    ]
    out = table(["评价类别", *(styles.tier_text(t, names) for t in order), "合计"], rows)
    whose = "本园区" if park else ""
    lines_by = {(str(c), str(t)): (v, n) for c, t, v, n in lines.itertuples(index=False)}
    line_rows = []
    for klass in rules.classes:
        row = [cell(klass.label)]
        for t in ranked:  # only ranking gives a line
            v, n = lines_by.get((klass.code, t), (None, 0))
            text = None if v is None or pd.isna(v) else f"{v:.2f} 分（{n} 家）"
            row.append(cell(text, cls="c"))
        line_rows.append(row)
    out += f"<h3>{whose}各档最低综合得分（分数线）与按排名评入的企业数</h3>"
    out += table(["评价类别", *(styles.tier_text(t, names) for t in ranked)], line_rows)
    out += note(
        f"分数线为{whose}按排名评入该档的企业中的最低综合得分；一票否决、保护等规则调档的企业不计入。"
    )
    charts = []
    dist = summary.distribution
    for klass in rules.classes:
        bands = dist[dist["class"] == klass.code]
        if not len(bands):
            continue
        mine = lines[(lines["class"] == klass.code) & lines["line"].notna()]
        marks = [
            (t, float(v), _colour(t, klass.tiers.order))
            for t, v in zip(mine["tier"], mine["line"], strict=True)
        ]
        caption = f"{whose}{klass.label}：综合得分分布与各档分数线"
        svg = histogram(
            bands["lower"].to_numpy(float),
            bands["upper"].to_numpy(float),
            bands["firms"].to_numpy(int),
            marks,
            label=caption,
        )
        charts.append(f"<figure><figcaption>{_e(caption)}</figcaption>{svg}</figure>")
    out += f'<div class="charts">{"".join(charts)}</div>' if charts else note("没有参评企业。")
    return out


def _colour(tier: str, order: list[str]) -> str:
    return styles.CHART_COLOURS[styles.tier_colour(tier, order)]


def _parks(ev: Evaluation, summary: SummaryData) -> str:
    rules = ev.rules
    order = shown_tiers(summary)
    names = tier_names(rules)
    parks = summary.parks
    last = len(parks) - 1
    rows = []
    for i, r in enumerate(parks.to_dict("records")):
        name = COUNTY_LABEL if i == last else str(r[parks.columns[0]])
        rows.append(
            [
                cell(name),
                cell(r["firms"], "{:,}"),
                *(cell(r[s], "{:,}") for s in STATUS_HEADERS),
                *(cell(r.get(f"tier_{t}"), "{:,}") for t in order),
            ]
        )
    header = [
        "园区",
        "企业数",
        *STATUS_HEADERS.values(),
        *(styles.tier_text(t, names) for t in order),
    ]
    out = table(header, rows, totals=[i == last for i in range(len(rows))])
    own = parks.iloc[:last]
    counts = own[[f"tier_{t}" for t in order]].to_numpy(dtype=int)
    colours = [_colour(t, [x for x in order if x not in EXTRA_TIERS]) for t in order]
    svg = stacked_bars(
        own.iloc[:, 0].astype(str).tolist(),
        counts,
        [styles.tier_text(t, names) for t in order],
        colours,
        label="各园区评价分档（家）",
    )
    out += f"<figure><figcaption>各园区评价分档（家，各类别合计）</figcaption>{svg}</figure>"
    pivot = summary.park_tiers.pivot_table(
        index="park", columns=["class", "tier"], values="firms", aggfunc="sum", sort=True
    )
    counts = summary.park_tiers
    shown = {  # each class's tiers as its counts give them (不定等级, 未分档 after, if any)
        c.code: list(dict.fromkeys(counts.loc[counts["class"] == c.code, "tier"])) or c.tiers.order
        for c in rules.classes
    }
    heads = ["园区"] + [
        UNGRADED_LABEL if t == UNGRADED else t for c in rules.classes for t in shown[c.code]
    ]
    top = [("", 1)] + [(c.label, len(shown[c.code])) for c in rules.classes]
    body = [
        [
            cell(str(p)),
            *(cell(r.get((c.code, t)), "{:,.0f}") for c in rules.classes for t in shown[c.code]),
        ]
        for p, r in pivot.iterrows()
    ]
    return out + "<h3>各园区分类别分档（家）</h3>" + table(heads, body, top=top)


def _per_mu(summary: SummaryData) -> str:
    cells = summary.county_cells
    out = "<h3>各园区</h3>" + _per_mu_table(summary.parks, "园区", cells)
    if summary.county_divisions is None:
        out += "<h3>分行业（行业大类）</h3>" + _per_mu_table(summary.divisions, "行业大类", None)
    else:
        assert cells is not None  # a park's report
        out += "<h3>分行业：本园区与全县同行业</h3>" + _division_table(
            summary.divisions, summary.county_divisions, cells
        )
    if cells is not None:
        out += note(COUNTY_NOTE)
    return out


def _shown(cells: CountyCells | None, figure: str, division: str | None = None) -> bool:
    return cells is None or cells.shown(figure, division)


def _per_mu_table(frame: pd.DataFrame, label: str, cells: CountyCells | None) -> str:
    """As the 汇总 sheet: pooled figures per group and the county last; a county figure a park
    may not see is withheld, and so is every share of it."""
    last = len(frame) - 1
    keep = (frame["evaluated"] > 0).to_numpy() | (np.arange(len(frame)) == last)
    listed = frame[keep].to_dict("records")
    rows, totals = [], []
    for i, r in enumerate(listed):
        total = i == len(listed) - 1
        land_hidden = total and not _shown(cells, "land_mu")
        out = [
            cell(COUNTY_LABEL if total else str(r[frame.columns[0]])),
            cell(r["evaluated"], "{:,}"),
            Withheld(WITHHELD) if land_hidden else r["land_mu"],
        ]
        for code, _ in PER_MU:
            hidden = not _shown(cells, code)
            out.append(Withheld(WITHHELD) if total and hidden else r[code])
            out.append(Withheld(WITHHELD) if hidden else r[f"{code}_index"])
        rows.append([v if isinstance(v, str) else _figure(v, k) for k, v in enumerate(out)])
        totals.append(total)
    header = [label, "参评企业数", "用地面积（亩）"]
    for _, text in PER_MU:
        header += [text, "相当于全县"]
    return table(header, rows, totals=totals)


def _figure(value: Any, k: int) -> str:
    """The k-th cell of a per-mu row: shares (every second figure after land) as percentages."""
    if k >= 4 and k % 2 == 0 and not isinstance(value, Withheld):
        return cell(None if pd.isna(value) else float(value) * 100, "{:.1f}%")
    return cell(value)


def _division_table(own: pd.DataFrame, county: pd.DataFrame, cells: CountyCells) -> str:
    theirs_by = county.iloc[:-1].set_index(county.columns[0])
    last = len(own) - 1
    keep = (own["evaluated"] > 0).to_numpy() | (np.arange(len(own)) == last)
    listed = own[keep].to_dict("records")
    rows, totals = [], []
    for i, r in enumerate(listed):
        total = i == len(listed) - 1
        name = str(r[own.columns[0]])
        theirs = (
            county.iloc[-1] if total else theirs_by.loc[name] if name in theirs_by.index else None
        )
        out = [cell("本园区合计 / 全县" if total else name), cell(r["evaluated"], "{:,}")]
        for code, _ in PER_MU:
            out.append(cell(r[code]))
            ok = theirs is not None and cells.shown(code, None if total else name)
            out.append(
                cell(theirs[code]) if ok and theirs is not None else cell(Withheld(WITHHELD))
            )
        rows.append(out)
        totals.append(total)
    header = ["行业大类", "本园区参评企业数"]
    for _, text in PER_MU:
        header += [f"本园区{text}", f"全县{text}"]
    return table(header, rows, totals=totals)


def _benchmarks(ev: Evaluation, shown: np.ndarray | None) -> str:
    """Each indicator with its weight, scoring and the benchmarks the run used (a park sees
    those disclosure.py allows)."""
    bench = ev.benchmarks.assign(visible=True if shown is None else shown)
    rows: list[list[str]] = []
    for klass in ev.rules.classes:
        for ind in klass.indicators:
            mine = bench[(bench["class"] == klass.code) & (bench["indicator"] == ind.code)]
            unit = "%" if ind.percent else ind.unit
            base = [
                cell(klass.label),
                cell(ind.label),
                cell(unit or "", cls="c"),
                cell(float(ind.weight), "{:g}"),
                cell(ev.scoring(ind)),
            ]
            if not len(mine):
                rows.append([*base, cell(""), cell(None), cell(None), cell(None), cell(None)])
            for r in mine.to_dict("records"):
                hidden = not r["visible"]
                group = "" if r["group"] == WHOLE else str(r["group"])
                figures = [
                    Withheld(TOO_FEW) if hidden else r[k]
                    for k in ("benchmark", "minimum", "maximum")
                ]
                rows.append(
                    [
                        *base,
                        cell(group),
                        *(cell(v, "{:,.4g}") for v in figures),
                        cell(r["members"], "{:,}"),
                    ]
                )
    header = [
        "评价类别",
        "指标",
        "单位",
        "权重",
        "评分方法",
        "分组",
        "基准值",
        "最小值",
        "最大值",
        "企业数",
    ]
    return table(header, rows) + ("" if shown is None else note(BENCHMARK_NOTE))
