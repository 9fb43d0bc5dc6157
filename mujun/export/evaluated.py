"""What a run folder keeps so that its Evaluation can be made again (`mujun explain DIR CODE`):
the table as evaluated (table.parquet: its fields and where each row was read) and the rules
(rules.json), so that the folder explains its firms even after the input files moved."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from ..errors import DataError
from ..rules import Rules
from ..table import EnterpriseTable

if TYPE_CHECKING:
    from ..engine.evaluation import Evaluation

TABLE_FILE = "table.parquet"
RULES_FILE = "rules.json"
EVALUATED_FILES = (TABLE_FILE, RULES_FILE)
_ORIGIN = ("file", "sheet", "row")


def write_evaluated(ev: Evaluation, folder: Path) -> None:
    """table.parquet and rules.json of `ev` into `folder`."""
    table = ev.source if ev.source is not None else ev.table
    frame = table.frame.copy()
    for col in _ORIGIN:
        frame[f"origin:{col}"] = table.origin[col].to_numpy()
    frame.to_parquet(folder / TABLE_FILE, index=False, engine="pyarrow")
    rules = {
        "path": ev.rules.path,
        "sha256": ev.rules.sha256,
        "rules": ev.rules.model_dump(mode="json", by_alias=True, exclude_unset=True),
    }
    text = json.dumps(rules, ensure_ascii=False, indent=1, sort_keys=True)
    (folder / RULES_FILE).write_text(text + "\n", encoding="utf-8")


def read_evaluated(folder: Path) -> Evaluation:
    """The Evaluation of a run folder made again from its table.parquet and rules.json;
    DataError in Chinese when the folder is no run of this kind."""
    from ..engine.evaluate import evaluate
    from .runfolder import MANIFEST

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
    origin = pd.DataFrame({c: frame.pop(f"origin:{c}") for c in _ORIGIN})
    with rules.fields_in_use():
        table = EnterpriseTable.from_frame(frame, origin=origin)
    return evaluate(table, rules)
