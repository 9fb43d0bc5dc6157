"""History across years: migration matrices, firms new or gone, consecutive years in a tier,
the JSON of DESIGN §7, ev.history, and last year's rows read from the archive."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from conftest import YEAR, credit_code, indicator_toml, one_class_rules, one_class_text
from hypothesis import given, settings
from hypothesis import strategies as st

import mujun
from mujun.history import Archive
from mujun.history.migration import history

# 6 firms × 3 years (2020–2022) of one class; '-' not evaluated that year
HAND = {"f1": "AAB", "f2": "DDD", "f3": "CD-", "f4": "-BB", "f5": "BCD", "f6": "D-D"}


def tiers_frame(plan: dict[str, str], first: int = 2020, klass: str = "k") -> pd.DataFrame:
    rows = [
        {"credit_code": c, "year": first + i, "class": klass, "status": "evaluated", "tier": t}
        for c, ts in plan.items()
        for i, t in enumerate(ts)
        if t != "-"
    ]
    # the archive's tier table has its columns even without a row (a plan of years with no tier)
    return pd.DataFrame(rows, columns=["credit_code", "year", "class", "status", "tier"])


def test_hand_case_matrices_flows_and_consecutive() -> None:
    h = history(tiers_frame(HAND))
    assert h.pairs() == [(2020, 2021), (2021, 2022)]
    m = h.matrix("k", 2020)
    # 2020→2021, firms in both years: f1 A→A, f2 D→D, f3 C→D, f5 B→C (f4 new, f6 gone)
    assert m.loc["A", "A"] == 1 and m.loc["D", "D"] == 1
    assert m.loc["C", "D"] == 1 and m.loc["B", "C"] == 1
    assert int(m.to_numpy().sum()) == 4
    # 2021→2022: f1 A→B, f2 D→D, f4 B→B, f5 C→D (f6 new, f3 gone)
    m2 = h.matrix("k", 2021)
    assert (m2.loc["A", "B"], m2.loc["D", "D"], m2.loc["B", "B"], m2.loc["C", "D"]) == (1, 1, 1, 1)
    flows = h.flows.set_index("year_a")
    assert flows.loc[2020, ["both", "new", "gone"]].tolist() == [4, 1, 1]
    assert flows.loc[2020, "new_codes"] == ["f4"] and flows.loc[2021, "gone_codes"] == ["f3"]
    cons = h.consecutive.set_index("credit_code")
    # f2 D three years; f4 B 2021–2022; f6 D 2020, gap 2021, D 2022 → 1; f3 last seen 2021
    assert cons.loc["f2", ["tier", "years"]].tolist() == ["D", 3]
    assert cons.loc["f4", ["tier", "years"]].tolist() == ["B", 2]
    assert cons.loc["f6", "years"] == 1 and cons.loc["f1", ["tier", "years"]].tolist() == ["B", 1]
    assert cons.loc["f3", ["tier", "years", "year"]].tolist() == ["D", 1, 2021]
    shares = h.matrix("k", 2020, shares=True)
    np.testing.assert_allclose(shares.sum(axis=1), [1, 1, 1, 1])  # each tier_a row had one firm


def test_json_shape() -> None:
    out = history(tiers_frame(HAND)).to_json()
    assert set(out) == {"migration", "consecutive", "new", "gone"}
    assert out["migration"]["k"]["2020→2021"]["C"]["D"] == 1
    assert out["consecutive"]["f2"] == {"tier": "D", "years": 3, "year": 2022}
    assert out["new"]["k"]["2021→2022"] == ["f6"]


def test_untiered_and_other_statuses() -> None:
    frame = tiers_frame({"a": "AB", "b": "CD"})
    frame.loc[3, "tier"] = None  # b evaluated in 2021 without a tier
    frame = pd.concat([frame, tiers_frame({"c": "AA"}).assign(status="exempt")], ignore_index=True)
    h = history(frame)
    m = h.matrix("k", 2020)
    assert m.loc["C", "未分档"] == 1 and int(m.to_numpy().sum()) == 2  # c is not evaluated


@settings(max_examples=40, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from([f"f{i}" for i in range(12)]),
        st.text(alphabet="ABCD-", min_size=3, max_size=3),
        min_size=1,
    ),
    st.permutations(range(36)),
)
def test_counts_add_up_to_firms_in_both_years(plan: dict[str, str], order: list[int]) -> None:
    frame = tiers_frame(plan)
    h = history(frame)
    shuffled = history(frame.iloc[[i for i in order if i < len(frame)]])  # row order is no matter
    pd.testing.assert_frame_equal(h.consecutive, shuffled.consecutive)
    for a, b in h.pairs():
        both = sum(1 for ts in plan.values() if ts[a - 2020] != "-" and ts[b - 2020] != "-")
        assert int(h.matrix("k", a).to_numpy().sum()) == both
        pd.testing.assert_frame_equal(h.matrix("k", a), shuffled.matrix("k", a))
    for code, ts in plan.items():
        if set(ts) == {"-"}:
            assert code not in set(h.consecutive["credit_code"])
            continue
        last = max(i for i, t in enumerate(ts) if t != "-")
        run = 0
        while last - run >= 0 and ts[last - run] == ts[last]:
            run += 1
        row = h.consecutive.set_index("credit_code").loc[code]
        assert (row["tier"], row["years"], row["year"]) == (ts[last], run, 2020 + last)


GROWTH = indicator_toml(
    "growth", "tax_paid / previous(tax_paid)", 40, 'method = "goalposts", lo = 0.5, hi = 1.5'
)
LAST_MEAN = indicator_toml(
    "tax_per_mu",
    "tax_paid / land_mu",
    60,
    'method = "ratio", benchmark = "mean", factor = 2.0, year = "previous", cap = 2.0',
)

ONE = indicator_toml(
    "tax_per_mu", "tax_paid / land_mu", 100, 'method = "ratio", benchmark = "mean", cap = 2.0'
)


def last_year_rules(indicators: str) -> mujun.Rules:
    """One-class rules of YEAR − 1."""
    text = one_class_text(indicators).replace(f"year = {YEAR}\n", f"year = {YEAR - 1}\n", 1)
    return mujun.parse_rules(text)


def two_years(rng: np.random.Generator, n: int = 20) -> pd.DataFrame:
    """n firms this year, most of them last year too, one firm only last year."""
    codes = [credit_code(i) for i in range(n + 1)]
    this = pd.DataFrame({"credit_code": codes[:n], "year": YEAR})
    last = pd.DataFrame({"credit_code": codes[2:], "year": YEAR - 1})
    frame = pd.concat([this, last], ignore_index=True)
    frame["name"] = [f"企业{i}" for i in range(len(frame))]
    frame["above_scale"] = True
    frame["land_owned_mu"] = rng.integers(5, 50, len(frame)).astype(float)
    frame["tax_paid"] = rng.integers(10, 500, len(frame)).astype(float)
    return frame


def test_previous_from_the_archive_equals_a_two_year_panel(tmp_path: Path) -> None:
    rules = one_class_rules(LAST_MEAN + GROWTH)
    panel = two_years(np.random.default_rng(3))
    whole = mujun.evaluate(panel, rules)
    # last year evaluated on its own (rules of YEAR − 1 reading nothing of YEAR − 2) and archived
    last_rules = last_year_rules(ONE)
    last = mujun.evaluate(panel[panel["year"] == YEAR - 1], last_rules)
    archive = Archive(tmp_path / "a.db")
    archive.add(last, "终评")
    from mujun.history.years import with_archived_year

    this_year = mujun.EnterpriseTable.from_frame(panel[panel["year"] == YEAR])
    table = with_archived_year(this_year, archive, rules)
    assert len(table) == len(panel)
    alone = mujun.evaluate(table, rules)
    pd.testing.assert_frame_equal(alone.results, whole.results)
    pd.testing.assert_frame_equal(
        alone.benchmarks.reset_index(drop=True), whole.benchmarks.reset_index(drop=True)
    )
    # without the archive the same table has no last year: growth is missing for every firm
    bare = mujun.evaluate(this_year, rules)
    assert not np.isfinite(bare.results["value_growth"].to_numpy(float)).any()


def test_ev_history_puts_the_evaluation_in_its_year(tmp_path: Path) -> None:
    rules = one_class_rules(ONE)
    panel = two_years(np.random.default_rng(4))
    before = mujun.evaluate(
        panel[panel["year"] == YEAR - 1],
        last_year_rules(ONE),
    )
    now = mujun.evaluate(panel[panel["year"] == YEAR], rules)
    archive = Archive(tmp_path / "a.db")
    archive.add(before, "终评")
    h = now.history(archive)
    assert h.years == [YEAR - 1, YEAR]
    # firms 2…19 are evaluated in both years
    assert int(h.matrix("above_scale", YEAR - 1).to_numpy().sum()) == 18
    latest = h.consecutive.set_index("credit_code")
    tiers = now.results.set_index("credit_code")["tier"].astype(str)
    assert (latest.loc[tiers.index, "tier"] == tiers).all()


def test_shipped_previous_year_benchmarks_from_the_archive(tmp_path: Path) -> None:
    """淮安 2024 scores against last year's county means: a synthetic two-year panel and this
    year alone with last year archived give the same results."""
    from mujun.history.years import with_archived_year
    from mujun.sample.synthetic import generate_county

    path = Path(__file__).parents[2] / "rules" / "jiangsu-huaian-2024.toml"
    rules = mujun.load_rules(path)
    assert rules.reads_previous_year()
    panel = generate_county(300, (rules.year - 1, rules.year), 1).drop(columns="archetype")
    whole = mujun.evaluate(panel, rules)
    text = path.read_text(encoding="utf-8")
    last_rules = mujun.parse_rules(
        text.replace(f"year = {rules.year}", f"year = {rules.year - 1}", 1)
    )
    last = mujun.evaluate(panel[panel["year"] == rules.year - 1], last_rules)
    archive = Archive(tmp_path / "a.db")
    archive.add(last, "终评")
    table = mujun.EnterpriseTable.from_frame(panel[panel["year"] == rules.year])
    alone = mujun.evaluate(with_archived_year(table, archive, rules), rules)
    pd.testing.assert_frame_equal(alone.results, whole.results)
    assert (alone.results["status"] == "evaluated").sum() > 100
