"""A run folder opened again as its Evaluation (`mujun explain DIR CODE`): the table and rules
the folder keeps (export/evaluated.py writes them) evaluated once more."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from .engine.evaluate import evaluate
from .engine.evaluation import Evaluation
from .errors import DataError
from .export.evaluated import EVALUATED_FILES, ORIGIN_COLUMNS, RULES_FILE, TABLE_FILE
from .export.runfolder import MANIFEST
from .rules import Rules
from .table import EnterpriseTable


def read_evaluated(folder: Path) -> Evaluation:
    """The Evaluation of a run folder made again from its table.parquet and rules.json;
    DataError in Chinese when the folder is no run of this kind."""
    folder = Path(folder)
    if not (folder / MANIFEST).is_file():
        raise DataError(f"{folder} 不是 mujun run 写出的结果文件夹（没有 {MANIFEST}）")
    missing = [f for f in EVALUATED_FILES if not (folder / f).is_file()]
    if missing:
        raise DataError(
            f"{folder} 中没有 {'、'.join(missing)}：该结果由较早版本写出，请用 mujun run 重新评价"
        )
    try:
        saved = json.loads((folder / RULES_FILE).read_text(encoding="utf-8"))
        rules = Rules.model_validate(saved["rules"])
        frame = pd.read_parquet(folder / TABLE_FILE, engine="pyarrow")
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise DataError(f"无法读取 {folder} 中保存的评价数据：{exc}") from None
    rules._path = str(saved.get("path") or "")
    rules._sha256 = str(saved.get("sha256") or "")
    origin = pd.DataFrame({c: frame.pop(f"origin:{c}") for c in ORIGIN_COLUMNS})
    with rules.fields_in_use():
        table = EnterpriseTable.from_frame(frame, origin=origin)
    return evaluate(table, rules)
