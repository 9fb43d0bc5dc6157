"""Field columns for expressions (with the derived fields) and indicator values, vectorised.

Columns are built lazily: only the fields that the rules actually name are converted to numpy,
so a province-scale table with fifty columns costs only what the method reads.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping

import numpy as np
import pandas as pd

from .. import codes, units
from ..fields import FIELDS
from ..rules import Rules
from ..rules.expr import absent_like
from .derive import group_index, names_of


class FieldColumns(Mapping[str, np.ndarray]):
    """Read-only mapping field code → numpy column, computed on first use and cached.

    Numbers are float64 with NaN for missing; flags are bool with missing as False; text is an
    object array. Derived fields: land_mu, industry_division, years_operating; energy_tce and
    emissions_t fall back to their parts (carriers, pollutants) where not given.
    """

    def __init__(self, frame: pd.DataFrame, rules: Rules) -> None:
        self._frame = frame
        self._rules = rules
        self._cache: dict[str, np.ndarray] = {}
        self._derives = {d.code: d for d in rules.derive}
        self._groups: dict[str, tuple[np.ndarray, list[str]]] = {}  # see `groups`
        self.n = len(frame)
        self._last: tuple[FieldColumns, np.ndarray] | None = None  # see `link_previous`
        self._units: tuple[np.ndarray, ...] | None = None  # see `link_units`

    def link_previous(self, last: FieldColumns, at: np.ndarray) -> None:
        """Last year's columns, and each row's position among them (-1: none), for
        previous(field)."""
        self._last = (last, at)

    def link_units(
        self, members: np.ndarray, unit: np.ndarray, leads: np.ndarray, of_lead: np.ndarray
    ) -> None:
        """`[units] merge_by`: previous(field) of a unit's lead row is the unit's value last
        year — numbers summed over its members' rows of last year (missing when none gave
        one), flags true when any member's was. `members`: rows in a unit; `unit`: their unit
        numbers; `leads`: the lead rows; `of_lead`: each lead's unit number."""
        if self._last is not None:
            self._units = (members, unit, leads, of_lead)

    def has_previous(self) -> np.ndarray:
        """Rows whose firm has a row last year."""
        if self._last is None:
            return np.zeros(self.n, dtype=bool)
        found = self._last[1] >= 0
        if self._units is not None:  # a unit has last year's data when a member has
            members, unit, leads, of_lead = self._units
            k = int(unit.max()) + 1 if len(unit) else 1
            found = found.copy()
            found[leads] = np.bincount(unit, found[members].astype(float), k)[of_lead] > 0
        return found

    def previous_link(self) -> tuple[FieldColumns, np.ndarray] | None:
        """Last year's columns and each row's position among them (see `link_previous`)."""
        return self._last

    def previous_of(self, code: str) -> np.ndarray:
        """Each row's value of `code` in its firm's row of last year (missing where none)."""
        out = absent_like(self[code])
        if self._last is None:
            return out
        last, at = self._last
        found = at >= 0
        out[found] = last[code][at[found]]
        if self._units is not None and out.dtype.kind in "fb":
            members, unit, leads, of_lead = self._units
            k = int(unit.max()) + 1 if len(unit) else 1
            if out.dtype.kind == "b":
                out[leads] = np.bincount(unit, out[members].astype(float), k)[of_lead] > 0
            else:
                known = ~np.isnan(out)
                total = np.bincount(unit, np.where(known, out, 0.0)[members], k)
                given = np.bincount(unit, known[members].astype(float), k)
                out[leads] = np.where(given[of_lead] > 0, total[of_lead], np.nan)
        return out

    def __getitem__(self, code: str) -> np.ndarray:
        if code not in self._cache:
            spec = self._derives.get(code)
            if spec is not None and spec.formula is None:  # a map: keep the group numbers too
                assert spec.source is not None
                source = spec.source
                plain = source in self._frame.columns and source not in self._cache
                # a text column as read is factorized as it is (no object array made first)
                raw = self._frame[source] if plain and source not in self._derives else self[source]
                found = group_index(raw, spec.map, spec.default)
                self._groups[code] = found
                self._cache[code] = names_of(*found)
            elif spec is not None and spec.formula is not None:
                values = np.asarray(spec.formula(self, self.n), dtype=float)
                self._cache[code] = np.where(np.isinf(values), np.nan, values)
            else:
                with self._rules.fields_in_use():  # also after the evaluation, for exports
                    if code not in FIELDS:
                        raise KeyError(code)
                    self._cache[code] = self._build(code)
        return self._cache[code]

    def groups(self, code: str) -> tuple[np.ndarray, list[str]] | None:
        """A map derive's group number per row (-1: none) and the group names, without
        hashing its text again (tiers `by` it); None for any other field."""
        if code in self._derives and self._derives[code].formula is None:
            self[code]
            return self._groups[code]
        return None

    def take(self, positions: np.ndarray, frame: pd.DataFrame) -> FieldColumns:
        """The columns of the rows at `positions` (whose frame is `frame`): what was computed
        already is sliced, not computed again."""
        out = FieldColumns(frame, self._rules)
        out._cache = {code: column[positions] for code, column in self._cache.items()}
        out._groups = {c: (index[positions], names) for c, (index, names) in self._groups.items()}
        if self._last is not None:
            out._last = (self._last[0], self._last[1][positions])
        return out

    def __iter__(self) -> Iterator[str]:
        yield from FIELDS
        yield from (c for c in self._derives if c not in FIELDS)

    def __len__(self) -> int:
        return len(FIELDS) + sum(1 for c in self._derives if c not in FIELDS)

    def _raw(self, code: str) -> np.ndarray:
        kind = FIELDS[code].kind if code in FIELDS else "number"
        if code not in self._frame.columns:
            if kind == "bool":
                return np.zeros(self.n, dtype=bool)
            if kind in ("number", "int"):
                return np.full(self.n, np.nan)
            if kind == "date":
                return np.full(self.n, np.datetime64("NaT"), dtype="datetime64[ns]")
            return np.full(self.n, None, dtype=object)
        col = self._frame[code]
        if kind == "bool":
            return col.fillna(False).to_numpy(dtype=bool)
        if kind in ("number", "int"):
            return col.to_numpy(dtype=float, na_value=np.nan)
        if kind == "date":
            return pd.to_datetime(col, errors="coerce").to_numpy(dtype="datetime64[ns]")
        return col.to_numpy(dtype=object, na_value=None)

    def _build(self, code: str) -> np.ndarray:
        if code == "land_mu":
            owned, leased, let = (self._raw(c) for c in FIELDS[code].needs)
            return units.sum_known([owned, leased], minus=[let])
        if code == "industry_division":
            if "industry_code" not in self._frame:
                return np.full(self.n, np.nan)
            return codes.industry_division(self._frame["industry_code"])
        if code == "years_operating":
            end = np.datetime64(f"{self._rules.year}-12-31", "D")
            days = (end - self["established"].astype("datetime64[D]")).astype(float)
            days[np.isnat(self["established"])] = np.nan
            days /= 365.25
            return days
        if code == "energy_tce":
            coefficients = self._rules.energy.coefficients()
            return self._fall_back(code, lambda parts: units.energy_tce(parts, coefficients))
        if code == "revenue":  # 营业收入, else 主营业务收入 where a firm gave only that
            return self._fall_back(code, lambda parts: parts["main_revenue"])
        if code == "emissions_t":
            return self._fall_back(code, lambda parts: units.sum_known(list(parts.values())))
        return self._raw(code)

    def _fall_back(
        self, code: str, combine: Callable[[dict[str, np.ndarray]], np.ndarray]
    ) -> np.ndarray:
        """The field as given, and where it is missing its parts combined (computed on those
        rows only: most firms give the field itself)."""
        given = self._raw(code)
        present = [c for c in FIELDS[code].fallback if c in self._frame]
        if not present:
            return given
        rows = np.flatnonzero(np.isnan(given))
        if not len(rows):
            return given
        out = given.copy()
        out[rows] = combine({c: self._raw(c)[rows] for c in present})
        return out


def indicator_values(raw: np.ndarray, *, fresh: bool = False) -> np.ndarray:
    """An indicator's values from its formula's result: infinities become NaN (missing).
    `fresh`: `raw` is the caller's own array and may be changed in place."""
    values = np.asarray(raw, dtype=float)
    infinite = np.isinf(values)
    if not infinite.any():
        return values if fresh else values.copy()
    out = values if fresh else values.copy()
    out[infinite] = np.nan
    return out
