"""Every broken rules file is refused with a Chinese message naming the file, the line and the
key: TOML errors, unknown and missing keys, wrong types, bad choices, numbers out of bounds, the
models' own checks and bad expressions of every kind. Each file is built here."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import HEADER, RULES_TEXT

from mujun import RulesError, load_rules, parse_rules
from mujun.rules.load import MAX_KEY_PARTS
from mujun.rules.quote import SHOWN_CHARS

F = 'formula = "tax_paid / land_mu"'  # the first indicator's formula
W = 'when = "high_tech"'  # the adjustment's condition

# English words that would mean a sentence reached the user untranslated
ENGLISH = (
    "must",
    "cannot",
    "not allowed",
    "expected",
    "unknown",
    "missing",
    "field required",
    "input should",
    "did you mean",
    "invalid",
    "is not",
    "should",
    "needs",
    "required",
    "value error",
    "never closed",
    "unmatched",
    "syntax",
    "out of range",
    "too many",
    "nested",
    "got",
    "takes",
    "line",
    "column",
    "exceeds",
    "error",
)


def replaced(old: str, new: str, text: str = RULES_TEXT) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


def formula(expression: str) -> str:
    return replaced(F, f'formula = "{expression}"')


def condition(expression: str) -> str:
    return replaced(W, f'when = "{expression}"')


# (the broken file's text, a text on the line the message must name, or None where no line is
# known, such as a missing top-level key)
BROKEN: dict[str, tuple[str, str | None]] = {
    # TOML that does not parse
    "toml-bare-word": (replaced('code = "above_scale"', "code = above_scale"), "above_scale"),
    "toml-key-twice": (replaced("weight = 60", "weight = 60\n  weight = 61"), "weight = 61"),
    "toml-unclosed-string": (replaced('label = "亩均税收"', 'label = "亩均税收'), "亩均税收"),
    "toml-unclosed-header": (replaced("[class.tiers]", "[class.tiers"), "[class.tiers"),
    "toml-unclosed-inline-table": (replaced("cap = 2.0 }", "cap = 2.0"), "benchmark = 10.0"),
    "toml-stray-statement": (RULES_TEXT + "\n= 1  # stray\n", "# stray"),
    "toml-ends-inside-value": (RULES_TEXT + "\nsource = ", "source = "),
    "toml-bad-escape": (replaced('label = "亩均税收"', r'label = "亩均\q税收"'), "亩均\\q"),
    "toml-huge-integer": (replaced("year = 2023", "year = " + "9" * 5000), "year = 999"),
    "toml-bad-date": (replaced("year = 2023", "year = 2023-02-30"), "year = 2023-02-30"),
    "toml-nul-byte": (RULES_TEXT + "\n\x00\n", "\x00"),
    "toml-nested-too-deep": (replaced("year = 2023", "year = " + "[" * 3000 + "]" * 3000), None),
    "empty-file": ("# 只有注释\n", None),
    # the TOML parser takes time quadratic in a dotted key's parts: refused before it parses
    "dotted-key-of-200000-parts": (RULES_TEXT + "\n" + "a." * 200_000 + "a = 1\n", "a.a.a."),
    "table-name-of-quoted-parts": (RULES_TEXT + "\n[" + '"a".' * 100_000 + '"a"]\n', '"a"."a"'),
    # keys
    "unknown-key": (replaced("weight = 60", "wieght = 60"), "wieght"),
    "unknown-top-level-key": (replaced('region = "测试县"', 'regoin = "测试县"'), "regoin"),
    "unknown-inline-key": (replaced("cap = 2.0 }", "cpa = 2.0 }"), "cpa = 2.0"),
    "unknown-key-of-900000-characters": (replaced("weight = 60", "w" * 900_000 + " = 60"), "www"),
    "missing-key": (replaced('  label = "亩均税收"\n', ""), "[[class.indicator]]"),
    "missing-top-level-key": (replaced('region = "测试县"\n', ""), None),
    "no-class": (HEADER + "class = []\n", "class = []"),
    # types (values are never converted)
    "weight-as-text": (replaced("weight = 60", 'weight = "60"'), 'weight = "60"'),
    "points-as-bool": (replaced("points = 2", "points = true"), "points = true"),
    "year-as-date": (replaced("year = 2023", "year = 2023-01-01"), "year = 2023-01-01"),
    "year-as-float": (replaced("year = 2023", "year = 2023.5"), "year = 2023.5"),
    "reason-as-list": (replaced('reason = "公用事业企业免评"', 'reason = ["a"]'), 'reason = ["a"]'),
    "table-as-number": (replaced("[[exclude]]", "energy = 5\n\n[[exclude]]"), "energy = 5"),
    "benchmark-as-list": (replaced("benchmark = 10.0", "benchmark = [1]"), "benchmark = [1]"),
    "quota-as-word": (RULES_TEXT + '\n[selection]\npark_quota = "x"\n', "park_quota"),
    "quota-as-text": (RULES_TEXT + '\n[selection]\npark_quota = { "东区" = "3" }\n', "park_quota"),
    # choices
    "bad-status": (replaced('status = "exempt"', 'status = "exmpt"'), "exmpt"),
    "bad-format-version": (replaced("mujun_rules = 1", "mujun_rules = 2"), "mujun_rules = 2"),
    "bad-tier-method": (replaced('method = "quota"', 'method = "quotas"'), "quotas"),
    "bad-benchmark-word": (replaced("benchmark = 10.0", 'benchmark = "avg"'), '"avg"'),
    "bad-cluster-feature": (
        RULES_TEXT + '\n[selection.clusters]\nfeatures = ["x"]\n',
        'features = ["x"]',
    ),
    # numbers out of bounds
    "weight-too-large": (replaced("weight = 60", "weight = 1e6"), "weight = 1e6"),
    "points-nan": (replaced("points = 2", "points = nan"), "points = nan"),
    "year-far": (replaced("year = 2023", "year = 99999999999999999999"), "year = 999"),
    "weight-huge-integer": (replaced("weight = 60", "weight = " + "9" * 400), "weight = 999"),
    "strength-one": (RULES_TEXT + "\n[selection]\nstrength = 1\n", "strength = 1"),
    # the models' own checks
    "weights-do-not-add-up": (replaced("weight = 60", "weight = 50"), "[[class]]"),
    "shares-do-not-add-up": (replaced("D = 0.25", "D = 0.35"), "shares = "),
    "pooled-not-a-ratio": (
        replaced('formula = "revenue / land_mu"', 'formula = "log(revenue)"'),
        "log(revenue)",
    ),
    "floor-above-cap": (replaced("cap = 2.0 }", "cap = 2.0, floor = 3.0 }"), "floor = 3.0"),
    "ratio-without-benchmark": (replaced("benchmark = 10.0, ", ""), 'method = "ratio", cap'),
    "penalty-without-points": (
        replaced("weight = 60", 'weight = 60\n  missing = "penalty"'),
        'missing = "penalty"',
    ),
    "unknown-tier": (replaced('at_most = "C"', 'at_most = "E"'), 'at_most = "E"'),
    "two-tier-actions": (replaced('at_most = "C"', 'at_most = "C"\n  force = "D"'), 'force = "D"'),
    "threshold-not-decreasing": (
        replaced("minimum = { A = 150, B = 100 }", "minimum = { A = 100, B = 150 }"),
        "minimum = ",
    ),
    "class-code-twice": (replaced('code = "below_scale"', 'code = "above_scale"'), None),
    "class-codes-not-text": (HEADER + 'class = [{ code = ["a"] }, { code = ["a"] }]\n', "class = "),
    "indicator-code-twice": (replaced('code = "revenue_per_mu"', 'code = "tax_per_mu"'), None),
    "code-not-snake-case": (replaced('code = "tax_per_mu"', 'code = "Tax-Per"'), "Tax-Per"),
    "empty-label": (replaced('label = "亩均税收"', 'label = "  "'), 'label = "  "'),
    "publication-unknown-column": (
        RULES_TEXT + '\n[publication]\nshow = ["tax_per_mo"]\n',
        "show = ",
    ),
    "watch-code-reserved": (
        RULES_TEXT + '\n[[selection.watch]]\ncode = "rising"\nlabel = "x"\n'
        'when = "revenue > 1"\nreason = "y"\n',
        'code = "rising"',
    ),
    # expressions
    "deep-parentheses": (formula("(" * 300 + "tax_paid" + ")" * 300 + " / land_mu"), "((("),
    "deep-calls": (formula("abs(" * 70 + "tax_paid" + ")" * 70), "abs(abs("),
    "unclosed-parenthesis": (formula("(tax_paid / land_mu"), "(tax_paid / land_mu"),
    "unmatched-parenthesis": (formula("tax_paid / land_mu)"), "land_mu)"),
    "two-operators": (formula("tax_paid / / land_mu"), "/ / land_mu"),
    "trailing-operator": (formula("tax_paid /"), 'formula = "tax_paid /"'),
    "assignment-for-equality": (condition("high_tech = 1"), "high_tech = 1"),
    "full-width-parenthesis": (formula("（tax_paid）/ land_mu"), "（tax_paid）"),
    "multiplication-sign": (formula("tax_paid × land_mu"), "tax_paid × land_mu"),
    "expression-over-two-lines": (
        replaced(F, 'formula = """tax_paid\n/ land_mu"""'),
        'formula = """tax_paid',
    ),
    "unterminated-text": (condition("park == '东区"), "park == '东区"),
    "number-too-large": (formula("tax_paid ** 1e308 / land_mu"), "1e308"),
    "function-not-allowed": (formula("exp(tax_paid) / land_mu"), "exp(tax_paid)"),
    "attribute": (formula("tax_paid.real / land_mu"), "tax_paid.real"),
    "subscript": (formula("tax_paid[0] / land_mu"), "tax_paid[0]"),
    "lambda": (formula("(lambda: 1)() / land_mu"), "lambda"),
    "dunder": (condition("__import__('os')"), "__import__"),
    "if-else": (formula("(1 if tax_paid else 2) / land_mu"), "1 if tax_paid"),
    "floor-division": (formula("tax_paid // land_mu"), "tax_paid // land_mu"),
    "keyword-argument": (formula("log(x=tax_paid)"), "log(x=tax_paid)"),
    "wrong-argument-count": (formula("log(tax_paid, 2) / land_mu"), "log(tax_paid, 2)"),
    "in-without-constants": (condition("industry_division in (tax_paid, 2)"), "in (tax_paid"),
    "bare-list": (condition("(1, 2)"), "(1, 2)"),
    "constant-none": (condition("None"), '"None"'),
    "unknown-field": (formula("tax_payd / land_mu"), "tax_payd"),
    "unknown-field-far": (formula("qqqqqq / land_mu"), "qqqqqq"),
    "formula-of-text": (formula("name"), 'formula = "name"'),
    "condition-of-text": (condition("park"), 'when = "park"'),
    "text-in-arithmetic": (formula("name + 1"), "name + 1"),
    "empty-expression": (formula(""), 'formula = ""'),
    "expression-not-text": (replaced(F, "formula = 5"), "formula = 5"),
    "expression-too-long": (formula("tax_paid + " * 250 + "1"), "tax_paid + tax_paid"),
    "control-character": (formula("tax_paid\\u0007 / land_mu"), "\\u0007"),
    "overflow-when-tried": (condition("10.0 ** 400 > 1"), "10.0 ** 400"),
}


def line_of(text: str, needle: str) -> int:
    """The first line of `text` holding `needle`."""
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def untranslated(detail: str) -> list[str]:
    """English words of `detail` outside what the author wrote (quoted texts, key paths)."""
    body = re.sub(r"'[^']*'|\"[^\"]*\"|“[^”]*”", " ", detail)
    body = re.sub(r"[A-Za-z_][\w]*(?:\[\d+\]|\.[A-Za-z_]\w*)+", " ", body)  # key paths
    found = [w for w in ENGLISH if re.search(rf"\b{w}\b", body, re.I)]
    # three English words in a row are a sentence, not an identifier
    found += re.findall(r"[A-Za-z]{2,}(?:[ ,;:]+[A-Za-z]{2,}){2,}", body)
    return found


@pytest.mark.parametrize(("text", "needle"), list(BROKEN.values()), ids=list(BROKEN))
def test_broken_rules_are_refused_in_chinese(text: str, needle: str | None, tmp_path: Path) -> None:
    path = tmp_path / "规则.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RulesError) as info:
        load_rules(path)
    err = info.value
    message = str(err)
    assert err.file == str(path)
    assert message.startswith(f"{path}:")
    if needle is not None:
        assert err.line == line_of(text, needle), message
        assert message.startswith(f"{path}:{err.line}: ")
    assert re.search(r"[\u4e00-\u9fff]", re.sub(r"“[^”]*”|'[^']*'", "", err.detail)), message
    assert untranslated(err.detail) == [], message
    # an echoed expression or value is cut: the message stays short however long the input
    assert len(err.detail) < 400 + 6 * SHOWN_CHARS, message
    assert len(message) < len(str(path)) + 200 + 8 * SHOWN_CHARS, message
    assert "Traceback" not in message


def test_dotted_keys_within_the_bound_reach_the_models() -> None:
    """A key of MAX_KEY_PARTS parts, dots in strings, comments and numbers pass the bound."""
    key = ".".join(["a"] * MAX_KEY_PARTS)
    extra = f'\n{key} = 1.5  # {"x." * 40}\nsource = "{"y." * 40}"\n'
    with pytest.raises(RulesError) as info:
        parse_rules(replaced("year = 2023\n", "year = 2023\n" + extra), file="r.toml")
    assert info.value.key == "a"
    assert "未知的键 'a'" in info.value.detail


def test_key_paths_and_did_you_mean_are_named() -> None:
    """What the author must change is named as written, with the closest valid word."""
    cases = {
        "unknown-key": ("class[0].indicator[0].wieght", "是否应为 'weight'"),
        "bad-status": ("exclude[0].status", "是否应为 'exempt'"),
        "unknown-field": ("class[0].indicator[0].formula", "是否应为 'tax_paid'"),
        "pooled-not-a-ratio": ("class[0].indicator[1].formula", "“log(revenue)”"),
        "function-not-allowed": ("class[0].indicator[0].formula", "“exp”"),
        "unknown-tier": ("class[0].tiers.rule[0].at_most", "'E'"),
        "quota-as-text": ("selection.park_quota.东区", "须为整数"),
        "benchmark-as-list": ("class[0].indicator[0].score.benchmark", "须为数值，或须为文本"),
    }
    for name, (key, words) in cases.items():
        with pytest.raises(RulesError) as info:
            parse_rules(BROKEN[name][0], file="r.toml")
        assert info.value.key == key, (name, str(info.value))
        assert words in info.value.detail, (name, str(info.value))


def test_a_long_expression_is_echoed_shortened() -> None:
    text = BROKEN["deep-parentheses"][0]
    with pytest.raises(RulesError) as info:
        parse_rules(text, file="r.toml")
    assert "(" * SHOWN_CHARS + "…" in info.value.detail
    assert "(" * (SHOWN_CHARS + 1) not in info.value.detail
    assert "括号嵌套过深" in info.value.detail


def test_many_problems_are_counted_not_all_listed() -> None:
    extra = "".join(f"\n  bad_key_{i} = {i}" for i in range(40))
    with pytest.raises(RulesError) as info:
        parse_rules(replaced("weight = 60", "weight = 60" + extra), file="r.toml")
    detail = info.value.detail
    assert "未知的键 'bad_key_0'" in detail
    assert "另有 34 处问题未列出" in detail
    assert "bad_key_39" not in detail


def test_a_rules_path_that_is_no_file_is_refused_in_chinese(tmp_path: Path) -> None:
    fifo = tmp_path / "rules.toml"
    os.mkfifo(fifo)  # reading it would block for ever
    for path in (tmp_path, fifo, tmp_path / "nowhere.toml"):
        with pytest.raises(RulesError) as info:
            load_rules(path)
        assert str(info.value).startswith(f"{path}: ")
        assert re.search(r"[\u4e00-\u9fff]", info.value.detail)
        assert untranslated(info.value.detail) == []


def test_a_rules_file_not_in_utf8_is_refused_in_chinese(tmp_path: Path) -> None:
    path = tmp_path / "gbk.toml"
    path.write_bytes(RULES_TEXT.encode("gbk"))
    with pytest.raises(RulesError) as info:
        load_rules(path)
    assert str(info.value) == f"{path}: 规则文件须为 UTF-8 文本"


@pytest.mark.parametrize("command", ["check", "run"])
def test_cli_exits_2_without_traceback(command: str, tmp_path: Path) -> None:
    """The command line prints the Chinese message and exits 2: no traceback, no output."""
    rules = tmp_path / "rules.toml"
    rules.write_text(BROKEN["deep-parentheses"][0], encoding="utf-8")
    data = tmp_path / "firms.csv"
    data.write_text("统一社会信用代码,年度,税收实际贡献\n", encoding="utf-8")
    out = tmp_path / "out"
    args = ["--rules", str(rules), "--data", str(data)]
    args += ["--out", str(out)] if command == "run" else ["--report", str(tmp_path / "r.xlsx")]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path), "COLUMNS": "1000"}
    done = subprocess.run(
        [sys.executable, "-m", "mujun", command, *args],
        capture_output=True,
        env=env,
        check=False,
        cwd=tmp_path,
    )
    said = (done.stdout + done.stderr).decode("utf-8", errors="replace")
    assert done.returncode == 2, said
    assert "Traceback" not in said
    assert f"{rules}:{line_of(BROKEN['deep-parentheses'][0], '(((')}:" in said
    assert "括号嵌套过深" in said
    assert not out.exists() and not (tmp_path / "r.xlsx").exists()
