"""Rules changed in a few keys (what-if): weights, tier shares, the benchmark statistic, the cap,
the year. The models are frozen, so the change is made on the rules as data and validated again
as a whole: a change the rules file could not hold (a weight of 0, shares not adding up to 1) is
the same RulesError in Chinese as in a file, and nothing is copied by hand.

`Rules.replace(...)` calls `replace_rules`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from ..errors import RulesError
from . import quote
from .compiled import did_you_mean
from .messages import rules_error

if TYPE_CHECKING:
    from .models import Rules

# per indicator: {indicator: x} for every class that has it, or {class: {indicator: x}}
PerIndicator = Mapping[str, Any]


def replace_rules(
    rules: Rules,
    *,
    weights: PerIndicator | None = None,
    shares: Mapping[str, Any] | None = None,
    benchmark: PerIndicator | float | str | None = None,
    cap: PerIndicator | float | None = None,
    year: int | None = None,
    rescale: bool = False,
) -> Rules:
    """These rules with the given keys changed, validated again (RulesError when they are not
    valid rules). `weights`, `benchmark` and `cap` are per indicator — `{indicator: x}` for every
    class that has the indicator, or `{class: {indicator: x}}` — and `benchmark` or `cap` alone
    (not a mapping) sets every indicator's; `shares` is `{tier: share}` for every class or
    `{class: {tier: share}}`; `year` the evaluation year. The weights of a class must still add
    up to its total_weight; with `rescale`, the class's other weights are scaled so that they
    do (亩均税收 30 → 40 and the other 70 points → 60)."""
    from .models import Rules

    raw = rules.model_dump(by_alias=True, exclude_unset=True)
    classes = raw["class"]
    file = f"{rules.path or '<规则>'}（修改后）"
    if weights is not None:
        _per_indicator(classes, weights, "weight", None, file)
        if rescale:
            _rescale(classes, rules, weights)
    if benchmark is not None:
        _per_indicator(classes, benchmark, "benchmark", "score", file)
    if cap is not None:
        _per_indicator(classes, cap, "cap", "score", file)
    if shares is not None:
        _shares(classes, shares, file)
    if year is not None:
        raw["year"] = year
    try:
        new = Rules.model_validate(raw)
    except ValidationError as exc:
        raise rules_error(exc, raw, {}, file, Rules) from None
    text = json.dumps(raw, ensure_ascii=False, sort_keys=True, default=str)
    new._sha256 = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return new


def _by_class(classes: list[dict[str, Any]], given: Any, file: str) -> Any:
    """Per class code, what applies to it: `given` itself unless its keys are class codes."""
    codes = [c["code"] for c in classes]
    if not isinstance(given, Mapping) or not any(isinstance(v, Mapping) for v in given.values()):
        return {code: given for code in codes}
    for key in given:
        if key not in codes:
            raise RulesError(
                f"没有代码为 {quote.value(key)} 的类别" + did_you_mean(str(key), codes), file=file
            )
    return {code: given.get(code) for code in codes}


def _per_indicator(
    classes: list[dict[str, Any]], given: Any, key: str, table: str | None, file: str
) -> None:
    """Set `key` (in the indicator, or in its `table` such as score) per indicator, in place."""
    per_class = _by_class(classes, given, file)
    known = {ind["code"] for c in classes for ind in c.get("indicator", [])}
    if isinstance(given, Mapping):
        flat = [k for v in per_class.values() if isinstance(v, Mapping) for k in v]
        for code in flat if flat else list(given):
            if code not in known:
                raise RulesError(
                    f"没有代码为 {quote.value(code)} 的指标"
                    + did_you_mean(str(code), sorted(known)),
                    file=file,
                )
    for klass in classes:
        mine = per_class[klass["code"]]
        if mine is None:
            continue
        for ind in klass.get("indicator", []):
            if isinstance(mine, Mapping):
                if ind["code"] not in mine:
                    continue
                value = mine[ind["code"]]
            else:
                value = mine
            target = ind if table is None else ind.setdefault(table, {})
            target[key] = value


def _shares(classes: list[dict[str, Any]], given: Mapping[str, Any], file: str) -> None:
    """Set each class's (or the named classes') tier shares, in place."""
    per_class = _by_class(classes, given, file)
    for klass in classes:
        mine = per_class[klass["code"]]
        if mine is not None:
            klass.setdefault("tiers", {})["shares"] = dict(mine)


def _rescale(classes: list[dict[str, Any]], rules: Rules, weights: Any) -> None:
    """Scale each class's weights not given so that the class's weights add up to its
    total_weight again, in place (a class none of whose weights were given is left alone)."""
    per_class = _by_class(classes, weights, "")
    for klass, model in zip(classes, rules.classes, strict=True):
        mine = per_class[klass["code"]]
        given = set(mine) if isinstance(mine, Mapping) else set()
        inds = klass.get("indicator", [])
        if not given & {i["code"] for i in inds}:
            continue
        # in decimals to 4 places, the last taking the remainder: the weights must add up exactly
        try:
            fixed = sum((Decimal(str(i["weight"])) for i in inds if i["code"] in given), Decimal(0))
        except InvalidOperation:
            continue  # a weight that is no number: the validation says which
        if not fixed.is_finite():
            continue
        rest = [i for i in inds if i["code"] not in given]
        old = sum(Decimal(str(i["weight"])) for i in rest)
        left = Decimal(str(model.total_weight)) - fixed
        if not rest or old <= 0 or left <= 0:
            continue  # the validation says what is wrong
        scaled = [
            (Decimal(str(i["weight"])) * left / old).quantize(Decimal("0.0001")) for i in rest
        ]
        scaled[-1] = left - sum(scaled[:-1])
        for i, w in zip(rest, scaled, strict=True):
            i["weight"] = float(w)
