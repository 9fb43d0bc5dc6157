"""Commissioners (首席服务专员): the assignment is optimal against brute force and meets its
bounds, the costs are as documented, impossible bounds are clear errors, and the commissioners'
table is read from CSV (UTF-8, GBK) and .xlsx."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import mujun
from mujun.errors import DataError
from mujun.rules import Rules
from mujun.rules.selection import Assignment
from mujun.sample.synthetic import generate_county
from mujun.selection import KeyFirms
from mujun.selection.assign import assign, cost_matrix, solve, total_cost

RULES_FILE = Path(__file__).resolve().parents[2] / "rules" / "anhui-guzhen-2022.toml"
YEARS = (2019, 2020, 2021, 2022)
PARKS = ("东区", "西区", "南区")
INDUSTRIES = ("2651", "2922", "3311", "3360", "1711")


def firms_table(parks: list[str], industries: list[str]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "credit_code": [f"F{i}" for i in range(len(parks))],
            "park": parks,
            "industry_code": industries,
        }
    )


def people(parks: list[str], industries: list[tuple[str, ...]]) -> pd.DataFrame:
    return pd.DataFrame(
        {"name": [f"专员{j}" for j in range(len(parks))], "park": parks, "industries": industries}
    )


def brute_force(cost: np.ndarray, s: Assignment) -> float:
    """The least objective over every assignment meeting the bounds (computed here)."""
    F, C = cost.shape
    best = np.inf
    for choice in itertools.product(range(C), repeat=F):
        load = np.bincount(np.array(choice, dtype=int), minlength=C)
        if (load < s.min_firms).any() or (load > s.max_firms).any():
            continue
        value = sum(cost[i, j] for i, j in enumerate(choice))
        value += s.balance_cost * sum(abs(x - F / C) for x in load)
        best = min(best, value)
    return best


# ---- the solver against brute force -----------------------------------------------------------


@st.composite
def cases(draw: st.DrawFn) -> tuple[pd.DataFrame, pd.DataFrame, Assignment]:
    """2–7 firms, 1–4 commissioners, random parks and industries, feasible bounds and costs."""
    F = draw(st.integers(2, 7))
    C = draw(st.integers(1, 4))
    hi = draw(st.integers(-(-F // C), F))  # ceil(F / C) … F: every firm can be placed
    lo = draw(st.integers(0, min(hi, F // C)))
    costs = st.sampled_from([0.0, 0.5, 1.0, 2.0, 3.0])
    s = Assignment(
        min_firms=lo,
        max_firms=hi,
        park_cost=draw(costs),
        industry_cost=draw(costs),
        balance_cost=draw(costs),
    )
    firm_parks = draw(st.lists(st.sampled_from(PARKS), min_size=F, max_size=F))
    firm_codes = draw(st.lists(st.sampled_from(INDUSTRIES), min_size=F, max_size=F))
    home = draw(st.lists(st.sampled_from([*PARKS, "", "全县"]), min_size=C, max_size=C))
    known = draw(
        st.lists(
            st.lists(st.sampled_from(["26", "29", "3311", "33", "17", "2922"]), max_size=3).map(
                tuple
            ),
            min_size=C,
            max_size=C,
        )
    )
    return firms_table(firm_parks, firm_codes), people(home, known), s


@pytest.mark.slow
@settings(max_examples=80, deadline=None)
@given(case=cases())
def test_solve_is_optimal_and_meets_the_bounds(
    case: tuple[pd.DataFrame, pd.DataFrame, Assignment],
) -> None:
    """Each firm one commissioner, loads within bounds, objective = the brute-force minimum."""
    firms, comm, s = case
    cost, _, _ = cost_matrix(firms, comm, s)
    choice = solve(cost, s)
    F, C = cost.shape
    assert choice.shape == (F,) and ((choice >= 0) & (choice < C)).all()
    load = np.bincount(choice, minlength=C)
    assert load.sum() == F
    assert (load >= s.min_firms).all() and (load <= s.max_firms).all()
    best = brute_force(cost, s)
    assert total_cost(choice, cost, s) == pytest.approx(best, abs=1e-9)


@pytest.mark.parametrize("seed", range(6))
def test_solve_on_random_cost_matrices(seed: int) -> None:
    """Arbitrary non-negative costs (not only park/industry sums): still the minimum."""
    rng = np.random.default_rng(seed)
    F, C = int(rng.integers(2, 8)), int(rng.integers(1, 5))
    hi = int(rng.integers(-(-F // C), F + 1))
    lo = int(rng.integers(0, min(hi, F // C) + 1))
    s = Assignment(min_firms=lo, max_firms=hi, balance_cost=float(rng.choice([0, 0.5, 1.5])))
    cost = rng.integers(0, 6, size=(F, C)).astype(float)
    choice = solve(cost, s)
    load = np.bincount(choice, minlength=C)
    assert (load >= lo).all() and (load <= hi).all()
    assert total_cost(choice, cost, s) == pytest.approx(brute_force(cost, s), abs=1e-9)


def test_total_cost_by_hand() -> None:
    """Two firms on one of two commissioners: pair costs plus balance × |load − F/C|."""
    cost = np.array([[0.0, 2.0], [1.0, 3.0]])
    s = Assignment(min_firms=0, max_firms=2, balance_cost=0.5)
    assert total_cost(np.array([0, 0]), cost, s) == 0 + 1 + 0.5 * (1 + 1)
    assert total_cost(np.array([0, 1]), cost, s) == 0 + 3 + 0.0
    assert total_cost(np.array([1, 0]), cost, s) == 2 + 1 + 0.0
    assert list(solve(cost, s)) == [0, 0]  # 2.0 beats 3.0
    s = Assignment(min_firms=1, max_firms=2, balance_cost=0.5)  # now each must take one
    choice = solve(cost, s)
    assert sorted(choice) == [0, 1] and total_cost(choice, cost, s) == 3.0


# ---- costs ------------------------------------------------------------------------------------


def test_cost_matrix_by_hand() -> None:
    """Park differs → park_cost; '26' knows '2651' but not '3311'; a county-wide commissioner
    never pays the park cost."""
    s = Assignment(park_cost=2.0, industry_cost=1.0)
    firms = firms_table(["东区", "西区"], ["2651", "3311"])
    comm = people(["东区", "全县"], [("26",), ("33",)])
    cost, other, unfamiliar = cost_matrix(firms, comm, s)
    assert other.tolist() == [[False, False], [True, False]]
    assert unfamiliar.tolist() == [[False, True], [True, False]]
    assert cost.tolist() == [[0.0, 1.0], [3.0, 0.0]]
    comm = people(["", "西区"], [("2651", "3311"), ()])
    cost, other, unfamiliar = cost_matrix(firms, comm, s)
    assert other.tolist() == [[False, True], [False, False]]
    assert unfamiliar.tolist() == [[False, True], [False, True]]
    assert cost.tolist() == [[0.0, 3.0], [0.0, 1.0]]


def test_cost_matrix_prefixes_match_only_at_the_start() -> None:
    """'65' does not know '2651'; '3' is no code (needs 2–4 digits) but as a prefix it matches."""
    s = Assignment(park_cost=0.0, industry_cost=1.0)
    firms = firms_table(["东区", "东区", "东区"], ["2651", "3311", ""])
    comm = people(["东区"], [("65", "331")])
    _, _, unfamiliar = cost_matrix(firms, comm, s)
    assert unfamiliar[:, 0].tolist() == [True, False, True]


def test_assign_notes_and_names() -> None:
    """assign: the commissioner's name and park, the pair cost and the notes 跨园区 / 行业不熟悉."""
    s = Assignment(min_firms=1, max_firms=1, park_cost=2.0, industry_cost=1.0)
    firms = firms_table(["东区", "西区"], ["2651", "3311"])
    comm = people(["东区", "东区"], [("26",), ("29",)])
    out = assign(firms, comm, s)
    assert out["commissioner"].tolist() == ["专员0", "专员1"]
    assert out["pair_cost"].tolist() == [0.0, 3.0]
    assert out["assignment_note"].tolist() == ["", "跨园区、行业不熟悉"]


# ---- impossible bounds ------------------------------------------------------------------------


def test_too_few_places_is_an_error() -> None:
    """25 commissioners × at most 3 = 75 < 80 firms."""
    with pytest.raises(DataError) as info:
        solve(np.zeros((80, 25)), Assignment())
    message = str(info.value)
    for figure in ("25位", "最多3家", "75家", "80家"):
        assert figure in message


def test_too_many_required_places_is_an_error() -> None:
    """25 commissioners × at least 4 = 100 > 80 firms."""
    with pytest.raises(DataError) as info:
        solve(np.zeros((80, 25)), Assignment(min_firms=4, max_firms=5))
    message = str(info.value)
    for figure in ("25位", "至少4家", "100家", "80家"):
        assert figure in message


def test_no_commissioners_is_an_error() -> None:
    """An empty table: DataError from solve, assign and read_commissioners alike."""
    with pytest.raises(DataError, match="名单为空"):
        solve(np.zeros((5, 0)), Assignment())
    with pytest.raises(DataError, match="名单为空"):
        assign(firms_table(["东区"], ["2651"]), people([], []), Assignment(min_firms=0))
    with pytest.raises(DataError):
        mujun.read_commissioners(pd.DataFrame({"姓名": [], "所属园区": [], "熟悉行业": []}))
    with pytest.raises(DataError):
        mujun.read_commissioners(pd.DataFrame({"姓名": ["", " "], "所属园区": ["东区", "西区"]}))


def test_bounds_met_exactly_are_fine() -> None:
    """25 × 3 = 75 firms and 25 × 2 = 50 firms can both be assigned."""
    for F in (50, 75):
        choice = solve(np.zeros((F, 25)), Assignment())
        load = np.bincount(choice, minlength=25)
        assert load.min() >= 2 and load.max() <= 3 and load.sum() == F


# ---- through select_key_firms ------------------------------------------------------------------


@pytest.fixture(scope="module")
def county() -> tuple[pd.DataFrame, mujun.Evaluation, Rules]:
    panel = generate_county(1500, years=YEARS, seed=7).drop(columns="archetype")
    rules = mujun.load_rules(RULES_FILE)
    # clusters play no part in the assignment: one k keeps this quick
    quick = rules.selection.model_copy(
        update={"clusters": rules.selection.clusters.model_copy(update={"min": 2, "max": 2})}
    )
    rules = rules.model_copy(update={"selection": quick})
    return panel, mujun.evaluate(panel[panel["year"] == 2022], rules), rules


def commissioners_frame(parks: list[str]) -> pd.DataFrame:
    """25 commissioners: five per park, two county-wide, a few blank parks, assorted trades."""
    rng = np.random.default_rng(3)
    homes = [parks[j % len(parks)] for j in range(20)] + ["全县", "全县", "", "", parks[0]]
    trades = ["26", "29", "33", "34", "13、14", "3311；2651", "C39", "17、18、19"]
    return pd.DataFrame(
        {
            "姓名": [f"专员{j:02d}" for j in range(25)],
            "所属园区": homes,
            "熟悉行业": [trades[int(i)] for i in rng.integers(0, len(trades), 25)],
        }
    )


@pytest.fixture(scope="module")
def key_firms(county: tuple[pd.DataFrame, mujun.Evaluation, Rules]) -> KeyFirms:
    panel, ev, _ = county
    parks = sorted(panel["park"].unique())
    return mujun.select_key_firms(panel, ev, mujun.read_commissioners(commissioners_frame(parks)))


def test_every_key_firm_has_one_commissioner(key_firms: KeyFirms) -> None:
    """60 key firms over 25 commissioners, each taking 2 or 3 (the default bounds)."""
    c = key_firms.contact_list
    assert len(c) == 60 and c["commissioner"].notna().all()
    assert key_firms.assignment is not None and key_firms.commissioners is not None
    assert key_firms.assignment["credit_code"].tolist() == c["credit_code"].tolist()
    assert key_firms.assignment["commissioner"].tolist() == c["commissioner"].tolist()
    load = c["commissioner"].value_counts().reindex(key_firms.commissioners["name"], fill_value=0)
    assert len(load) == 25 and load.between(2, 3).all() and load.sum() == 60


def test_notes_say_cross_park_exactly_when_parks_differ(key_firms: KeyFirms) -> None:
    """跨园区 iff the firm's park differs from a commissioner park that is not county-wide;
    行业不熟悉 iff no listed code starts the firm's industry code."""
    c = key_firms.contact_list
    table = key_firms.commissioners.set_index("name")
    for row in c.itertuples():
        home = table.loc[row.commissioner, "park"]
        known = table.loc[row.commissioner, "industries"]
        note = str(row.assignment_note)
        crossed = home not in ("", "全县") and home != row.park
        assert ("跨园区" in note) == crossed, (row.park, home, note)
        familiar = any(str(row.industry_code).startswith(k) for k in known)
        assert ("行业不熟悉" in note) == (not familiar), (row.industry_code, known, note)
    assert key_firms.key_firms_table()["commissioner"].notna().all()


def test_the_assignment_is_optimal_for_the_key_firms(key_firms: KeyFirms) -> None:
    """No single move or swap of firms lowers the objective (a brute-force-free optimality
    check at full size)."""
    s = key_firms.rules.selection.assignment
    c, table = key_firms.contact_list, key_firms.commissioners
    cost, _, _ = cost_matrix(c, table, s)
    index = {n: j for j, n in enumerate(table["name"])}
    choice = np.array([index[n] for n in c["commissioner"]])
    best = total_cost(choice, cost, s)
    F, C = cost.shape
    for i in range(F):
        for j in range(C):
            moved = choice.copy()
            moved[i] = j
            load = np.bincount(moved, minlength=C)
            if load.min() >= s.min_firms and load.max() <= s.max_firms:
                assert total_cost(moved, cost, s) >= best - 1e-9
    for a, b in itertools.combinations(range(F), 2):
        swapped = choice.copy()
        swapped[a], swapped[b] = choice[b], choice[a]
        assert total_cost(swapped, cost, s) >= best - 1e-9


def test_too_few_commissioners_for_the_key_firms(
    county: tuple[pd.DataFrame, mujun.Evaluation, Rules],
) -> None:
    """19 commissioners × 3 = 57 < 60 key firms: DataError naming the figures."""
    panel, ev, _ = county
    few = commissioners_frame(sorted(panel["park"].unique())).head(19)
    with pytest.raises(DataError, match=r"19位.*57家.*60家"):
        mujun.select_key_firms(panel, ev, mujun.read_commissioners(few))


# ---- reading the commissioners' table ----------------------------------------------------------

ROWS = [("张伟", "固镇经济开发区", "26、29；3311"), ("李娜", "全县", "C33"), ("王芳", "", "")]
EXPECTED = pd.DataFrame(
    {
        "name": ["张伟", "李娜", "王芳"],
        "park": ["固镇经济开发区", "全县", ""],
        "industries": [("26", "29", "3311"), ("33",), ()],
    }
)


def csv_text(
    rows: list[tuple[str, str, str]] = ROWS, header: str = "姓名,所属园区,熟悉行业"
) -> str:
    return header + "\n" + "".join(f"{a},{b},{c}\n" for a, b, c in rows)


def check(read: pd.DataFrame) -> None:
    assert list(read.columns) == ["name", "park", "industries"]
    assert read["name"].tolist() == EXPECTED["name"].tolist()
    assert read["park"].tolist() == EXPECTED["park"].tolist()
    assert read["industries"].tolist() == EXPECTED["industries"].tolist()


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gbk", "utf-8"])
def test_read_csv(tmp_path: Path, encoding: str) -> None:
    """A CSV in UTF-8 with BOM, GBK or plain UTF-8: names, parks, industry prefixes."""
    path = tmp_path / "专员.csv"
    path.write_bytes(csv_text().encode(encoding))
    check(mujun.read_commissioners(path))
    check(mujun.read_commissioners(str(path)))


def test_read_xlsx_with_a_title_row(tmp_path: Path) -> None:
    """An .xlsx with a title above the header and a number-typed industry cell."""
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["固镇县重点企业首席服务专员名单"])
    sheet.append([])
    sheet.append(["序号", "姓名", "所属园区", "熟悉行业"])
    for k, (a, b, c) in enumerate(ROWS, start=1):
        sheet.append([k, a, b, c or None])
    sheet.append([4, "赵强", "连城镇", 3311])
    path = tmp_path / "专员名单.xlsx"
    book.save(path)
    read = mujun.read_commissioners(path)
    check(read.head(3))
    assert read.loc[3, "name"] == "赵强" and read.loc[3, "industries"] == ("3311",)


def test_read_a_frame_with_other_header_names() -> None:
    """A DataFrame with 专员姓名 / 联系园区 / 行业代码; blank names are dropped."""
    frame = pd.DataFrame(
        {
            "专员姓名": [" 张伟 ", "", "李娜"],
            "联系园区": ["东区", "西区", None],
            "行业代码": ["2651 / 29", "33", None],
        }
    )
    read = mujun.read_commissioners(frame)
    assert read["name"].tolist() == ["张伟", "李娜"]
    assert read["park"].tolist() == ["东区", ""]
    assert read["industries"].tolist() == [("2651", "29"), ()]


def test_industry_codes_are_runs_of_two_to_four_digits() -> None:
    """Separators of any kind; a one-digit or five-digit run is not a code; duplicates once."""
    frame = pd.DataFrame({"姓名": ["甲"], "熟悉行业": ["C26，29 3311/7/12345、26"]})
    assert mujun.read_commissioners(frame).loc[0, "industries"] == ("26", "29", "3311")


def test_duplicate_names_are_an_error(tmp_path: Path) -> None:
    """The same name twice: DataError naming it."""
    path = tmp_path / "dup.csv"
    path.write_text(csv_text([*ROWS, ("张伟", "连城镇", "17")]), encoding="utf-8")
    with pytest.raises(DataError, match="张伟"):
        mujun.read_commissioners(path)
    frame = pd.DataFrame({"姓名": ["李娜", "李娜 "], "所属园区": ["东区", "西区"]})
    with pytest.raises(DataError, match="李娜"):
        mujun.read_commissioners(frame)


def test_missing_name_column_is_an_error(tmp_path: Path) -> None:
    """No 姓名 / 专员姓名 header: DataError, for a file and for a frame."""
    path = tmp_path / "noname.csv"
    path.write_text(csv_text(header="人员,所属园区,熟悉行业"), encoding="utf-8")
    with pytest.raises(DataError, match="姓名"):
        mujun.read_commissioners(path)
    with pytest.raises(DataError, match="姓名"):
        mujun.read_commissioners(pd.DataFrame({"所属园区": ["东区"], "熟悉行业": ["26"]}))


def test_the_answer_does_not_depend_on_the_order_of_either_table() -> None:
    """Equal costs leave many optima; reversed firms or commissioners get the same pairs."""
    rng = np.random.default_rng(11)
    firms = firms_table(
        [PARKS[i] for i in rng.integers(0, 3, 9)], [INDUSTRIES[i] for i in rng.integers(0, 5, 9)]
    )
    team = people([*PARKS, "全县"], [("26",), ("33",), ("17", "29"), ()])
    s = Assignment(min_firms=2, max_firms=3)

    def pairs(f: pd.DataFrame, c: pd.DataFrame) -> dict[str, str]:
        got = assign(f.reset_index(drop=True), c.reset_index(drop=True), s)
        return dict(zip(got["credit_code"], got["commissioner"], strict=True))

    base = pairs(firms, team)
    assert pairs(firms.iloc[::-1], team) == base
    assert pairs(firms, team.iloc[::-1]) == base


def test_a_commissioner_park_no_firm_has_is_an_error(
    county: tuple[pd.DataFrame, mujun.Evaluation, Rules],
) -> None:
    """固镇经开区 for 固镇经济开发区 would make every pair cross-park: stop and name it."""
    panel, ev, _ = county
    team = commissioners_frame(sorted(panel["park"].unique()))
    team.loc[0, "所属园区"] = "不存在的园区"
    with pytest.raises(DataError, match="不存在的园区"):
        mujun.select_key_firms(panel, ev, mujun.read_commissioners(team))


def test_industries_without_a_code_are_an_error() -> None:
    """熟悉行业 written in words cannot be matched: say so rather than treat all as unfamiliar."""
    team = pd.DataFrame(
        {"姓名": ["甲", "乙"], "所属园区": ["", ""], "熟悉行业": ["26", "农副食品加工"]}
    )
    with pytest.raises(DataError, match="乙"):
        mujun.read_commissioners(team)
