"""Compare two runs (DESIGN §6): which firms moved, and whether by their own correction.

`compare(before, after)` takes two Evaluations or two run folders (results.parquet or
results.csv, and manifest.json). A firm moved when its status, total score (beyond
`SCORE_TOLERANCE`), rank or tier differs. Its cause is "own" when `after` applied a correction
(or 采纳 appeal) to it that `before` did not, or with another value — with those appeal ids —
and "knock-on" otherwise: quotas and pooled benchmarks are relative, so one correction moves
others. Firms are matched by credit code and year (two rows of one firm-year in their order);
rows without a credit code cannot be matched and are only counted.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import DataError
from .evaluation import Evaluation

SCORE_TOLERANCE = 1e-6
MANIFEST_LIMIT = 256 * 2**20  # bytes: a manifest lists every correction and appeal
SIDE = ("status", "tier", "rank", "total_score")
_IDENTITY = ("name", "park", "class")
OWN, KNOCK_ON = "own", "knock-on"
LAST_TIERS = ("U", "未分档")
_SEP = "\x1f"  # between the appeal ids of one firm while they are grouped


@dataclass(frozen=True)
class Run:
    """One side of a comparison: results, the corrections it applied, each class's tier order."""

    results: pd.DataFrame
    corrections: list[dict[str, Any]]
    tier_order: dict[str, list[str]]
    label: str = ""
    class_labels: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Comparison:
    """`firms`: every matched firm that moved or has an own correction, before/after values
    (`<column>_before`, `<column>_after`), `moved`, `direction` (up/down/same/status),
    `cause`, `appeals` (a list of ids). `added`/`removed`: firms in one side only. `counts`:
    moved firms per class and park, by direction. `unmatched`: rows of each side without a
    credit code."""

    firms: pd.DataFrame
    added: pd.DataFrame
    removed: pd.DataFrame
    counts: pd.DataFrame
    unmatched: dict[str, int]
    class_labels: dict[str, str] = field(default_factory=dict)  # class code → its name

    @property
    def moved(self) -> pd.DataFrame:
        return self.firms[self.firms["moved"].to_numpy(dtype=bool)].reset_index(drop=True)

    def to_json(self) -> dict[str, Any]:
        """DESIGN §7: {"moved": [{credit_code, before, after, cause, appeals}], …} + counts."""
        moved = self.moved
        return {
            "moved": [
                {
                    "credit_code": r["credit_code"],
                    "year": _plain(r["year"]),
                    "name": _plain(r["name"]),
                    "before": {k: _plain(r[f"{k}_before"]) for k in SIDE},
                    "after": {k: _plain(r[f"{k}_after"]) for k in SIDE},
                    "cause": r["cause"],
                    "appeals": list(r["appeals"]),
                }
                for r in moved.to_dict("records")
            ],
            "added": [_identity(r) for r in self.added.to_dict("records")],
            "removed": [_identity(r) for r in self.removed.to_dict("records")],
            "counts": [
                {k: _plain(v) for k, v in r.items()} for r in self.counts.to_dict("records")
            ],
            "unmatched": dict(self.unmatched),
        }


def compare(
    before: Evaluation | Run | str | Path, after: Evaluation | Run | str | Path
) -> Comparison:
    """Every firm whose status, score, rank or tier moved between two runs, and why."""
    a, b = as_run(before), as_run(after)
    order = {**a.tier_order, **b.tier_order}
    left, right = _keyed(a.results), _keyed(b.results)
    both = left.merge(right, on=["_key", "_n"], how="outer", suffixes=("_before", "_after"))
    in_a = both["credit_code_before"].notna().to_numpy()
    in_b = both["credit_code_after"].notna().to_numpy()
    matched = both[in_a & in_b].reset_index(drop=True)
    changed = np.zeros(len(matched), dtype=bool)
    for column in SIDE:  # a loop over four columns
        changed |= _differs(matched[f"{column}_before"], matched[f"{column}_after"], column)
    out = pd.DataFrame(
        {
            "credit_code": matched["credit_code_after"].astype(object),
            "year": matched["year_after"],
            **{c: matched[f"{c}_after"].fillna(matched[f"{c}_before"]) for c in _IDENTITY},
            **{f"{c}_{s}": matched[f"{c}_{s}"] for c in SIDE for s in ("before", "after")},
        }
    )
    out["moved"] = changed
    out["direction"] = _direction(out, order)
    own = _own(a.corrections, b.corrections)
    key = matched["_key"]
    joined = key.map(own).astype(object).fillna("")
    out["appeals"] = joined.astype(str).str.findall(f"[^{_SEP}]+")  # lists, [] for none
    out["cause"] = np.where(key.isin(own.index).to_numpy(), OWN, KNOCK_ON)
    firms = out[out["moved"] | (out["cause"] == OWN)].reset_index(drop=True)
    return Comparison(
        firms=firms,
        added=_side(both[in_b & ~in_a], "after"),
        removed=_side(both[in_a & ~in_b], "before"),
        counts=_counts(firms[firms["moved"]]),
        unmatched={
            "before": int(a.results["credit_code"].isna().sum()),
            "after": int(b.results["credit_code"].isna().sum()),
        },
        class_labels={**a.class_labels, **b.class_labels},
    )


def as_run(source: Evaluation | Run | str | Path) -> Run:
    """An Evaluation or a run folder as one side of a comparison."""
    if isinstance(source, Run):
        return source
    if isinstance(source, Evaluation):
        order = {c.code: list(c.tiers.order) for c in source.rules.classes}
        labels = {c.code: c.label for c in source.rules.classes}
        corrections = list(source.provenance.get("corrections", []))
        return Run(source.results, corrections, order, class_labels=labels)
    return load_run(Path(source))


def load_run(folder: Path) -> Run:
    """A run folder's results and manifest; DataError (Chinese) for a folder that is not one."""
    if not folder.is_dir():
        raise DataError(f"{folder}：不是文件夹（需要 mujun run 写出的结果文件夹）")
    manifest = folder / "manifest.json"
    if not manifest.is_file():
        raise DataError(f"{folder}：没有 manifest.json，不是 mujun run 写出的结果文件夹")
    if manifest.stat().st_size > MANIFEST_LIMIT:
        raise DataError(f"{manifest}：文件过大，不是 mujun 写出的 manifest.json")
    try:
        record = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        raise DataError(f"{manifest}：无法读取（不是有效的 JSON）") from None
    if not isinstance(record, dict) or "mujun_version" not in record:
        raise DataError(f"{manifest}：不是 mujun 写出的 manifest.json")
    results = _read_results(folder)
    missing = [c for c in ("credit_code", "year", *SIDE) if c not in results.columns]
    if missing:
        raise DataError(f"{folder}：结果文件缺少列 {'、'.join(missing)}")
    corrections = record.get("corrections", [])
    order, labels = _rules_of(record)
    if not labels:
        order, labels = _saved_rules(folder)
    listed = corrections if isinstance(corrections, list) else []
    return Run(results, listed, order, str(folder), labels)


def _rules_of(record: dict[str, Any]) -> tuple[dict[str, list[str]], dict[str, str]]:
    """Each class's tier order and name from the run's rules file, when it is still where the
    manifest says and unchanged (same sha256); else none (tiers then go alphabetically)."""
    from ..errors import RulesError
    from ..rules import load_rules

    rules = record.get("rules")
    path = rules.get("path") if isinstance(rules, dict) else None
    if not isinstance(path, str) or not path or not Path(path).is_file():
        return {}, {}
    try:
        method = load_rules(Path(path))
    except (RulesError, OSError):
        return {}, {}
    if not isinstance(rules, dict) or method.sha256 != rules.get("sha256"):
        return {}, {}
    return (
        {c.code: list(c.tiers.order) for c in method.classes},
        {c.code: c.label for c in method.classes},
    )


def _saved_rules(folder: Path) -> tuple[dict[str, list[str]], dict[str, str]]:
    """Each class's tier order and name from the rules the run folder keeps (rules.json),
    when it has them and they read; else none."""
    saved = folder / "rules.json"
    if not saved.is_file() or saved.stat().st_size > MANIFEST_LIMIT:
        return {}, {}
    try:
        text = json.loads(saved.read_text(encoding="utf-8"))
        classes = text["rules"]["class"]
        order = {str(c["code"]): list(c.get("tiers", {}).get("shares", {})) for c in classes}
        labels = {str(c["code"]): str(c.get("label", c["code"])) for c in classes}
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError, AttributeError):
        return {}, {}
    return {k: v for k, v in order.items() if v}, labels


def _read_results(folder: Path) -> pd.DataFrame:
    parquet, csv = folder / "results.parquet", folder / "results.csv"
    try:
        if parquet.is_file():
            return pd.read_parquet(parquet)
        if csv.is_file():
            frame = pd.read_csv(csv, encoding="utf-8-sig", dtype={"credit_code": str})
            return frame.assign(rank=frame["rank"].astype("Int64"))
    except Exception as exc:  # a damaged file: pyarrow and pandas raise many kinds
        raise DataError(f"{folder}：结果文件无法读取（{type(exc).__name__}）") from None
    raise DataError(f"{folder}：没有 results.parquet 或 results.csv，不是 mujun 的结果文件夹")


def _keyed(results: pd.DataFrame) -> pd.DataFrame:
    """The coded rows with a key (credit code|year) and their occurrence number within it."""
    coded = results[results["credit_code"].notna()]
    frame = coded[["credit_code", "year", *_IDENTITY, *SIDE]].copy()
    frame["_key"] = _key(frame["credit_code"], frame["year"])
    frame["_n"] = frame.groupby("_key").cumcount()
    return frame.reset_index(drop=True)


def _key(codes: pd.Series, years: pd.Series) -> pd.Series:
    year = pd.to_numeric(years, errors="coerce").astype("Int64").astype("string").fillna("")
    return codes.astype("string").fillna("") + "|" + year


def _differs(a: pd.Series, b: pd.Series, column: str) -> np.ndarray:
    """Values that differ, a missing one differing from a present one only; numbers compared
    as numbers (a rank read back from a CSV as 107.0 is 107), scores beyond the tolerance."""
    if column in ("total_score", "rank"):
        x = pd.to_numeric(a, errors="coerce").astype("Float64").to_numpy(float, na_value=np.nan)
        y = pd.to_numeric(b, errors="coerce").astype("Float64").to_numpy(float, na_value=np.nan)
        gone = np.isnan(x) != np.isnan(y)
        tolerance = SCORE_TOLERANCE if column == "total_score" else 0.0
        with np.errstate(invalid="ignore"):
            return gone | (np.abs(x - y) > tolerance)
    left, right = a.astype("string"), b.astype("string")
    return ((left != right).fillna(True) & ~(left.isna() & right.isna())).to_numpy(dtype=bool)


def _direction(out: pd.DataFrame, order: dict[str, list[str]]) -> np.ndarray:
    """up / down / same (tier) for firms tiered on both sides; status where either has none."""
    before = _tier_position(out["tier_before"], out["class"], order)
    after = _tier_position(out["tier_after"], out["class"], order)
    known = ~np.isnan(before) & ~np.isnan(after)
    return np.select(
        [~known, after < before, after > before], ["status", "up", "down"], default="same"
    )


def _tier_position(tiers: pd.Series, classes: pd.Series, order: dict[str, list[str]]) -> np.ndarray:
    """Each tier's place in its class's order (best 0); without the rules (a folder), the
    codes in alphabetical order, 不定等级 and 未分档 last."""
    text = tiers.astype("string")
    seen = sorted(t for t in text.dropna().unique() if t not in LAST_TIERS) + list(LAST_TIERS)
    place = pd.Series(np.nan, index=tiers.index)
    fallback = text.map({t: float(i) for i, t in enumerate(seen)}).astype(float)
    for klass, codes in order.items():  # a loop over classes
        mine = (classes == klass).to_numpy(dtype=bool)
        ranks = {t: float(i) for i, t in enumerate([*codes, *LAST_TIERS])}
        place[mine] = text[mine].map(ranks).astype(float)
    return place.fillna(fallback).where(text.notna()).to_numpy(dtype=float)


def _own(before: list[dict[str, Any]], after: list[dict[str, Any]]) -> pd.Series:
    """Per firm key, the ids of the corrections one side applied that the other did not (or
    applied with another value): the firms moved by their own correction — one added in
    `after`, or one `before` had that `after` withdrew."""
    cols = ["credit_code", "year", "field", "new_value", "appeal_id"]
    a, b = _applied(before, cols), _applied(after, cols)
    same = ["credit_code", "year", "field", "new_value"]
    added, gone = _only(b, a, same), _only(a, b, same)
    added_keys, gone_keys = (_key(f["credit_code"], f["year"]) for f in (added, gone))
    # a correction changed to another value names the later one; a withdrawn one its own id
    withdrawn = ~gone_keys.isin(added_keys).to_numpy(dtype=bool)
    gone, gone_keys = gone[withdrawn], gone_keys[withdrawn]
    key = pd.concat([added_keys, gone_keys], ignore_index=True)
    ids = pd.concat([added["appeal_id"], gone["appeal_id"]], ignore_index=True).astype(str)
    pairs = pd.DataFrame({"key": key, "id": ids}).drop_duplicates()
    pairs = pairs.sort_values(["key", "id"])
    return pairs.groupby("key")["id"].agg(lambda ids: _SEP.join(i for i in ids if i))


def _only(mine: pd.DataFrame, other: pd.DataFrame, same: list[str]) -> pd.DataFrame:
    """The corrections of `mine` that `other` does not have with the same value."""
    found = mine.merge(other[same].drop_duplicates(), on=same, how="left", indicator=True)
    return found[found["_merge"] == "left_only"].drop(columns="_merge")


def _applied(records: list[dict[str, Any]], cols: list[str]) -> pd.DataFrame:
    frame = pd.DataFrame(records).reindex(columns=[*cols, "status"]).astype("string").fillna("")
    return frame[frame["status"] == "applied"][cols]


def _side(rows: pd.DataFrame, side: str) -> pd.DataFrame:
    cols = ["credit_code", "year", *_IDENTITY, *SIDE]
    return rows[[f"{c}_{side}" for c in cols]].set_axis(cols, axis=1).reset_index(drop=True)


def _counts(moved: pd.DataFrame) -> pd.DataFrame:
    """Moved firms per class and park: up, down, same tier, status changed."""
    keys = moved[["class", "park"]].astype("string").fillna("（未填）")
    table = pd.crosstab([keys["class"], keys["park"]], moved["direction"])
    table = table.reindex(columns=["up", "down", "same", "status"], fill_value=0)
    table["moved"] = table.sum(axis=1)
    return table.reset_index().astype({c: int for c in ["up", "down", "same", "status", "moved"]})


def _plain(value: Any) -> Any:
    """A JSON-able scalar: NA → None, numpy numbers → Python ones."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    return value


def _identity(row: dict[str, Any]) -> dict[str, Any]:
    return {k: _plain(row[k]) for k in ("credit_code", "year", *_IDENTITY, *SIDE)}
