"""A misspelt key is named with its file, line and key, and hinted from the keys of the table it
is written in only (never from another table's keys), at every level of a rules file; the hint
is found by walking the location through the models, so keys added to a model are hinted too."""

from __future__ import annotations

import difflib
from typing import Annotated, Literal, get_args, get_origin

import pytest
from conftest import RULES_TEXT
from pydantic import BaseModel, Field, ValidationError

from mujun import RulesError, parse_rules
from mujun.rules import Rules
from mujun.rules.base import Model
from mujun.rules.keyhints import members, place, table_keys
from mujun.rules.messages import rules_error


def line_no(text: str, fragment: str) -> int:
    """The 1-based line of the first line of text containing fragment."""
    for no, line in enumerate(text.splitlines(), 1):
        if fragment in line:
            return no
    raise AssertionError(fragment)


def refused(text: str) -> RulesError:
    with pytest.raises(RulesError) as info:
        parse_rules(text, file="r.toml")
    return info.value


# (where, text with the misspelling, the misspelt line's fragment, key path, hint)
CASES = [
    ("top", RULES_TEXT.replace("region =", "regoin =", 1), "regoin", "regoin", "region"),
    (
        "energy",
        RULES_TEXT + "\n[energy]\nelectricty_kgce_per_kwh = 0.3\n",
        "electricty",
        "energy.electricty_kgce_per_kwh",
        "electricity_kgce_per_kwh",
    ),
    ("input", RULES_TEXT + "\n[input]\nprioirty = []\n", "prioirty", "input.prioirty", "priority"),
    (
        "parks",
        RULES_TEXT + '\n[parks]\nnames = ["甲园"]\naliasses = {}\n',
        "aliasses",
        "parks.aliasses",
        "aliases",
    ),
    (
        "exclude",
        RULES_TEXT.replace('status = "exempt"', 'stauts = "exempt"', 1),
        "stauts",
        "exclude[0].stauts",
        "status",
    ),
    (
        "class",
        RULES_TEXT.replace('label = "规上工业企业"', 'lable = "规上工业企业"', 1),
        "lable",
        "class[0].lable",
        "label",
    ),
    (
        "indicator",
        RULES_TEXT.replace("weight = 60", "wieght = 60", 1),
        "wieght",
        "class[0].indicator[0].wieght",
        "weight",
    ),
    (
        "score",
        RULES_TEXT.replace("benchmark = 10.0, cap", "benchmark = 10.0, cpa", 1),
        "cpa = 2.0",
        "class[0].indicator[0].score.cpa",
        "cap",
    ),
    (
        "adjust",
        RULES_TEXT.replace("points = 2", "pionts = 2", 1),
        "pionts",
        "class[0].adjust[0].pionts",
        "points",
    ),
    (
        "tiers",
        RULES_TEXT.replace('method = "quota"', 'methd = "quota"', 1),
        "methd",
        "class[0].tiers.methd",
        "method",
    ),
    (
        "tiers.rule",
        RULES_TEXT.replace('at_most = "C"', 'at_mots = "C"', 1),
        "at_mots",
        "class[0].tiers.rule[0].at_mots",
        "at_most",
    ),
    (
        "publication",
        RULES_TEXT + '\n[publication]\ntitel = "名单"\n',
        "titel",
        "publication.titel",
        "title",
    ),
    ("selection", RULES_TEXT + "\n[selection]\nszie = 10\n", "szie", "selection.szie", "size"),
    (
        "selection.doubling",
        RULES_TEXT + "\n[selection.doubling]\nyeers = 3\n",
        "yeers",
        "selection.doubling.yeers",
        "years",
    ),
    (
        "selection.watch",
        RULES_TEXT
        + '\n[[selection.watch]]\ncode = "w"\nlabel = "x"\nwhen = "tax_paid > 1"\nreasn = "x"\n',
        "reasn",
        "selection.watch[0].reasn",
        "reason",
    ),
    (
        "table name",
        RULES_TEXT + "\n[enrgy]\ncoal_kgce_per_kg = 0.7\n",
        "[enrgy]",
        "enrgy",
        "energy",
    ),
]


@pytest.mark.parametrize(
    ("where", "text", "fragment", "key", "hint"), CASES, ids=[c[0] for c in CASES]
)
def test_misspelt_key_is_hinted_at_its_table(
    where: str, text: str, fragment: str, key: str, hint: str
) -> None:
    err = refused(text)
    assert err.line == line_no(text, fragment)
    assert err.key == key
    message = str(err).split("（另有")[0]  # the first problem: the misspelt key
    assert f"未知的键 '{key.rsplit('.', 1)[-1]}'" in message
    assert f"（是否应为 '{hint}'？）" in message


@pytest.mark.parametrize(
    ("text", "wrong"),
    [
        # `method` is a key of score and tiers, never of [energy]
        (RULES_TEXT + '\n[energy]\nmethd = "x"\n', "method"),
        # `shares` belongs to tiers, not to an indicator's score
        (RULES_TEXT.replace("benchmark = 10.0, cap", "benchmark = 10.0, shraes", 1), "shares"),
        # `years` belongs to [selection.doubling], not to an indicator's score
        (RULES_TEXT.replace("benchmark = 10.0, cap", "benchmark = 10.0, yeers", 1), "years"),
        # `weight` belongs to an indicator, not to [input]
        (RULES_TEXT + "\n[input]\nweigth = 1\n", "weight"),
    ],
)
def test_no_hint_from_another_table(text: str, wrong: str) -> None:
    message = str(refused(text)).split("（另有")[0]
    assert "未知的键" in message
    assert f"'{wrong}'" not in message


def test_hint_reads_the_models_fields() -> None:
    """Whatever the score model's keys are now, a near miss of any of them hints it."""
    from mujun.rules.models import Score

    keys = [info.alias or name for name, info in Score.model_fields.items()]
    for key in keys:
        wrong = key[:-1] + ("x" if key[-1] != "x" else "y") + key[-1]  # 'factor' → 'factoxr'
        text = RULES_TEXT.replace("benchmark = 10.0, cap", f"benchmark = 10.0, {wrong} = 1, cap", 1)
        message = str(refused(text)).split("（另有")[0]
        best = difflib.get_close_matches(wrong, keys, n=1)
        assert best, wrong
        assert f"（是否应为 '{best[0]}'？）" in message


# ---- the walk through the types: unions, discriminators, dicts, lists, aliases ----


class Ratio(Model):
    method: Literal["ratio"]
    factor: float = 1.0


class Rank(Model):
    method: Literal["rank"]
    spread: float = 0.0


class Child(Model):
    weight: float = 1.0


class Root(Model):
    plain: Ratio | Rank | None = None
    tagged: Annotated[Ratio | Rank, Field(discriminator="method")] | None = None
    by_name: dict[str, Child] = Field(default_factory=dict)
    items: list[Annotated[Child | float, Field()]] = Field(default=[], alias="item")
    optional: Annotated[Child, Field()] | None = None


def _errors(data: dict[str, object]) -> ValidationError:
    with pytest.raises(ValidationError) as info:
        Root.model_validate(data)
    return info.value


@pytest.mark.parametrize(
    ("data", "loc", "hint"),
    [
        ({"tagged": {"method": "rank", "spraed": 1.0}}, ("tagged", "spraed"), "spread"),
        ({"tagged": {"method": "ratio", "facter": 1.0}}, ("tagged", "facter"), "factor"),
        ({"by_name": {"甲": {"wieght": 1.0}}}, ("by_name", "甲", "wieght"), "weight"),
        ({"item": [2.0, {"wieght": 1.0}]}, ("item", 1, "wieght"), "weight"),
        ({"optional": {"wieght": 1.0}}, ("optional", "wieght"), "weight"),
        ({"plian": 1}, ("plian",), "plain"),
        ({"itme": []}, ("itme",), "item"),  # the alias is what a file writes
    ],
)
def test_walk_drops_union_tags_and_finds_the_table(
    data: dict[str, object], loc: tuple[object, ...], hint: str
) -> None:
    exc = _errors(data)
    unknown = [e for e in exc.errors() if e["type"] == "extra_forbidden"]
    assert unknown
    where = place(tuple(unknown[0]["loc"]), data, Root)
    assert where.loc == loc
    assert hint in where.keys
    said = str(rules_error(exc, data, {loc: 7}, "r.toml", Root))
    assert "r.toml:7:" in said
    assert f"（是否应为 '{hint}'？）" in said


def test_plain_union_hints_from_the_members() -> None:
    """A union of models without a discriminator: the tag is a class name, never a key."""
    data = {"plain": {"method": "rank", "spraed": 1.0}}
    exc = _errors(data)
    said = str(rules_error(exc, data, {}, "r.toml", Root))
    assert "plain.spraed" in said
    assert "Rank" not in said and "Ratio" not in said
    assert "（是否应为 'spread'？）" in said


def test_members_and_table_keys() -> None:
    assert members(Annotated[Child | None, Field()]) == [Child]
    assert members(int | str | None) == [int, str]
    assert table_keys([Root]) == ("plain", "tagged", "by_name", "item", "optional")
    assert table_keys([Ratio, Rank]) == ("method", "factor", "spread")


def test_shipped_root_keys_are_the_models() -> None:
    """The top level hints from Rules' own keys ('class', not 'classes')."""
    keys = table_keys([Rules])
    assert "class" in keys and "classes" not in keys
    assert all(isinstance(k, str) for k in keys)
    assert issubclass(Rules, BaseModel)


def _tables(model: type[BaseModel], loc: tuple[object, ...], seen: set[type]) -> list[tuple]:
    """Every table a rules file can hold below `model`: (location, model), lists entered at
    item 0 and dicts at a sample key."""
    found: list[tuple] = [(loc, model)]
    seen = seen | {model}
    for name, info in model.model_fields.items():
        key = info.alias or name
        for kind in members(info.annotation):
            origin, args = get_origin(kind), get_args(kind)
            step: tuple[object, ...] = (key,)
            if origin in (list, tuple) and args:
                kind, step = members(args[0])[0] if members(args[0]) else None, (key, 0)
            elif origin is dict and len(args) == 2:
                inner = members(args[1])
                kind, step = (inner[0] if inner else None), (key, "甲")
            if isinstance(kind, type) and issubclass(kind, BaseModel) and kind not in seen:
                found += _tables(kind, loc + step, seen)
    return found


def test_every_table_of_the_rules_hints_its_own_keys() -> None:
    """Whatever tables the rules models hold (including ones added later), the walk from the
    top reaches each one and offers that table's keys only."""
    tables = _tables(Rules, (), set())
    assert len(tables) >= 10  # energy, input, parks, exclude, class, indicator, score, tiers, …
    for loc, model in tables:
        where = place((*loc, "zz_unknown"), {}, Rules)
        assert where.loc == (*loc, "zz_unknown")
        assert set(where.keys) == set(table_keys([model])), loc
