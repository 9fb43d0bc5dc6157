"""`mujun import-coinr`: the shipped asem.toml is what the command writes, the tree and the
indicators come over whole, and a broken iMeta is one Chinese message with exit code 2."""

from __future__ import annotations

import tomllib
import tracemalloc
from pathlib import Path

import pytest
from cli_setup import english_sentences, invoke
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mujun import coinr_meta
from mujun.coinr_meta import MAX_META_BYTES, data_columns_and_years, snake

ROOT = Path(__file__).resolve().parents[1]
META = ROOT / "datasets" / "asem" / "ASEM_iMeta.csv"
IDATA = ROOT / "datasets" / "asem" / "ASEM_iData.csv"
SHIPPED = ROOT / "rules" / "examples" / "asem.toml"
ASEM_ARGS = [
    "--impute-by", "EurAsia_group",
    "--name", "ASEM 可持续互联互通指数（COINr 示例，2018）",
    "--region", "亚欧会议（ASEM）51国",
    "--key-label", "国家代码",
]  # fmt: skip
HEADER = "Level,iCode,iName,Direction,Weight,Unit,Target,Denominator,Parent,Type\n"


def convert(tmp_path: Path, meta: Path, *args: str) -> tuple[int, str, Path]:
    out = tmp_path / "asem.toml"
    code, output = invoke("import-coinr", meta, "--out", out, *args)
    return code, output, out


def test_the_shipped_asem_rules_are_what_the_command_writes(tmp_path: Path) -> None:
    code, output, out = convert(tmp_path, META, "--data", str(IDATA), *ASEM_ARGS)
    assert code == 0, output
    assert out.read_text(encoding="utf-8") == SHIPPED.read_text(encoding="utf-8")


def test_the_asem_tree_and_indicators_come_over_whole() -> None:
    rules = tomllib.loads(SHIPPED.read_text(encoding="utf-8"))
    assert rules["input"] == {
        "key": "uCode",
        "key_label": "国家代码",
        "key_check": "none",
        "aliases": {"name": ["uName"], "year": ["Time"]},
    }
    assert rules["year"] == 2018  # the one Time of iData
    (klass,) = rules["class"]
    assert (klass["code"], klass["aggregate"]) == ("index", "mean")
    assert klass["treat"] == {
        "method": "winsorise", "skew": 2.0, "kurtosis": 3.5, "max_points": 5, "log": True
    }  # fmt: skip
    groups = {g["code"]: g.get("parent") for g in klass["group"]}
    # 2 sub-indices at the top (no parent), 8 pillars under them: 5 + 3
    assert [c for c, p in groups.items() if p is None] == ["conn", "sust"]
    assert sum(p == "conn" for p in groups.values()) == 5
    assert sum(p == "sust" for p in groups.values()) == 3
    indicators = klass["indicator"]
    assert len(indicators) == 49
    assert all(i["parent"] in groups and groups[i["parent"]] is not None for i in indicators)
    assert sum(i["direction"] == "lower" for i in indicators) == 14  # Direction -1 in iMeta
    by_code = {i["code"]: i for i in indicators}
    assert by_code["flights"]["denominator"] == "population"
    assert by_code["lpi"].get("denominator") is None
    assert by_code["co2"]["direction"] == "lower"
    assert by_code["flights"]["impute"] == {"stat": "mean", "by": "eur_asia_group"}
    assert by_code["flights"]["score"] == {"method": "minmax"}
    fields = {f["code"]: f for f in rules["field"]}
    assert fields["eur_asia_group"]["kind"] == "text"
    assert fields["eur_asia_group"]["aliases"] == ["EurAsia_group"]
    assert fields["population"]["kind"] == "number"
    assert len(fields) == 49 + 4 + 4  # indicators, group columns, denominators
    assert klass["tiers"]["shares"] == {"Q1": 0.25, "Q2": 0.25, "Q3": 0.25, "Q4": 0.25}


def test_without_treatment_and_imputation_groups(tmp_path: Path) -> None:
    code, output, out = convert(tmp_path, META, "--year", "2018", "--no-treat")
    assert code == 0, output
    klass = tomllib.loads(out.read_text(encoding="utf-8"))["class"][0]
    assert klass["treat"] == {"method": "none"}
    assert klass["indicator"][0]["impute"] == {"stat": "mean"}


@pytest.mark.parametrize(
    ("icode", "code"),
    [
        ("LPI", "lpi"), ("CO2", "co2"), ("ConSpeed", "con_speed"), ("GDPGrow", "gdp_grow"),
        ("IGOs", "igos"), ("EurAsia_group", "eur_asia_group"), ("GDPpc_group", "gdppc_group"),
        ("P2P", "p2p"), ("PRemit", "p_remit"), ("2x", "i_2x"), ("Cov4G", "cov4g"),
    ],
)  # fmt: skip
def test_icodes_become_snake_case(icode: str, code: str) -> None:
    assert snake(icode) == code


def _meta(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "iMeta.csv"
    path.write_text(body, encoding="utf-8")
    return path


GOOD = (
    "1,A,Alpha,1,1,,,,P,Indicator\n"
    "1,B,Beta,-1,1,,,,P,Indicator\n"
    "2,P,Pillar,1,1,,,,Idx,Aggregate\n"
    "3,Idx,Index,1,1,,,,,Aggregate\n"
)


@pytest.mark.parametrize(
    ("body", "said"),
    [
        ("iCode,iName\nA,Alpha\n", "缺少列 Type"),
        (HEADER + GOOD.replace(",P,Indicator\n1,B", ",B,Indicator\n1,B", 1), "不是汇总"),
        (HEADER + GOOD.replace(",,P,Indicator", ",,Q,Indicator", 1), "不在 iMeta 表中"),
        (HEADER + GOOD.replace("1,1,,,,Idx", "1,heavy,,,,Idx"), "Weight 须为数值"),
        (HEADER + GOOD.replace("-1,1", "2,1"), "Direction 须为 1 或 -1"),
        (HEADER + GOOD.replace("-1,1", "-1,0"), "权重须大于0"),
        (HEADER + GOOD.replace("Idx,Aggregate", "Q,Aggregate") + "2,Q,Q,1,1,,,,P,Aggregate\n",
         "循环"),
        (HEADER + GOOD + "3,Idx2,Index2,1,1,,,,,Aggregate\n", "恰好有一个"),
        (HEADER + GOOD.replace(",,,,P,Indicator", ",,,Pop,P,Indicator", 1), "Denominator 的行"),
        (HEADER + GOOD + "1,A,Again,1,1,,,,P,Indicator\n", "重复"),
        (HEADER + GOOD.replace("Indicator", "Indikator", 1), "'Indikator' 未知"),
    ],
)  # fmt: skip
def test_a_broken_imeta_is_one_chinese_message_and_exit_2(
    tmp_path: Path, body: str, said: str
) -> None:
    code, output, out = convert(tmp_path, _meta(tmp_path, body), "--year", "2020")
    assert code == 2, output
    assert said in output and "iMeta.csv" in output
    assert "Traceback" not in output and not out.exists()


def test_a_good_small_imeta_converts(tmp_path: Path) -> None:
    code, output, out = convert(tmp_path, _meta(tmp_path, HEADER + GOOD), "--year", "2020")
    assert code == 0, output
    klass = tomllib.loads(out.read_text(encoding="utf-8"))["class"][0]
    assert [g["code"] for g in klass["group"]] == ["p"]
    assert [i["direction"] for i in klass["indicator"]] == ["higher", "lower"]


def test_a_huge_imeta_is_refused_before_it_is_parsed(tmp_path: Path) -> None:
    path = _meta(tmp_path, HEADER + GOOD * (MAX_META_BYTES // len(GOOD) + 1))
    code, output, _ = convert(tmp_path, path, "--year", "2020")
    assert code == 2 and "过大" in output


def test_idata_without_an_indicator_column_or_a_year(tmp_path: Path) -> None:
    meta = _meta(tmp_path, HEADER + GOOD)
    data = tmp_path / "iData.csv"
    data.write_text("uCode,A,Time\nX,1,2020\n", encoding="utf-8")
    code, output, _ = convert(tmp_path, meta, "--data", str(data))
    assert code == 2 and "缺少 iMeta 列出的列：B" in output
    code, output, _ = convert(tmp_path, meta)
    assert code == 2 and "--year" in output
    assert "规则文本" not in output  # a missing option has no place in a rules text


def test_impute_by_must_name_a_group_column(tmp_path: Path) -> None:
    code, output, _ = convert(tmp_path, META, "--year", "2018", "--impute-by", "Continent")
    assert code == 2 and "EurAsia_group" in output


@st.composite
def trees(draw: st.DrawFn) -> str:
    """An iMeta table: an index, 1–3 sub-indices, 1–3 pillars each, 1–4 indicators each, random
    weights and directions, an optional denominator."""
    rows = ["4,Idx,The index,1,1,,,,,Aggregate"]
    n = 0
    for s in range(draw(st.integers(1, 3))):
        rows.append(f"3,S{s},Sub {s},1,{draw(st.integers(1, 5))},,,,Idx,Aggregate")
        for p in range(draw(st.integers(1, 3))):
            rows.append(f"2,P{s}x{p},Pillar {s}.{p},1,{draw(st.integers(1, 3))},,,,S{s},Aggregate")
            for _ in range(draw(st.integers(1, 4))):
                direction = draw(st.sampled_from([1, -1]))
                weight = draw(st.floats(0.1, 10, allow_nan=False).map(lambda w: round(w, 3)))
                den = draw(st.sampled_from(["", "Pop"]))
                rows.append(
                    f"1,Ind{n},Indicator {n},{direction},{weight},,,{den},P{s}x{p},Indicator"
                )
                n += 1
    rows += [",Grp,Group,,,,,,,Group", ",Pop,Population,,,,,,,Denominator"]
    return HEADER + "\n".join(draw(st.permutations(rows))) + "\n"


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(body=trees())
def test_every_imeta_tree_becomes_a_rules_file_that_loads(tmp_path: Path, body: str) -> None:
    """Whatever the tree and the row order, the rules load and keep every node and weight."""
    from mujun.rules import load_rules

    meta = _meta(tmp_path, body)
    code, output, out = convert(tmp_path, meta, "--year", "2020", "--impute-by", "Grp")
    assert code == 0, output
    rules = load_rules(out)
    (klass,) = rules.classes
    lines = [line.split(",") for line in body.splitlines()[1:]]
    indicators = {r[1]: r for r in lines if r[-1] == "Indicator"}
    assert len(klass.indicators) == len(indicators)
    assert len(klass.groups) == sum(r[-1] == "Aggregate" for r in lines) - 1
    for i in klass.indicators:
        row = indicators[f"Ind{i.code.removeprefix('ind')}"]
        assert i.weight == float(row[4])
        assert i.direction == ("lower" if row[3] == "-1" else "higher")


def test_a_missing_file_and_an_unwritable_output_are_said_in_chinese(tmp_path: Path) -> None:
    code, output, _ = convert(tmp_path, tmp_path / "none.csv", "--year", "2020")
    assert code == 2 and "无法读取iMeta 表" in output and "No such" not in output
    out = tmp_path / "no-folder" / "r.toml"
    code, output = invoke("import-coinr", META, "--year", "2018", "--out", out)
    assert code == 2 and "无法写入规则文件" in output and "No such" not in output


def test_idata_is_streamed_keeping_only_the_header_and_the_years(tmp_path: Path) -> None:
    # 60,000 rows of about 30 bytes (1.8 MB): read whole into dicts they took tens of MB
    data = tmp_path / "iData.csv"
    rows = "".join(f"U{i},{i % 7},{i % 3},{2018 + i % 3}\n" for i in range(60_000))
    data.write_text("uCode,A,B,Time\n" + rows, encoding="utf-8")
    tracemalloc.start()
    try:
        columns, years = data_columns_and_years(data)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert columns == ["uCode", "A", "B", "Time"]
    assert years == [2018, 2019, 2020]  # 2018 + i % 3
    assert peak < 1_000_000, peak  # a read buffer and a few rows, not the file


def test_idata_without_time_stops_after_the_first_row(tmp_path: Path) -> None:
    # only the header matters: a broken later row is not even read
    data = tmp_path / "iData.csv"
    data.write_text("uCode,A\nX,1\nY,\x00\n", encoding="utf-8")
    assert data_columns_and_years(data) == (["uCode", "A"], [])


@pytest.mark.parametrize(
    ("body", "said"),
    [
        ("uCode,A,Time\nX,1,2020\nY,2," + "9" * 200_000 + "\n", "第 3 行不是有效的 CSV"),
        ("uCode,A,Time\nX,1,2020\nY,2,二〇二〇\n", "iData.csv:3: Time: Time 须为1990–2100"),
        ("uCode,A,Time\nX,1,20\x0020\n", "含有空字符"),
        ("uCode,A,Time\n", "没有数据行"),
        ("\n\n", "是空文件"),
    ],
)
def test_a_broken_idata_is_one_chinese_message_and_exit_2(
    tmp_path: Path, body: str, said: str
) -> None:
    data = tmp_path / "iData.csv"
    data.write_text(body, encoding="utf-8")
    meta = _meta(tmp_path, HEADER + GOOD)
    code, output, out = convert(tmp_path, meta, "--data", str(data))
    assert code == 2, output
    assert said in output.replace("\n", "")
    assert "Traceback" not in output and not english_sentences(output) and not out.exists()


def test_a_gbk_idata_is_read(tmp_path: Path) -> None:
    data = tmp_path / "iData.csv"
    data.write_bytes("uCode,名称,A,B,Time\n".encode("gbk") + "X,甲,1,2,2021\n".encode("gbk"))
    assert data_columns_and_years(data) == (["uCode", "名称", "A", "B", "Time"], [2021])


def test_a_huge_idata_is_refused_before_it_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(coinr_meta, "MAX_DATA_BYTES", 100)
    data = tmp_path / "iData.csv"
    data.write_text("uCode,A,B,Time\n" + "X,1,2,2020\n" * 20, encoding="utf-8")
    code, output, _ = convert(tmp_path, _meta(tmp_path, HEADER + GOOD), "--data", str(data))
    assert code == 2 and "过大" in output
