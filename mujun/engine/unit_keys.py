"""What a row's key means under the rules' `[input] key_check` and `key_label` (rules/unit_key.py).

Reading checks every key as a credit code (GB 32100) and knows no rules, so the evaluation says
what those findings mean when the rules evaluate other units (countries, regions) with
`key_check = "none"`: any non-blank text is a key — no length, alphabet or check character, and a
number read from a workbook is its text (1.0 reads "1", as reading already writes it) — while a
blank key is still missing and copies of one key-year are still duplicates. The credit-code notes
of reading are dropped then. `key_label` names the key column in every message a person reads.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from ..issues import concat_issues, issue_rows
from ..keys import KeyState, firm_years
from ..rules.inputs import InputRules
from ..rules.unit_key import KEY_LABEL, said_key
from ..table import EnterpriseTable
from .evaluation import Evaluation

# reading's notes that only a credit code can deserve
CREDIT_CODE_NOTES = (
    "bad-credit-code",
    "credit-code-check-digit",
    "credit-code-as-number",
    "credit-code-twin",
)


def rekey(table: EnterpriseTable, inputs: InputRules) -> EnterpriseTable:
    """The table with its key states as `inputs.key_check` judges them (the table itself when
    the check is the credit code's). Under "none": blank → missing, copies that disagreed stay
    a conflict, every other key is usable; rows that reading kept apart because their key was a
    number (reading never joins a code Excel may have cut short) but that share a key-year with
    another row are duplicates, rejected as copies no one can choose between."""
    if inputs.key_check == "credit_code":
        return table
    key = np.where(table.key == KeyState.CONFLICT, KeyState.CONFLICT, KeyState.OK)
    key = key.astype(np.int8)
    code = table.frame["credit_code"]
    key[code.isna().to_numpy()] = KeyState.MISSING
    unjoined = table.key == KeyState.AS_NUMBER
    notes = table.notes[~table.notes["code"].isin(CREDIT_CODE_NOTES).to_numpy()]
    if unjoined.any():
        group = firm_years(code, table.frame.get("year"), key)
        shared = np.bincount(group)[group] > 1
        touched = np.isin(group, group[unjoined & shared]) & (key == KeyState.OK)
        key[touched] = KeyState.CONFLICT
        found = issue_rows(
            "duplicate-firm", touched, origin=table.origin, credit_code=code, field="credit_code"
        )
        notes = concat_issues([notes, found])
    return replace(table, key=key, notes=notes.reset_index(drop=True))


def said(text: pd.Series, inputs: InputRules) -> pd.Series:
    """Messages with the credit code's name replaced by `key_label` (unchanged by default)."""
    return said_key(text, inputs.key_label)


def relabel_issues(issues: pd.DataFrame, inputs: InputRules) -> pd.DataFrame:
    """An issue table whose messages name the key column by `key_label`."""
    if inputs.key_label == KEY_LABEL or issues.empty:
        return issues
    out = issues.copy()
    out["message"] = _said_column(out["message"], inputs)
    return out


def _said_column(column: pd.Series, inputs: InputRules) -> pd.Series:
    """`said` on a column of any dtype, keeping it (a categorical: its categories renamed)."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        renamed = said(pd.Series(column.cat.categories, dtype="string"), inputs)
        if renamed.is_unique:
            return column.cat.rename_categories(renamed.tolist())
        return said(column.astype("string"), inputs).astype("category")
    return said(column.astype("string"), inputs).astype(column.dtype)


def relabel(ev: Evaluation) -> Evaluation:
    """The evaluation with its issue messages and status reasons naming the key column by the
    rules' `key_label`."""
    inputs = ev.rules.input
    if inputs.key_label == KEY_LABEL:
        return ev
    results = ev.results.copy()
    results["status_reason"] = _said_column(results["status_reason"], inputs)
    return replace(ev, results=results, issues=relabel_issues(ev.issues, inputs))
