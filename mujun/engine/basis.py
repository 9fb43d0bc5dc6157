"""The basis (口径) of each firm's 综合能耗 against the rules' `[energy] basis`.

A 能耗口径 other than 当量值/等价值 is a warning; one that differs from the basis the rules
state is a warning per firm. The value is never converted: 当量值 and 等价值 differ per carrier
(electricity above all), which a total does not show.
"""

from __future__ import annotations

import pandas as pd

from ..fields import ENERGY_BASES
from ..issues import concat_issues, issue_rows
from ..rules import Rules
from ..table import EnterpriseTable
from .columns import FieldColumns


def energy_basis(
    table: EnterpriseTable, columns: FieldColumns, rules: Rules, codes: pd.Series
) -> pd.DataFrame:
    """The issues of the firms' 能耗口径 (none when no file gives one)."""
    if "energy_basis" not in table.frame:
        return concat_issues([])
    raw = columns["energy_basis"]
    given = pd.Series(raw, dtype=object).astype("string").str.strip()
    bad = (given.notna() & ~given.isin(ENERGY_BASES)).to_numpy(dtype=bool)
    origin = table.origin_of("energy_basis")
    found = [
        issue_rows("unknown-energy-basis", bad, origin=origin, credit_code=codes,
                   field="energy_basis", values=raw)
    ]  # fmt: skip
    basis = rules.energy.basis
    for other in ENERGY_BASES if basis is not None else ():
        differs = (given == other).fillna(False).to_numpy(dtype=bool)
        if other != basis and differs.any():
            found.append(
                issue_rows("energy-basis-differs", differs, origin=origin, credit_code=codes,
                           field="energy_basis", values=raw, given=other, basis=basis)
            )  # fmt: skip
    return concat_issues(found)
