"""The page of 报告.html: its style sheet, its small script (search and sort of the firm table),
and the HTML of tables. Every text from data passes through `html.escape` here; numbers are
formatted here and nowhere computed.

The page needs no network: no font, script, style or image is fetched. Chinese is shown in the
viewer's own fonts. Without script it is a plain page of tables; the script only adds the search
box and sorting by a click on a column's header.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from html import escape
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

FONTS = (
    '"Microsoft YaHei", "PingFang SC", "Noto Sans CJK SC", "Source Han Sans SC", '
    '"WenQuanYi Micro Hei", sans-serif'
)
EMPTY = "—"

STYLE = """
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { font-family: FONTS; margin: 0; color: #1f2328; background: #f6f7f9; font-size: 14px;
  line-height: 1.5; }
header { background: #1f4e79; color: #fff; padding: 18px 28px 14px; }
header h1 { margin: 0 0 6px; font-size: 22px; font-weight: 600; }
header .sub { opacity: .9; font-size: 13px; }
.status { display: inline-block; padding: 1px 10px; margin-left: 8px; border-radius: 10px;
  background: #ffc000; color: #1f2328; font-size: 13px; font-weight: 600; vertical-align: 3px; }
nav { background: #fff; border-bottom: 1px solid #d0d7de; padding: 6px 28px; position: sticky;
  top: 0; z-index: 2; }
nav a { color: #1f4e79; margin-right: 16px; text-decoration: none; font-size: 13px; }
nav a:hover { text-decoration: underline; }
main { padding: 8px 28px 40px; max-width: 1400px; }
section { background: #fff; border: 1px solid #d0d7de; border-radius: 6px; padding: 4px 18px 14px;
  margin: 14px 0; }
h2 { font-size: 17px; color: #1f4e79; border-bottom: 2px solid #1f4e79; padding-bottom: 4px; }
h3 { font-size: 15px; margin: 16px 0 6px; }
.note { color: #57606a; font-size: 12.5px; margin: 6px 0; }
.facts { display: grid; grid-template-columns: max-content 1fr; gap: 3px 18px; margin: 8px 0; }
.facts dt { color: #57606a; }
.facts dd { margin: 0; }
.scroll { overflow-x: auto; max-width: 100%; }
.tall { max-height: 70vh; overflow: auto; border: 1px solid #d0d7de; }
table { border-collapse: collapse; margin: 6px 0; font-size: 13px; }
th, td { border: 1px solid #c8ced6; padding: 3px 8px; }
th { background: #d9e1f2; font-weight: 600; text-align: center; white-space: nowrap; }
.tall th { position: sticky; top: 0; z-index: 1; }
td.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.c { text-align: center; white-space: nowrap; }
tr.total td { font-weight: 600; background: #f2f2f2; }
td:first-child { white-space: nowrap; }
table.fixed { table-layout: fixed; }
table.fixed th { white-space: normal; }
table.fixed td { overflow-wrap: anywhere; }
td.withheld { color: #8c959f; text-align: center; }
.tA { background: #c6efce; } .tB { background: #bdd7ee; } .tC { background: #ffeb9c; }
.tD { background: #ffc7ce; }
.error { background: #ffc7ce; } .warning { background: #ffeb9c; }
.charts { display: flex; flex-wrap: wrap; gap: 8px 24px; }
.chart { max-width: 100%; height: auto; font-family: FONTS; }
.chart .bar { fill: #4472c4; }
.chart .grid { stroke: #e1e4e8; }
.chart .axis { stroke: #57606a; }
.chart .tick { font-size: 11px; fill: #57606a; }
.chart .name { font-size: 12px; fill: #1f2328; }
.chart .in-bar { font-size: 11px; fill: #fff; }
.chart .axis-label { font-size: 12px; fill: #1f2328; }
.chart .tier-line { stroke-width: 2; stroke-dasharray: 5 3; }
.chart .line-label { font-size: 12px; font-weight: 600; }
figure { margin: 6px 0; }
figcaption { font-weight: 600; margin: 4px 0; }
.search { margin: 8px 0; }
.search input { font: inherit; padding: 4px 8px; width: 22em; max-width: 100%;
  border: 1px solid #8c959f; border-radius: 4px; }
.search span { margin-left: 12px; color: #57606a; }
th.sortable { cursor: pointer; user-select: none; }
th.sortable::after { content: " ↕"; color: #8c959f; font-weight: 400; }
th[aria-sort="ascending"]::after { content: " ↑"; color: #1f2328; }
th[aria-sort="descending"]::after { content: " ↓"; color: #1f2328; }
@media print { nav, .search { display: none; } .tall { max-height: none; overflow: visible; }
  body { background: #fff; } section { border: none; } }
""".replace("FONTS", FONTS)

SCRIPT = """
(function () {
  "use strict";
  var table = document.getElementById("firm-table");
  if (!table) { return; }
  var body = table.tBodies[0];
  var rows = Array.prototype.map.call(body.rows, function (row) {
    return { row: row, text: row.textContent.toLowerCase() };
  });
  var box = document.getElementById("firm-search");
  var shown = document.getElementById("firm-shown");
  document.getElementById("firm-search-bar").hidden = false;
  function filter() {
    var q = box.value.trim().toLowerCase();
    var n = 0;
    rows.forEach(function (r) {
      var hit = q === "" || r.text.indexOf(q) >= 0;
      r.row.hidden = !hit;
      if (hit) { n += 1; }
    });
    shown.textContent = "显示 " + n + " / " + rows.length + " 家";
  }
  var timer = null;
  box.addEventListener("input", function () {
    if (timer !== null) { clearTimeout(timer); }
    timer = setTimeout(filter, rows.length > 5000 ? 150 : 0);
  });
  var collator = new Intl.Collator("zh-CN", { numeric: true });
  var heads = table.tHead.rows[0].cells;
  Array.prototype.forEach.call(heads, function (th, col) {
    th.classList.add("sortable");
    th.tabIndex = 0;
    function sort() {
      var up = th.getAttribute("aria-sort") !== "ascending";
      var numeric = th.getAttribute("data-type") === "number";
      Array.prototype.forEach.call(heads, function (h) { h.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", up ? "ascending" : "descending");
      var keyed = rows.map(function (r, i) {
        var t = r.row.cells[col].textContent.trim();
        var v = numeric ? parseFloat(t.replace(/,/g, "")) : t;
        var none = numeric ? isNaN(v) : (t === "" || t === "—");
        return { r: r, v: v, none: none, i: i };
      });
      keyed.sort(function (a, b) {
        if (a.none !== b.none) { return a.none ? 1 : -1; }  // empty cells last, both ways
        var d = a.none ? 0 : (numeric ? a.v - b.v : collator.compare(a.v, b.v));
        if (!up) { d = -d; }
        return d !== 0 ? d : a.i - b.i;
      });
      // rows move into a detached body, swapped in once: one layout, not one per row
      var fresh = body.cloneNode(false);
      table.removeChild(body);
      rows = keyed.map(function (k) { fresh.appendChild(k.r.row); return k.r; });
      table.appendChild(fresh);
      body = fresh;
    }
    th.addEventListener("click", sort);
    th.addEventListener("keydown", function (e) {
      if (e.key === "Enter" || e.key === " ") { e.preventDefault(); sort(); }
    });
  });
  filter();
})();
"""


@dataclass(frozen=True)
class Withheld:
    """A cell whose figure a park's report may not show (disclosure.py), with the reason."""

    text: str


def page(title: str, header: str, nav: Sequence[tuple[str, str]], sections: Iterable[str]) -> str:
    """The whole document: `header` and `sections` are HTML already escaped; `nav` is
    (anchor, label) pairs."""
    links = "".join(f'<a href="#{a}">{escape(t)}</a>' for a, t in nav)
    return (
        '<!DOCTYPE html>\n<html lang="zh-CN">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        # nothing may be fetched: not even a favicon or a font the page names
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">\n"
        '<link rel="icon" href="data:,">\n'
        f"<title>{escape(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
        f"<header>{header}</header>\n<nav>{links}</nav>\n<main>\n"
        + "\n".join(sections)
        + f"\n</main>\n<script>{SCRIPT}</script>\n</body>\n</html>\n"
    )


def section(anchor: str, heading: str, body: str) -> str:
    return f'<section id="{anchor}"><h2>{escape(heading)}</h2>{body}</section>'


def note(text: str) -> str:
    return f'<p class="note">{escape(text)}</p>'


def facts(pairs: Sequence[tuple[str, str]]) -> str:
    """A definition list of (label, value) texts."""
    items = "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in pairs)
    return f'<dl class="facts">{items}</dl>'


def cell(value: Any, fmt: str = "{:,.2f}", cls: str = "") -> str:
    """One table cell: text escaped, a number formatted and right-aligned, a missing value
    shown as —, a Withheld figure as its reason."""
    if isinstance(value, Withheld):
        return f'<td class="withheld">{escape(value.text)}</td>'
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return f'<td class="c {cls}">{EMPTY}</td>'
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        return (
            f'<td class="{cls}">{escape(str(value))}</td>'
            if cls
            else f"<td>{escape(str(value))}</td>"
        )
    return f'<td class="n {cls}">{fmt.format(value)}</td>'


def table(
    headers: Sequence[str],
    rows: Iterable[Sequence[str]],
    *,
    totals: Iterable[bool] = (),
    table_id: str | None = None,
    top: Sequence[tuple[str, int]] = (),
) -> str:
    """A table from headers (text) and rows of cells made by `cell`; rows flagged in `totals`
    are drawn bold, as totals. `top`: an upper header row of (text, columns spanned)."""
    flags = list(totals)
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    if top:
        upper = "".join(f'<th colspan="{n}">{escape(t)}</th>' for t, n in top)
        head = f"{upper}</tr><tr>{head}"
    body = "".join(
        f"<tr{' class=total' if i < len(flags) and flags[i] else ''}>{''.join(r)}</tr>"
        for i, r in enumerate(rows)
    )
    ident = f' id="{table_id}"' if table_id else ""
    return (
        f'<div class="scroll"><table{ident}><thead><tr>{head}</tr></thead>'
        f"<tbody>{body}</tbody></table></div>"
    )


def escaped(column: pd.Series, missing: str = EMPTY) -> pd.Series:
    """A column's values as escaped HTML text, `missing` for a missing one; vectorised (no
    Python per cell)."""
    text = column.astype("string")
    for raw, safe in (
        ("&", "&amp;"),
        ("<", "&lt;"),
        (">", "&gt;"),
        ('"', "&quot;"),
        ("'", "&#x27;"),
    ):
        text = text.str.replace(raw, safe, regex=False)
    return text.fillna(missing).astype(object)


def formatted(values: np.ndarray, decimals: int) -> pd.Series:
    """Numbers with `decimals` places (no thousands separator: the column sorts as numbers),
    missing as —."""
    values = np.asarray(values, dtype=float)
    out = pd.Series(np.round(values, decimals)).map(f"{{:.{decimals}f}}".format)
    return out.where(np.isfinite(values), EMPTY).astype(object)


@dataclass(frozen=True)
class Column:
    """A column of a long table: its header, its cells as HTML text (escaped already), the
    class of its cells (one for all, or one per row) and whether it holds numbers (sorted as
    numbers by the script)."""

    header: str
    values: pd.Series
    cls: str | pd.Series = ""
    number: bool = False
    width: float = 8.0  # em: the table is laid out fixed, not by measuring every cell


def _arrow(column: pd.Series) -> pa.Array:
    return pa.array(column.to_numpy(dtype=object, na_value=EMPTY), type=pa.string())


def big_table(columns: Sequence[Column], *, table_id: str) -> str:
    """A long table (the firm list, the issue list) built by joining whole columns of text,
    not cell by cell in Python."""
    head = "".join(
        f'<th data-type="number">{escape(c.header)}</th>'
        if c.number
        else f"<th>{escape(c.header)}</th>"
        for c in columns
    )
    n = len(columns[0].values) if columns else 0
    parts: list[Any] = []
    for c in columns:
        if isinstance(c.cls, pd.Series):
            parts += ['<td class="', _arrow(c.cls), '">']
        else:
            parts.append(f'<td class="{c.cls}">' if c.cls else "<td>")
        parts += [_arrow(c.values), "</td>"]
    if n:  # one call joins every row's pieces (in C: 8× faster than adding Series of text)
        joined = pc.binary_join_element_wise("<tr>", *parts, "</tr>", "")
        rows = "\n".join(joined.to_pylist())
    else:
        rows = ""
    cols = "".join(f'<col style="width:{c.width:g}em">' for c in columns)
    total = sum(c.width for c in columns)
    return (
        f'<div class="scroll tall"><table id="{table_id}" class="fixed" '
        f'style="width:{total:g}em"><colgroup>{cols}</colgroup><thead><tr>{head}</tr></thead>'
        f"<tbody>\n{rows}\n</tbody></table></div>"
    )
