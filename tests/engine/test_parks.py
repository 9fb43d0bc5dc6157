"""One park, one name: [parks] canonical names and aliases; without them, spellings of one park
are reported. Worked on the distinct names, so the order of the rows does not matter."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import RULES_TEXT, firms_frame
from hypothesis import given, settings
from hypothesis import strategies as st

import mujun
from mujun.engine.parks import base_name
from mujun.rules.inputs import Parks

PARKS = '[parks]\nnames = ["王庄镇", "李集镇", "固镇经济开发区"]\naliases = { "王庄" = "王庄镇" }\n'
SPELLED = ["王庄", "王庄镇", "王庄镇", "王 庄 镇", "李集", "固镇经济开发区", "城东", None]


def rules(parks: str = PARKS) -> mujun.Rules:
    return mujun.parse_rules(RULES_TEXT.replace("[[exclude]]", parks + "\n[[exclude]]", 1))


def firms(parks: list[str | None]) -> pd.DataFrame:
    return firms_frame(len(parks)).assign(park=pd.array(parks, dtype="string"))


def of(ev: mujun.Evaluation, code: str) -> pd.DataFrame:
    return ev.issues[ev.issues["code"] == code]


def test_aliases_and_spellings_become_the_canonical_name() -> None:
    ev = mujun.evaluate(firms(SPELLED), rules())
    assert ev.results["park"].tolist()[:4] == ["王庄镇"] * 4
    assert ev.results["park"].tolist()[4:7] == ["李集", "固镇经济开发区", "城东"]
    assert pd.isna(ev.results["park"].iloc[7])
    assert ev.groups("park").count("王庄镇") == 1
    counts = ev.summary("park").set_index("park")
    assert counts.loc["王庄镇", ["evaluated", "exempt", "deferred", "rejected"]].sum() == 4
    assert ev.column("park")[1] == "王庄镇"


def test_an_unknown_park_is_a_warning_with_did_you_mean() -> None:
    ev = mujun.evaluate(firms(SPELLED), rules())
    unknown = of(ev, "unknown-park")
    assert unknown["value"].tolist() == ["城东", "李集"]  # by name
    assert set(unknown["severity"]) == {"warning"}
    assert unknown["credit_code"].tolist() == firms(SPELLED)["credit_code"].iloc[[6, 4]].tolist()
    east, li = unknown["message"]
    assert "所属园区“李集”不在规则文件 [parks] 的 names 和 aliases 之中（是否指“李集镇”？）" in li
    assert '[parks] aliases 中加入 "李集" = "李集镇"' in li
    assert "是否指" not in east  # nothing like 城东 among the parks
    assert of(ev, "park-spellings").empty  # with [parks] the names are the rules'


def test_without_parks_spellings_of_one_park_are_reported_with_counts() -> None:
    ev = mujun.evaluate(firms(SPELLED), rules(parks=""))
    assert ev.results["park"].tolist()[:3] == ["王庄", "王庄镇", "王庄镇"]  # nothing merged
    found = of(ev, "park-spellings")
    assert len(found) == 1  # 李集 and 固镇经济开发区 have one spelling each
    (message,) = found["message"]
    assert "“王庄镇”（2户）、“王 庄 镇”（1户）、“王庄”（1户）很可能是同一园区" in message
    assert 'names = ["王庄镇"]，aliases = { "王 庄 镇" = "王庄镇", "王庄" = "王庄镇" }' in message
    assert found["severity"].tolist() == ["warning"]


def test_full_width_and_suffixes_reduce_to_the_place() -> None:
    assert base_name("王庄镇") == base_name("王庄") == base_name(" 王庄 ") == "王庄"
    assert base_name("固镇经济开发区") == base_name("固镇经开区") == "固镇"
    assert base_name("ＡＢ园区") == "ab"
    assert base_name("镇") == "镇"  # never reduced to nothing


@settings(max_examples=25, deadline=None)
@given(st.permutations(range(len(SPELLED))), st.booleans())
def test_canonical_names_do_not_depend_on_row_order(order: list[int], with_parks: bool) -> None:
    method = rules() if with_parks else rules(parks="")
    frame = firms(SPELLED)
    base = mujun.evaluate(frame, method)
    shuffled = mujun.evaluate(frame.iloc[order].reset_index(drop=True), method)
    by_code = base.results.set_index("credit_code")["park"]
    again = shuffled.results.set_index("credit_code")["park"]
    assert again.reindex(by_code.index).equals(by_code)
    columns = ["code", "message", "credit_code", "value"]
    for code in ("unknown-park", "park-spellings"):
        a = of(base, code)[columns].sort_values(columns).reset_index(drop=True)
        b = of(shuffled, code)[columns].sort_values(columns).reset_index(drop=True)
        pd.testing.assert_frame_equal(a, b)


def test_of_equally_common_spellings_the_clean_one_is_proposed_as_the_name() -> None:
    ev = mujun.evaluate(firms(["王 庄镇", "王庄", "王庄镇"]), rules(parks=""))
    (message,) = of(ev, "park-spellings")["message"]
    assert "“王庄”（1户）、“王 庄镇”（1户）、“王庄镇”（1户）" in message  # the name first
    assert 'names = ["王庄"]，aliases = { "王 庄镇" = "王庄", "王庄镇" = "王庄" }' in message


def test_many_unknown_names_build_the_park_lookup_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each unknown name's did-you-mean used to rebuild the lookup of every park: with 10,000
    parks and a few hundred unknown names a run took minutes."""
    calls = []
    real = Parks.lookup
    monkeypatch.setattr(Parks, "lookup", lambda self: calls.append(1) or real(self))
    unknown = [f"城{i}" for i in range(50)]
    ev = mujun.evaluate(firms([*unknown, "李集", "王庄"]), rules())
    assert len(calls) == 1
    hints = of(ev, "unknown-park").set_index("value")["message"]
    assert "是否指“李集镇”" in hints["李集"] and "是否指" not in hints["城7"]
