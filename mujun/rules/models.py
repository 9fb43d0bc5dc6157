"""The pydantic models of a rules file (DESIGN §4) and their cross-checks.

Every model forbids unknown keys; validators check what one model can see (weights adding up,
tier shares summing to 1, tier labels that exist, expressions naming known fields and typed
correctly). Tiers live in `tiers.py`, the expression fields in `compiled.py`; loading and error
locating in `load.py`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    BeforeValidator,
    Field,
    ModelWrapValidatorHandler,
    PrivateAttr,
    model_validator,
)

from ..fields import FIELDS
from ..fields import Field as FieldSpec
from ..fields import declared as fields_declared
from ..units import DEFAULT_COEFFICIENTS
from . import quote
from .adjust import bounded_multiplier, bounded_points
from .base import (
    MAX_PLAUSIBLE,
    MAX_POINTS,
    AtKey,
    Code,
    Coefficient,
    Model,
    Text,
    Weight,
)
from .compiled import ALWAYS, Condition, FieldName, Formula, did_you_mean, tier_name
from .composite import Aggregate, Group, Impute, Treat, check_hierarchy, is_composite
from .declared import DeclaredField, Derive, catalog, check_declared, validating
from .expr import Expression
from .inputs import InputRules, Parks
from .policy import Policy, check_policies
from .score import Score, check_with_indicator
from .selection import Selection
from .tiers import Tiers, check_tier_names, tier_expressions
from .uncertainty import Uncertainty

RULES_FORMAT = 1


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
    basis: Literal["当量值", "等价值"] | None = None  # the basis 综合能耗 is reported at

    def coefficients(self) -> dict[str, float]:
        """The coefficients by key (without `basis`)."""
        return {k: v for k, v in self.model_dump().items() if k != "basis"}


class Exclusion(Model):
    """Rows evaluated by no class: the first matching exclusion gives status and reason."""

    when: Condition
    status: Literal["exempt", "deferred"]
    reason: Text


class Indicator(Model):
    """One scored indicator of a class."""

    code: Code
    label: Text
    unit: str = ""
    formula: Formula
    weight: Weight
    direction: Literal["higher", "lower"] = "higher"
    score: Score
    missing: Literal["zero", "mean_score", "penalty", "exclude", "impute"] = "zero"
    missing_points: Annotated[float, Field(ge=0, le=MAX_POINTS)] | None = None
    negative: Literal["zero", "keep", "missing"] = "zero"
    plausible_max: Annotated[float, Field(gt=0, le=MAX_PLAUSIBLE)] | None = (
        None  # a value above it is reported as implausible
    )
    percent: bool = False  # the value is a share (0.031): workbooks show it as 3.10%
    parent: Code | None = None  # a [[class.group]] code: the node this indicator belongs to
    denominator: Formula | None = None  # value = formula ÷ denominator ("denominated")
    treat: Treat | None = None  # outlier treatment; omitted: the class's `treat`
    impute: Impute | None = None  # how a missing value is filled (missing = "impute")

    @model_validator(mode="after")
    def _consistent(self) -> Indicator:
        if self.missing == "penalty" and self.missing_points is None:
            raise AtKey("缺失值按 'penalty' 扣分时须给出 missing_points（扣多少分）", "missing")
        if self.missing != "penalty" and self.missing_points is not None:
            raise AtKey("只有缺失值按 'penalty' 扣分时才给出 missing_points", "missing_points")
        if self.missing == "impute" and self.impute is None:
            raise AtKey(
                "缺失值按 'impute' 插补时须给出 impute（如 { stat = \"mean\" }）", "missing"
            )
        if self.missing != "impute" and self.impute is not None:
            raise AtKey("只有缺失值按 'impute' 插补时才给出 impute", "impute")
        ratio = self.formula.as_ratio() is not None or self.denominator is not None
        if self.score.benchmark == "pooled" and not ratio:
            raise AtKey(
                f"pooled 基准要求公式形如“分子 / 分母”，实为{quote.expression(self.formula.text)}",
                "formula",
            )
        check_with_indicator(self.score, self.weight, self.direction)
        return self


class Adjustment(Model):
    """A bonus or penalty (`points`, added) or a coefficient (`multiply`, 修正系数, multiplying
    the sum of the items) for the members where `when` holds (omitted: every member).

    Each is a number or an expression evaluated per firm; exactly one of the two is given. The
    total is Σ items × Π multipliers + Σ points (engine/adjust.py)."""

    when: Condition | None = None  # omitted: every member of the class
    points: Annotated[float | Expression | None, BeforeValidator(bounded_points)] = None
    multiply: Annotated[float | Expression | None, BeforeValidator(bounded_multiplier)] = None
    label: Text

    @model_validator(mode="after")
    def _one_of(self) -> Adjustment:
        if (self.points is None) == (self.multiply is None):
            raise ValueError(
                "加减分项须给出 points（加减分）或 multiply（修正系数）之一，且只给一个"
            )
        return self


class EvalClass(Model):
    """An evaluation population (序列): its members, indicators, adjustments and tiers."""

    code: Code
    label: Text
    when: Condition = ALWAYS  # omitted or "true": every firm not yet placed in a class
    aggregate: Aggregate = "sum"
    total_weight: Weight = 100.0  # sum classes only: the indicators' weights add up to it
    indicators: list[Indicator] = Field(alias="indicator", min_length=1)
    adjust: list[Adjustment] = []
    tiers: Tiers
    land: Literal["required", "optional"] = "required"  # optional: firms without land graded
    groups: list[Group] = Field(alias="group", default=[])  # the hierarchy's nodes
    treat: Treat | None = None  # every indicator's treatment unless it gives its own

    @property
    def composite(self) -> bool:
        """Whether the class uses a composite step (its stage tables are then kept)."""
        return is_composite(self)

    def formula_fields(self) -> set[str]:
        """Fields this class's indicator formulas read."""
        names = {n for i in self.indicators for n in i.formula.names}
        return names | {n for i in self.indicators if i.denominator for n in i.denominator.names}

    @model_validator(mode="after")
    def _consistent(self) -> EvalClass:
        codes = [i.code for i in self.indicators]
        for i, code in enumerate(codes):
            if code in codes[:i]:
                first = codes.index(code)
                raise AtKey(
                    f"类别 {quote.value(self.code)} 中指标代码 {quote.value(code)} 重复"
                    f"（与 indicator[{first}] 相同）",
                    "indicator",
                    i,
                    "code",
                )
        check_hierarchy(self)
        total = sum(Decimal(str(i.weight)) for i in self.indicators)
        if self.aggregate != "sum":
            if "total_weight" in self.model_fields_set:
                raise AtKey(
                    "total_weight 只用于 aggregate = 'sum' 的类别（平均汇总的权重是相对的）",
                    "total_weight",
                )
        elif total != Decimal(str(self.total_weight)):
            raise ValueError(
                f"类别 {quote.value(self.code)} 的指标权重之和为 {total}，"
                f"须等于 total_weight = {self.total_weight:g}"
            )
        check_tier_names(self.tiers, codes)
        return self


class Units(Model):
    """Units of evaluation (评价单元).

    merge_by: a text field (group_code) whose value joins related firms into one unit, evaluated
    once on the members' summed amounts and land; every member carries the unit's result.
    follow: a text field (parcel_id) naming the parcel: the firms on it without land of their own
    take the tier of its landowner (the firm on it with the most own land).
    """

    merge_by: FieldName | None = None
    follow: FieldName | None = None

    @model_validator(mode="after")
    def _text_fields(self) -> Units:
        for key in ("merge_by", "follow"):
            name = getattr(self, key)
            if name is not None and FIELDS[name].kind != "text":
                raise AtKey(
                    f"{key} 须为文本字段（如 group_code、parcel_id），实为 {quote.value(name)}", key
                )
        return self


class Publication(Model):
    """The publication list (公示名单): names and tiers only, unless `show` allows a figure.

    notice: lines printed under the title (公示期, 异议渠道, 联系人和电话).
    show: further columns the list may show: "total_score", "rank" or an indicator code (its
    value). Tax, revenue, energy and score figures are confidential unless named here.
    paper: the paper every result workbook of the run is laid out for, landscape: "A4" (the
    default) or "A3" (wide classes then print on one page width where A4 needs two).
    """

    title: str = ""
    notice: list[Text] = []
    show: list[str] = []
    paper: Literal["A4", "A3"] = "A4"


class Rules(Model):
    """A whole rules file."""

    mujun_rules: Literal[1]
    name: Text
    region: Text
    year: Annotated[int, Field(ge=1990, le=2100)]
    source: str = ""
    assumptions: list[str] = []
    energy: EnergyRules = EnergyRules()
    fields: list[DeclaredField] = Field(alias="field", default=[])
    derive: list[Derive] = []
    input: InputRules = InputRules()
    parks: Parks | None = None
    exclude: list[Exclusion] = []
    classes: list[EvalClass] = Field(alias="class", min_length=1)
    publication: Publication = Publication()
    selection: Selection = Selection()
    units: Units = Units()
    policies: list[Policy] = Field(alias="policy", default=[])
    uncertainty: Uncertainty | None = None  # [uncertainty]: what the stability analysis samples

    @model_validator(mode="wrap")
    @classmethod
    def _with_declared(cls, data: Any, handler: ModelWrapValidatorHandler[Rules]) -> Rules:
        """Validate with the file's declared and derived fields known to expressions."""
        with validating(data):
            rules = handler(data)
        rules._catalog = catalog(rules.fields, rules.derive)
        return rules

    @model_validator(mode="after")
    def _declared(self) -> Rules:
        check_declared(self.fields, self.derive, self.input.aliases)
        return self

    @model_validator(mode="after")
    def _shares_by_groups(self) -> Rules:
        """`shares_by` keys must name groups when `by` is a `[[derive]]` map: its groups (the
        map's keys and `default`) are known now, so a misspelt key is an error, not a share
        silently unused."""
        maps = {d.code: d for d in self.derive if d.source is not None}
        for i, klass in enumerate(self.classes):
            spec = klass.tiers
            derive = maps.get(spec.by or "")
            if derive is None:
                continue
            groups = [*derive.map, *([derive.default] if derive.default is not None else [])]
            for key in spec.shares_by:
                if key not in groups:
                    raise AtKey(
                        f"shares_by 中的 {quote.value(key)} 不是 {derive.code} 的分组"
                        f"（{'、'.join(groups)}）" + did_you_mean(key, groups),
                        "class",
                        i,
                        "tiers",
                        "shares_by",
                        key,
                    )
        return self

    @model_validator(mode="after")
    def _publishable(self) -> Rules:
        allowed = ["total_score", "rank", *self.indicator_codes()]
        show = self.publication.show
        for i, column in enumerate(show):
            if column not in allowed:
                raise AtKey(
                    f"{quote.value(column)} 不是 total_score、rank 或指标代码"
                    + did_you_mean(column, allowed),
                    "publication",
                    "show",
                    i,
                )
            if column in show[:i]:
                raise AtKey(f"{quote.value(column)} 列了两次", "publication", "show", i)
        return self

    @model_validator(mode="after")
    def _policies(self) -> Rules:
        check_policies(self)
        return self

    _path: str = PrivateAttr(default="")
    _sha256: str = PrivateAttr(default="")
    _catalog: dict[str, FieldSpec] = PrivateAttr(default_factory=dict)

    @property
    def catalog(self) -> dict[str, FieldSpec]:
        """The fields these rules declare and derive, by code (`fields.declared` takes it)."""
        return self._catalog

    @contextmanager
    def fields_in_use(self) -> Iterator[None]:
        """Within the block, `fields.FIELDS` holds these rules' declared and derived fields."""
        with fields_declared(self._catalog):
            yield

    @property
    def path(self) -> str:
        """The file the rules were read from ('' when built in code)."""
        return self._path

    @property
    def sha256(self) -> str:
        """sha256 of the rules file's bytes (of the TOML text when built from text)."""
        return self._sha256

    def _expressions(self) -> list[Expression]:
        found = [e.when for e in self.exclude]
        for c in self.classes:
            found += [c.when, *(i.formula for i in c.indicators)]
            found += [i.denominator for i in c.indicators if i.denominator is not None]
            found += [
                e
                for a in c.adjust
                for e in (a.when, a.points, a.multiply)
                if isinstance(e, Expression)
            ]
            found += tier_expressions(c.tiers)
        found += [d.formula for d in self.derive if d.formula is not None]
        return found

    def fields_used(self) -> set[str]:
        """Every field an expression or a `by` of these rules names (derived fields as named;
        the names tier expressions read of the scores are no fields)."""
        names = {
            n for e in self._expressions() for n in e.names if tier_name(n) is None or n in FIELDS
        }
        names |= {f for c in self.classes for f in c.tiers.tie_break if tier_name(f) is None}
        names |= {c.tiers.by for c in self.classes if c.tiers.by}
        names |= {u for u in (self.units.merge_by, self.units.follow) if u}
        if self.units.follow:
            names.add("land_owned_mu")  # the parcel's owner is the firm with the most own land
        names |= {d.source for d in self.derive if d.source}
        names |= {
            i.impute.by for c in self.classes for i in c.indicators if i.impute and i.impute.by
        }
        return names | {i.score.by for c in self.classes for i in c.indicators if i.score.by}

    def previous_fields(self) -> set[str]:
        """The fields an expression reads last year's value of, through previous()."""
        return {n for e in self._expressions() for n in e.previous}

    def reads_previous_year(self) -> bool:
        """Whether these rules read last year's data (previous() or a benchmark of
        `year = "previous"`): rows of the year before are then last year's data, not rows of
        the wrong year."""
        last = any(i.score.year == "previous" for c in self.classes for i in c.indicators)
        last |= any(
            i.impute is not None and i.impute.stat == "previous"
            for c in self.classes
            for i in c.indicators
        )
        return last or bool(self.previous_fields())

    def blank_as_zero(self) -> list[tuple[EvalClass, Indicator, list[str]]]:
        """Indicators scored 0 where a field they read is blank (`missing = "zero"`), with the
        fields concerned: the data-collection template tells clerks to leave an unknown
        value blank, never 0, so a blank there costs the firm the item."""
        found = []
        with self.fields_in_use():
            for c in self.classes:
                for i in c.indicators:
                    if i.missing != "zero":
                        continue
                    # a missing land or floor area rejects the firm instead (engine checks)
                    names = sorted(n for n in i.formula.names if not FIELDS[n].positive)
                    if names:
                        found.append((c, i, names))
        return found

    def indicator_labels(self) -> dict[str, str]:
        """Each indicator's Chinese label by code (an issue about an indicator names it in
        its `field`), first label of a code over the classes; then the declared and derived
        fields' labels (an issue's field may name one outside an evaluation too)."""
        labels: dict[str, str] = {}
        for c in self.classes:
            for i in c.indicators:
                labels.setdefault(i.code, i.label)
        for code, text in [
            *((f.code, f.label) for f in self.fields),
            *((d.code, d.label) for d in self.derive),
        ]:  # declared and derived fields, named as well
            labels.setdefault(code, text)
        return labels

    def indicator_codes(self) -> list[str]:
        """Every indicator code over all classes, in order of first appearance."""
        seen: dict[str, None] = {}
        for c in self.classes:
            for i in c.indicators:
                seen.setdefault(i.code, None)
        return list(seen)

    def replace(self, **changes: Any) -> Rules:
        """These rules with weights, tier shares, benchmark, cap or year changed and validated
        again (see `rules.replace.replace_rules`); a change that makes them invalid is a
        RulesError in Chinese."""
        from .replace import replace_rules

        return replace_rules(self, **changes)
