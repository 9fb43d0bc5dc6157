"""The pydantic models of a rules file (DESIGN §4) and their cross-checks.

Every model forbids unknown keys; validators check what one model can see (weights adding up,
tier shares summing to 1, tier labels that exist, expressions naming known fields and typed
correctly). Loading and error locating live in `load.py`.
"""

from __future__ import annotations

import difflib
import itertools
import math
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    PrivateAttr,
    field_validator,
    model_validator,
)

from ..fields import FIELDS
from ..units import DEFAULT_COEFFICIENTS
from . import expr, types
from .base import (
    BENCHMARK_RANGE,
    FACTOR_RANGE,
    MAX_MULTIPLE,
    MAX_PLAUSIBLE,
    MAX_POINTS,
    MAX_THRESHOLD,
    Coefficient,
    Model,
    Text,
    Weight,
    sample_columns,
)
from .selection import Selection

RULES_FORMAT = 1
STATISTICS = ("mean", "median", "pooled")


_SAMPLE = sample_columns()


def _compiled(text: object, check: Callable[[expr.Expression], expr.Expression]) -> expr.Expression:
    """Parse, check the names and the result type, then evaluate once on sample columns (what
    the types cannot see, such as a constant too large to compute, is found when rules load)."""
    if isinstance(text, expr.Expression):
        return check(text)
    parsed = check(expr.parse(text, known=FIELDS))  # type: ignore[arg-type]  # parse says why
    parsed(_SAMPLE, 2)
    return parsed


def _formula(text: object) -> expr.Expression:
    """A compiled expression whose result is a number."""
    return _compiled(text, types.check_formula)


def _condition(text: object) -> expr.Expression:
    """A compiled expression that can stand as a condition (是/否 or a number)."""
    return _compiled(text, types.check_condition)


def _check_code(text: str) -> str:
    if not re.fullmatch(r"[a-z][a-z0-9_]*", text):
        raise ValueError(f"codes are ASCII snake_case (e.g. tax_per_mu), got {text!r}")
    return text


def _check_field(text: str) -> str:
    if text not in FIELDS:
        hint = difflib.get_close_matches(text, list(FIELDS), n=1)
        raise ValueError(
            f"unknown field {text!r}" + (f" (did you mean {hint[0]!r}?)" if hint else "")
        )
    return text


Formula = Annotated[expr.Expression, BeforeValidator(_formula)]
Condition = Annotated[expr.Expression, BeforeValidator(_condition)]
Code = Annotated[str, AfterValidator(_check_code)]
FieldName = Annotated[str, AfterValidator(_check_field)]


class EnergyRules(Model):
    """Coefficients that turn each energy carrier into kgce (GB/T 2589 defaults)."""

    electricity_kgce_per_kwh: Coefficient = DEFAULT_COEFFICIENTS["electricity_kgce_per_kwh"]
    gas_kgce_per_m3: Coefficient = DEFAULT_COEFFICIENTS["gas_kgce_per_m3"]
    coal_kgce_per_kg: Coefficient = DEFAULT_COEFFICIENTS["coal_kgce_per_kg"]
    washed_coal_kgce_per_kg: Coefficient = DEFAULT_COEFFICIENTS["washed_coal_kgce_per_kg"]
    coke_kgce_per_kg: Coefficient = DEFAULT_COEFFICIENTS["coke_kgce_per_kg"]
    fuel_oil_kgce_per_kg: Coefficient = DEFAULT_COEFFICIENTS["fuel_oil_kgce_per_kg"]
    petrol_kgce_per_kg: Coefficient = DEFAULT_COEFFICIENTS["petrol_kgce_per_kg"]
    diesel_kgce_per_kg: Coefficient = DEFAULT_COEFFICIENTS["diesel_kgce_per_kg"]
    lpg_kgce_per_kg: Coefficient = DEFAULT_COEFFICIENTS["lpg_kgce_per_kg"]
    heat_kgce_per_gj: Coefficient = DEFAULT_COEFFICIENTS["heat_kgce_per_gj"]


class InputRules(Model):
    """How departmental files are merged: file-name patterns (fnmatch) in priority order; when
    two files give different values for one field, the earlier pattern's file wins."""

    priority: list[str] = []


class Exclusion(Model):
    """Rows evaluated by no class: the first matching exclusion gives status and reason."""

    when: Condition
    status: Literal["exempt", "deferred"]
    reason: Text


class Score(Model):
    """How an indicator value becomes points.

    ratio:  value / benchmark × weight (direction "lower": benchmark / value × weight), clipped
            to [floor × weight, cap × weight] when given.
    minmax: weight × [floor + (100 − floor) × (x − min) / (max − min)] / 100 over the class
            (or over each `by` group); floor is in percent of the weight.
    rank:   percentile rank within the class (or `by` group) × weight.
    """

    method: Literal["ratio", "minmax", "rank"]
    benchmark: float | str | None = None
    by: FieldName | None = None
    factor: Annotated[float, Field(ge=FACTOR_RANGE[0], le=FACTOR_RANGE[1])] = 1.0
    cap: Annotated[float, Field(gt=0, le=MAX_MULTIPLE)] | None = None
    floor: Annotated[float, Field(ge=0, le=MAX_MULTIPLE)] | None = None

    @field_validator("benchmark", mode="before")
    @classmethod
    def _not_bool(cls, v: object) -> object:
        if isinstance(v, bool):
            raise ValueError(f"benchmark is a number or one of {', '.join(STATISTICS)}; got {v}")
        if isinstance(v, float) and not math.isfinite(v):
            raise ValueError(f"固定基准值须为有限数值，不能是 {v}")
        return v

    @field_validator("benchmark")
    @classmethod
    def _benchmark(cls, v: float | str | None) -> float | str | None:
        if isinstance(v, str) and v not in STATISTICS:
            raise ValueError(f"benchmark is a number or one of {', '.join(STATISTICS)}; got {v!r}")
        if isinstance(v, float) and not v > 0:
            raise ValueError(f"a fixed benchmark must be positive, got {v}")
        lo, hi = BENCHMARK_RANGE
        if isinstance(v, float) and not lo <= v <= hi:
            raise ValueError(f"固定基准值须在 {lo:g} 至 {hi:g} 之间，实为 {v:g}")
        return v

    @model_validator(mode="after")
    def _consistent(self) -> Score:
        if self.method == "ratio":
            if self.benchmark is None:
                raise ValueError(
                    "method 'ratio' needs a benchmark (a number, mean, median, pooled)"
                )
            fixed = not isinstance(self.benchmark, str)
            if fixed and (self.by is not None or self.factor != 1.0):
                raise ValueError(
                    "'by' and 'factor' apply to mean, median or pooled benchmarks only"
                )
            if self.cap is not None and self.floor is not None and self.floor > self.cap:
                raise ValueError(f"floor {self.floor} is above cap {self.cap}")
        else:
            if self.benchmark is not None or self.factor != 1.0 or self.cap is not None:
                raise ValueError(f"method {self.method!r} takes no benchmark, factor or cap")
            if self.method == "rank" and self.floor is not None:
                raise ValueError("method 'rank' takes no floor")
            if self.method == "minmax" and self.floor is not None and self.floor >= 100:
                raise ValueError(f"a minmax floor is a percentage below 100, got {self.floor}")
        return self


class Indicator(Model):
    """One scored indicator of a class."""

    code: Code
    label: Text
    unit: str = ""
    formula: Formula
    weight: Weight
    direction: Literal["higher", "lower"] = "higher"
    score: Score
    missing: Literal["zero", "mean_score", "penalty", "exclude"] = "zero"
    missing_points: Annotated[float, Field(ge=0, le=MAX_POINTS)] | None = None
    negative: Literal["zero", "keep", "missing"] = "zero"
    plausible_max: Annotated[float, Field(gt=0, le=MAX_PLAUSIBLE)] | None = (
        None  # a value above it is reported as implausible
    )
    percent: bool = False  # the value is a share (0.031): workbooks show it as 3.10%

    @model_validator(mode="after")
    def _consistent(self) -> Indicator:
        if (self.missing == "penalty") != (self.missing_points is not None):
            raise ValueError("missing_points is given exactly when missing = 'penalty'")
        if self.score.benchmark == "pooled" and self.formula.as_ratio() is None:
            raise ValueError(
                f"a pooled benchmark needs a formula 'numerator / denominator', "
                f"got {self.formula.text!r}"
            )
        if self.score.method == "ratio" and self.direction == "lower" and self.score.cap is None:
            raise ValueError(
                "direction 'lower' with method 'ratio' needs a cap: a value of 0 "
                "would otherwise score without limit"
            )
        return self


class Adjustment(Model):
    """Bonus (positive) or penalty (negative) points added to the total score."""

    when: Condition
    points: Annotated[float, Field(ge=-MAX_POINTS, le=MAX_POINTS)]
    label: Text


class TierRule(Model):
    """A veto (at_most), a protection (at_least) or a forced tier, applied after ranking."""

    when: Condition
    at_most: str | None = None
    at_least: str | None = None
    force: str | None = None
    reason: Text

    @model_validator(mode="after")
    def _one_action(self) -> TierRule:
        given = [k for k in ("at_most", "at_least", "force") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("a tier rule has exactly one of at_most, at_least, force")
        return self

    @property
    def action(self) -> tuple[str, str]:
        """(kind, tier) of this rule."""
        for kind in ("at_least", "at_most", "force"):
            tier = getattr(self, kind)
            if tier is not None:
                return kind, tier
        raise AssertionError("validated to have one action")


class Tiers(Model):
    """How ranked firms become tiers.

    quota: `shares` in order from best to worst; cumulative counts are rounded by `rounding`
    (half_up, floor or ceil of cumulative share × firms); equal scores always share a tier, the
    better one when a tie straddles a boundary.
    threshold: `minimum` scores from best to worst; firms below the last minimum get `below`.
    """

    method: Literal["quota", "threshold"]
    shares: dict[str, Annotated[float, Field(ge=0, le=1)]] | None = None
    rounding: Literal["half_up", "floor", "ceil"] = "half_up"
    minimum: dict[str, Annotated[float, Field(ge=-MAX_THRESHOLD, le=MAX_THRESHOLD)]] | None = None
    below: str | None = None
    names: dict[str, str] = {}
    rule: list[TierRule] = []

    @model_validator(mode="after")
    def _consistent(self) -> Tiers:
        if self.method == "quota":
            if not self.shares or self.minimum is not None or self.below is not None:
                raise ValueError("quota tiers take 'shares' (and no minimum or below)")
            total = sum(Decimal(str(s)) for s in self.shares.values())
            if total != 1:
                raise ValueError(f"tier shares add up to {total}, expected 1")
        else:
            if not self.minimum or self.below is None or self.shares is not None:
                raise ValueError("threshold tiers take 'minimum' and 'below' (and no shares)")
            bounds = list(self.minimum.values())
            if any(a <= b for a, b in itertools.pairwise(bounds)):
                raise ValueError("threshold minimums must decrease from the best tier down")
            if self.below in self.minimum:
                raise ValueError(f"'below' tier {self.below!r} also has a minimum")
        order = self.order
        for key in self.names:
            if key not in order:
                raise ValueError(f"names: tier {key!r} is not one of {order}")
        for i, r in enumerate(self.rule):
            if r.action[1] not in order:
                raise ValueError(f"rule[{i}]: tier {r.action[1]!r} is not one of {order}")
        return self

    @property
    def order(self) -> list[str]:
        """Tier labels from best to worst."""
        if self.method == "quota":
            return list(self.shares or {})
        return [*(self.minimum or {}), str(self.below)]


class EvalClass(Model):
    """An evaluation population (序列): its members, indicators, adjustments and tiers."""

    code: Code
    label: Text
    when: Condition
    aggregate: Literal["sum"] = "sum"
    total_weight: Weight = 100.0
    indicators: list[Indicator] = Field(alias="indicator", min_length=1)
    adjust: list[Adjustment] = []
    tiers: Tiers

    def formula_fields(self) -> set[str]:
        """Fields this class's indicator formulas read."""
        return {n for i in self.indicators for n in i.formula.names}

    @model_validator(mode="after")
    def _consistent(self) -> EvalClass:
        codes = [i.code for i in self.indicators]
        dupes = sorted({c for c in codes if codes.count(c) > 1})
        if dupes:
            raise ValueError(f"indicator codes repeat in class {self.code!r}: {dupes}")
        total = sum(Decimal(str(i.weight)) for i in self.indicators)
        if total != Decimal(str(self.total_weight)):
            raise ValueError(
                f"indicator weights of class {self.code!r} add up to {total}, "
                f"expected total_weight = {self.total_weight:g}"
            )
        return self


class Publication(Model):
    """The publication list (公示名单): names and tiers only, unless `show` allows a figure.

    notice: lines printed under the title (公示期, 异议渠道, 联系人和电话).
    show: further columns the list may show: "total_score", "rank" or an indicator code (its
    value). Tax, revenue, energy and score figures are confidential unless named here.
    """

    title: str = ""
    notice: list[Text] = []
    show: list[str] = []


class Rules(Model):
    """A whole rules file."""

    mujun_rules: Literal[1]
    name: Text
    region: Text
    year: Annotated[int, Field(ge=1990, le=2100)]
    source: str = ""
    assumptions: list[str] = []
    energy: EnergyRules = EnergyRules()
    input: InputRules = InputRules()
    exclude: list[Exclusion] = []
    classes: list[EvalClass] = Field(alias="class", min_length=1)
    publication: Publication = Publication()
    selection: Selection = Selection()

    @model_validator(mode="after")
    def _publishable(self) -> Rules:
        allowed = ["total_score", "rank", *self.indicator_codes()]
        for i, column in enumerate(self.publication.show):
            if column not in allowed:
                hint = difflib.get_close_matches(column, allowed, n=1)
                raise ValueError(
                    f"publication.show[{i}]: {column!r} is not total_score, rank or an "
                    f"indicator code" + (f" (did you mean {hint[0]!r}?)" if hint else "")
                )
        if len(set(self.publication.show)) != len(self.publication.show):
            raise ValueError("publication.show names a column twice")
        return self

    _path: str = PrivateAttr(default="")
    _sha256: str = PrivateAttr(default="")

    @property
    def path(self) -> str:
        """The file the rules were read from ('' when built in code)."""
        return self._path

    @property
    def sha256(self) -> str:
        """sha256 of the rules file's bytes (of the TOML text when built from text)."""
        return self._sha256

    def fields_used(self) -> set[str]:
        """Every field an expression or a `by` of these rules names (derived fields as named)."""
        found = [e.when for e in self.exclude]
        for c in self.classes:
            found += [c.when, *(i.formula for i in c.indicators), *(a.when for a in c.adjust)]
            found += [r.when for r in c.tiers.rule]
        names = {n for e in found for n in e.names}
        return names | {i.score.by for c in self.classes for i in c.indicators if i.score.by}

    def indicator_codes(self) -> list[str]:
        """Every indicator code over all classes, in order of first appearance."""
        seen: dict[str, None] = {}
        for c in self.classes:
            for i in c.indicators:
                seen.setdefault(i.code, None)
        return list(seen)
