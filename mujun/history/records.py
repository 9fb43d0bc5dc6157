"""One run as the archive stores it: from an Evaluation or from a run folder (DESIGN §6).

A `RunRecord` holds the run's description (region, year, status, rules, digests) and its rows as
plain Python values (str, int, float, bool or None), ready for a bulk insert. The same run gives
the same record whether it comes from the Evaluation or from the folder `mujun run` wrote, so
that adding it twice is recognised (`results_digest`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import ArchiveError, RunFolderError
from ..fields import FIELDS
from ..oserrors import describe_os_error
from .schema import FIXED_COLUMNS, ISSUE_TEXT

RUN_STATUSES = ("试评价", "初评", "终评")
MANIFEST = "manifest.json"


@dataclass(frozen=True)
class RunRecord:
    """A run ready to store: `meta` is the row of `runs` (without id and current flag)."""

    meta: dict[str, Any]
    results: list[dict[str, Any]]
    issues: list[dict[str, Any]]
    corrections: list[dict[str, Any]]
    appeals: list[dict[str, Any]]
    inputs: list[dict[str, Any]]


def natives(series: pd.Series) -> np.ndarray:
    """A column's values as Python objects a database driver and json take: None for missing,
    dates as ISO text, numbers as int or float, everything else as text."""
    if pd.api.types.is_bool_dtype(series.dtype):
        return series.astype(object).to_numpy(dtype=object, na_value=None)
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        text = series.dt.strftime("%Y-%m-%d").astype("string")
        return text.to_numpy(dtype=object, na_value=None)
    if pd.api.types.is_integer_dtype(series.dtype):
        return series.astype(object).to_numpy(dtype=object, na_value=None)
    if pd.api.types.is_float_dtype(series.dtype):
        values = series.to_numpy(dtype=float, na_value=np.nan)
        out = values.astype(object)
        out[np.isnan(values)] = None
        return out
    return series.astype("string").to_numpy(dtype=object, na_value=None)


def _rows(frame: pd.DataFrame, names: list[str]) -> list[list[Any]]:
    """The frame's `names` columns as lists of plain values, one list per row."""
    if not len(frame):
        return []
    if not names:
        return [[] for _ in range(len(frame))]
    stacked = np.empty((len(frame), len(names)), dtype=object)
    for i, name in enumerate(names):  # a loop over columns
        stacked[:, i] = natives(frame[name])
    return stacked.tolist()


def _json_rows(rows: list[list[Any]]) -> list[str]:
    return [json.dumps(r, ensure_ascii=False) for r in rows]


def _digest(*parts: Any) -> str:
    text = json.dumps(parts, ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _fixed(results: pd.DataFrame) -> pd.DataFrame:
    """The fixed results columns, each present (NA where a run had none)."""
    out = pd.DataFrame(index=results.index)
    for name in FIXED_COLUMNS:
        if name in results:
            out[name] = results[name]
        else:
            out[name] = pd.Series(pd.NA, index=results.index, dtype="string")
    return out


def build_record(
    provenance: dict[str, Any],
    status: str,
    results: pd.DataFrame,
    issues: pd.DataFrame,
    inputs: pd.DataFrame | None,
    written: dt.datetime,
    appeals: list[dict[str, Any]] | None = None,
) -> RunRecord:
    """A RunRecord from what a run is made of (its provenance as the manifest holds it)."""
    if status not in RUN_STATUSES:
        raise ArchiveError(f"评价状态须为 {'、'.join(RUN_STATUSES)} 之一，而不是 {status!r}")
    rules = provenance.get("rules", {})
    extra = [c for c in results.columns if c not in FIXED_COLUMNS]
    fixed = _rows(_fixed(results), list(FIXED_COLUMNS))
    extras = _rows(results, extra)
    results_digest = _digest(list(FIXED_COLUMNS), extra, fixed, extras)
    sources = sorted(str(s.get("sha256", "")) for s in provenance.get("inputs", []))
    corrections = list(provenance.get("corrections", []))
    appeal_list = list(appeals if appeals is not None else provenance.get("appeals", []))
    meta = {
        "region": str(rules.get("region", "")),
        "year": int(rules.get("year", 0)),
        "status": status,
        "rules_name": str(rules.get("name", "")),
        "rules_sha256": str(rules.get("sha256", "")),
        "inputs_digest": _digest(sources, corrections, appeal_list),
        "results_digest": results_digest,
        "mujun_version": str(provenance.get("mujun_version", "")),
        "written": written,
        "firms": len(results),
        "extra_columns": json.dumps(extra, ensure_ascii=False),
        "manifest": json.dumps(provenance, ensure_ascii=False, default=str),
    }
    result_rows = [
        {"position": i, **dict(zip(FIXED_COLUMNS, row, strict=True)), "extra": text}
        for i, (row, text) in enumerate(zip(fixed, _json_rows(extras), strict=True))
    ]
    issue_rows = _issue_rows(issues)
    input_names: list[str] = []
    input_rows: list[dict[str, Any]] = []
    if inputs is not None:
        input_names = [c for c in inputs.columns if c in FIELDS]
        keys = _rows(inputs.reindex(columns=["credit_code", "year"]), ["credit_code", "year"])
        values = _json_rows(_rows(inputs, input_names))
        input_rows = [
            {"position": i, "credit_code": k[0], "year": k[1], "fields": v}
            for i, (k, v) in enumerate(zip(keys, values, strict=True))
        ]
    meta["input_columns"] = json.dumps(input_names, ensure_ascii=False)
    return RunRecord(
        meta=meta,
        results=result_rows,
        issues=issue_rows,
        corrections=_records(corrections),
        appeals=_records(appeal_list),
        inputs=input_rows,
    )


def _records(items: list[Any]) -> list[dict[str, Any]]:
    return [
        {"position": i, "record": json.dumps(item, ensure_ascii=False, default=str)}
        for i, item in enumerate(items)
    ]


def _issue_rows(issues: pd.DataFrame) -> list[dict[str, Any]]:
    frame = issues.reindex(columns=[*ISSUE_TEXT, "row"])
    text = frame[list(ISSUE_TEXT)].astype("string")
    frame = text.assign(row=pd.to_numeric(frame["row"], errors="coerce").astype("Int64"))
    names = [*ISSUE_TEXT, "row"]
    return [
        {"position": i, **dict(zip(names, row, strict=True))}
        for i, row in enumerate(_rows(frame, names))
    ]


def read_folder(folder: str | Path) -> tuple[dict[str, Any], pd.DataFrame, pd.DataFrame, float]:
    """A run folder's manifest, results and issues, and when its manifest was written (a
    timestamp); RunFolderError (an ArchiveError) in Chinese when the folder is no run folder of
    mujun."""
    path = Path(folder)
    where = f"“{path}”"
    if not path.is_dir():
        raise RunFolderError(f"{where} 不是文件夹：请给出 mujun run 写出的结果文件夹")
    manifest_file = path / MANIFEST
    if not manifest_file.is_file():
        raise RunFolderError(f"{where} 中没有 {MANIFEST}：这不是 mujun run 写出的结果文件夹")
    manifest = _manifest(manifest_file, where)
    rules = manifest.get("rules") if isinstance(manifest, dict) else None
    if (
        not isinstance(rules, dict)
        or not {"region", "year", "sha256"} <= set(rules)
        or not isinstance(rules["year"], int)
    ):
        raise RunFolderError(f"{where} 的 {MANIFEST} 不是 mujun 的运行记录（缺少规则、地区或年度）")
    if manifest.get("status") not in RUN_STATUSES:
        raise RunFolderError(f"{where} 的 {MANIFEST} 没有评价状态（试评价、初评或终评）")
    try:
        results = _read_results(path)
        issues_file = path / "issues.csv"
        issues = (
            pd.read_csv(issues_file, dtype=str, keep_default_na=False, na_values=[""])
            if issues_file.is_file()
            else pd.DataFrame(columns=[*ISSUE_TEXT, "row"])
        )
    except OSError as exc:
        raise RunFolderError(
            f"{where} 的结果文件无法读取：{describe_os_error(exc, path=False)}"
        ) from None
    except ValueError:  # a parquet or CSV file that is broken, or numbers that are not numbers
        raise RunFolderError(
            f"{where} 的结果文件（results 或 issues.csv）已损坏或格式不正确，无法读取"
        ) from None
    return manifest, results, issues, manifest_file.stat().st_mtime


def _manifest(manifest_file: Path, where: str) -> Any:
    """The manifest's JSON, or a RunFolderError saying in Chinese why it cannot be read."""
    try:
        return json.loads(manifest_file.read_text(encoding="utf-8"))
    except OSError as exc:
        reason = describe_os_error(exc, path=False)
        raise RunFolderError(f"{where} 的 {MANIFEST} 无法读取：{reason}") from None
    except UnicodeDecodeError:
        raise RunFolderError(f"{where} 的 {MANIFEST} 不是 UTF-8 文本：文件已损坏") from None
    except json.JSONDecodeError as exc:
        raise RunFolderError(
            f"{where} 的 {MANIFEST} 不是有效的 JSON（第 {exc.lineno} 行第 {exc.colno} 列）："
            "文件已损坏或被改动过；请重新运行 mujun run 写出结果文件夹"
        ) from None
    except RecursionError:
        raise RunFolderError(f"{where} 的 {MANIFEST} 嵌套过深，不是 mujun 的运行记录") from None


def _read_results(path: Path) -> pd.DataFrame:
    """results.parquet (exact), else results.csv (numbers read back from text)."""
    if (path / "results.parquet").is_file():
        return pd.read_parquet(path / "results.parquet")
    if not (path / "results.csv").is_file():
        raise RunFolderError(
            f"“{path}” 中没有 results.parquet 或 results.csv：这不是完整的结果文件夹"
        )
    frame = pd.read_csv(
        path / "results.csv",
        dtype=str,
        keep_default_na=False,
        na_values=[""],
        encoding="utf-8-sig",
    )
    for name in frame.columns:
        if name in ("year", "rank"):
            frame[name] = pd.to_numeric(frame[name]).astype("Int64")
        elif name == "total_score" or name not in FIXED_COLUMNS:
            converted = pd.to_numeric(frame[name], errors="coerce")
            if converted.notna().sum() == frame[name].notna().sum():
                frame[name] = converted.astype(float)
    return frame
