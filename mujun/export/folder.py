"""A run folder (DESIGN §6), written whole or not at all.

Files go to a hidden temporary folder beside the target, which is renamed into place at the end.
An existing target is replaced only when it is itself a run folder (it has a manifest.json), so
a mistyped --out can never wipe unrelated files.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

from ..errors import ExportError
from ..evaluation import Evaluation
from .tables import write_csv, write_issues_csv, write_json, write_parquet

RUN_STATUSES = ("试评价", "初评", "终评")


def manifest(evaluation: Evaluation, status: str) -> dict[str, Any]:
    """What the run was made from and what it holds; no clock time, so reruns are identical."""
    issues = evaluation.issues
    return {
        **evaluation.provenance,
        "status": status,
        "issues": {s: int((issues["severity"] == s).sum()) for s in ("error", "warning", "info")},
        "files": ["results.csv", "results.parquet", "issues.csv", "manifest.json"],
    }


def write_run(evaluation: Evaluation, out_dir: str | Path, *, status: str = "试评价") -> Path:
    """Write results.csv, results.parquet, issues.csv and manifest.json into out_dir, atomically."""
    if status not in RUN_STATUSES:
        raise ExportError(f"run status must be one of {RUN_STATUSES}, got {status!r}")
    out = Path(out_dir)
    if out.exists() and (
        not out.is_dir() or (any(out.iterdir()) and not (out / "manifest.json").is_file())
    ):
        raise ExportError(f"{out} exists and is not a mujun run folder; choose another --out")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        write_csv(evaluation.results, tmp / "results.csv")
        write_parquet(evaluation.results, tmp / "results.parquet")
        write_issues_csv(evaluation.issues, tmp / "issues.csv")
        write_json(manifest(evaluation, status), tmp / "manifest.json")
        tmp.chmod(0o755)
        if out.exists():
            old = out.with_name(f".{out.name}.old")
            shutil.rmtree(old, ignore_errors=True)
            out.rename(old)
            tmp.rename(out)
            shutil.rmtree(old, ignore_errors=True)
        else:
            tmp.rename(out)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise ExportError(f"cannot write {out}: {exc}") from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out
