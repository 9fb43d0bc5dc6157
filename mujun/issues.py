"""Data problems: the one catalog of issue codes, and issue records and tables built from it.

Every issue mujun reports has a code in `CATALOG`, which gives its usual severity, a category, a
Chinese title (the 问题清单's 汇总 counts by it) and the message template its rows are written
from. A few codes say one thing in two ways (`variants`: a value the rules do not use is only a
warning, a value corrected on appeal only information); the variant names its own severity and
template. Issue tables have the columns of `ISSUE_COLUMNS` and nothing else: an issue names the
file, sheet and spreadsheet row it is about, never a position in some table.

`python -m mujun.issues` prints the catalog as the Markdown table of the README.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

ISSUE_COLUMNS = [
    "code",
    "message",
    "file",
    "sheet",
    "row",
    "credit_code",
    "field",
    "value",
    "severity",
]
SEVERITIES = ("error", "warning", "info")
REPEATS_LISTED = 50  # a warning or note repeated more often in one sheet and field is summed up
SEVERITY_LABELS = {"error": "错误", "warning": "提示", "info": "说明"}
CATEGORIES = {
    "file": "文件与工作表",
    "column": "表头与列",
    "row": "行",
    "key": "统一社会信用代码",
    "value": "数值",
    "merge": "多文件合并",
    "correction": "异议复核更正",
    "rules": "评价规则所需数据",
    "check": "评价数据检查",
    "score": "评分",
    "policy": "结果应用",
}


@dataclass(frozen=True)
class Kind:
    """One catalog entry: what an issue code means and how its messages read."""

    code: str
    severity: str
    category: str
    title: str
    template: str
    variants: Mapping[str, tuple[str, str]] = field(default_factory=dict)

    def text(self, variant: str | None = None, **fill: Any) -> tuple[str, str]:
        """(severity, message) of this kind, or of one of its variants, filled in."""
        severity, template = self.variants[variant] if variant else (self.severity, self.template)
        return severity, template.format(**fill)


UNUSED = "unused"  # a problem in a field the rules never read: a warning only
SETTLED = "settled"  # a problem in a value an approved correction replaced: information only
CONFIRMED = "confirmed"  # an implausible value an approved correction confirmed: information only
_UNUSED_NOTE = "（本次评价未使用该字段）"
_CONFIRM = "；如确属实，请以异议复核更正记录确认"
_SETTLED_NOTE = "（已按异议复核更正）"


def _cell(code: str, severity: str, title: str, template: str) -> Kind:
    """A cell that could not be read: an error where the rules use the field."""
    return Kind(
        code,
        severity,
        "value",
        title,
        template,
        {
            UNUSED: ("warning", template + _UNUSED_NOTE),
            SETTLED: ("info", template + _SETTLED_NOTE),
        },
    )


_KINDS = (
    # files and sheets
    Kind("sheet-skipped", "info", "file", "工作表未读取", "工作表未读取：{why}",
         {"firms": ("warning", "工作表未读取：{why}，但其中有{count}户企业的统一社会信用代码："
                               "如需评价，请将其移到可见的数据工作表后重新报送")}),
    Kind("no-header", "warning", "file", "未找到表头",
         "未找到含“统一社会信用代码”的表头，该工作表未读取"),
    Kind("csv-mixed-encoding", "warning", "file", "CSV文件中个别行编码不同",
         "该行是{encoding}编码，与文件其余各行（{main}）不同，已按{encoding}读取，请核对该行文字"),
    Kind("csv-invisible-chars", "warning", "file", "CSV行中含不可见字符",
         "该行含不可见字符（NUL或BOM，见“值”），已删除后读取"),
    Kind("csv-stray-quote", "warning", "file", "CSV行中引号不成对",
         "该行的引号不成对（某个值以引号开头，引号内却含有其他行或其他列的内容），已按不含引号"
         "逐行读取，请核对该行各值"),
    Kind("csv-long-line", "error", "file", "CSV行过长",
         "该行的字符数（见“值”）超过{limit}个的上限，不像一家企业的数据，未读取"),
    Kind("csv-too-many-fields", "error", "file", "CSV行字段过多",
         "该行的字段数（见“值”）超过{limit}个的上限，未读取"),
    # headers and columns
    Kind("unknown-column", "warning", "column", "未识别的列",
         "{where}：未识别的列，未读取（表头不是已知字段）"),
    Kind("similar-column", "warning", "column", "未识别的列像是评价所需的字段",
         "{where}：未识别的列，是否指“{label}”（{key}）？评价规则需要该字段而文件中没有；"
         "如是，请在规则文件中加入 [input.aliases] {key} = [{header}]"),
    Kind("unknown-unit", "error", "column", "表头中的单位无法识别",
         "{where}：表头中的单位无法识别，该列未读取"),
    Kind("ignored-column", "info", "column", "说明性列", "{where}：说明性列，未读取"),
    Kind("duplicate-column", "warning", "column", "重复的列",
         "{where}：与前面的列对应同一字段，未读取"),
    Kind("unnamed-column", "warning", "column", "无表头的列", "{where}：列无表头但有数据，未读取"),
    Kind("blank-column", "info", "column", "空白列", "{where}：空白列，已忽略"),
    Kind("unit-from-title", "info", "column", "按表头上方的单位换算",
         "“{header}”按表头上方“单位：{unit}”换算"),
    # rows
    Kind("note-row", "info", "row", "说明、合计等非企业行", "说明、合计等非企业行，已跳过"),
    Kind("extra-fields", "warning", "row", "行的字段多于表头",
         "该行比表头多出{extra}个值，多出的值未读取，请核对该行各列是否错位"),
    Kind("odd-total", "warning", "row", "合计行与企业数据之和不符",
         "按合计行跳过，但其数值与上方企业之和不符：如该行是企业，请补填统一社会信用代码"),
    Kind("header-row", "info", "row", "重复的表头、单位或栏次行",
         "表头下的单位行、栏次行或重复的表头行共{count}行，已跳过"),
    Kind("missing-year", "warning", "row", "年度为空", "年度为空，按{year}年处理"),
    Kind("wrong-year", "error", "row", "数据年度与评价年度不符",
         "数据年度与评价年度（{year}年）不符，未评价"),
    Kind("previous-year-row", "info", "row", "上年度数据，仅用于上年值和上年基准",
         "上年度（{year}年）数据，不参加本年度评价，仅用于上年值和上年基准"),
    Kind("previous-year-none", "warning", "rules", "缺少上年度数据",
         "评价规则用到上年度（{year}年）的数据（previous() 或上年基准），但输入中没有{year}年的行："
         "上年值均按缺失处理，上年基准无法计算"),
    Kind("previous-missing", "info", "rules", "缺少该企业的上年值",
         "输入中没有该企业上年度（{year}年）的“{label}”，previous({name}) 按缺失处理"),
    # credit codes and copies
    Kind("missing-credit-code", "error", "key", "缺少统一社会信用代码", "缺少统一社会信用代码"),
    Kind("bad-credit-code", "error", "key", "统一社会信用代码长度或字符不正确",
         "统一社会信用代码长度或字符不正确（应为18位，不含I、O、S、V、Z）"),
    Kind("credit-code-check-digit", "warning", "key", "统一社会信用代码校验位不符",
         "统一社会信用代码校验位不符（GB 32100-2015），请核对"),
    Kind("credit-code-as-number", "error", "key", "统一社会信用代码被存成了数字",
         "统一社会信用代码被Excel存成了数字（如9.1E+17），后几位已丢失：请将该列设为文本格式后"
         "重新导出"),
    Kind("credit-code-cleaned", "info", "key", "统一社会信用代码含空格或不可见字符",
         "统一社会信用代码中含空格、制表符、不可见字符或全角字符，已清除后读取（原样见“值”列），"
         "请在源文件中改正"),
    Kind("credit-code-twin", "error", "key", "统一社会信用代码与另一企业的仅校验位不同",
         "统一社会信用代码与另一企业的代码只有第18位（校验位）不同，很可能是录入错误，未评价："
         "请核对（另一代码及所在行见“值”列）"),
    Kind("duplicate-firm", "error", "key", "同一企业同一年度有多条不同记录",
         "同一企业同一年度有多条不同记录，均未采用，请核实后只保留一条",
         {"year": ("error", "同一企业在{year}年有多条记录，其中有的未填年度，均未采用："
                            "请在读取时给出年度，或在文件中补填年度")}),
    Kind("duplicate-row", "warning", "key", "同一企业同一年度的记录重复",
         "同一企业同一年度的相同记录重复出现，按一条读取"),
    # values
    _cell("non-numeric-value", "error", "值不是数字", "“{label}”的值不是{kind}"),
    _cell("bad-bool-value", "error", "是/否字段的值无法识别", "“{label}”应为 是/否"),
    Kind("undecodable-text", "error", "value", "文字无法解码",
         "“{label}”含无法解码的字节（既非UTF-8也非GBK编码），按缺失处理，请核对原文件"),
    Kind("bad-date-value", "warning", "value", "日期无法识别",
         "“{label}”不是可识别的日期（应写明年、月、日），按缺失处理"),
    Kind("implausible-date", "warning", "value", "日期超出合理范围",
         "“{label}”早于1900年或晚于数据年度的次年，不是可信的日期，按缺失处理"),
    Kind("placeholder-value", "info", "value", "以占位符填写", "“{label}”填写为占位符，按缺失处理"),
    Kind("formula-not-cached", "warning", "value", "公式未计算（无缓存值）",
         "工作表“{sheet}”单元格{cell}：公式未计算（无缓存值），按空白读取"),
    Kind("excel-error", "warning", "value", "Excel错误值", "“{label}”是Excel错误值，按缺失处理"),
    Kind("scaled-value", "warning", "value", "数值含“万/亿/%”",
         "“{label}”含“万/亿/%”，已按倍数换算为数值，请核对单位"),
    Kind("full-width-value", "info", "value", "全角数字", "“{label}”为全角数字，已按半角读取"),
    Kind("industry-code-as-number", "warning", "value", "行业代码被存成了数字",
         "行业代码被存成了数字，开头的0可能已丢失（如0610），请设为文本格式后核对"),
    Kind("unknown-industry-code", "warning", "value", "行业代码无效",
         "行业代码不是有效的GB/T 4754-2017代码"),
    Kind("unknown-energy-basis", "warning", "value", "能耗口径无法识别",
         "“能耗口径”应为“当量值”或“等价值”，无法识别，按未填处理"),
    Kind("energy-basis-differs", "warning", "value", "能耗口径与规则不同",
         "该企业的综合能耗按“{given}”填报，规则文件规定按“{basis}”（[energy] basis）评价，"
         "未作换算：请核实或按规定口径重新填报"),
    # merging files
    Kind("conflicting-values", "warning", "merge", "不同来源取值不同",
         "“{label}”在不同来源中取值不同，已按优先来源取值"),
    Kind("missing-from-source", "warning", "merge", "企业不在某一来源文件中",
         "该企业不在《{where}》中，缺少其提供的{names}",
         {"many": ("warning", "有{count}户企业不在《{where}》中，缺少其提供的{names}")}),
    # corrections
    Kind("correction-applied", "info", "correction", "已按异议复核更正", "已按异议复核更正数据"),
    Kind("correction-unmatched", "warning", "correction", "更正记录找不到对应企业",
         "更正记录找不到对应企业（信用代码或年度不符）"),
    Kind("correction-bad-field", "error", "correction", "更正记录的字段无法识别",
         "更正记录的字段无法识别"),
    Kind("correction-bad-value", "error", "correction", "更正后的值无法读取",
         "更正后的值无法读取",
         {"empty": ("error", "更正记录的新值为空（或为“—”“无”等占位符），未采用：异议复核更正"
                             "不能清除数据")}),
    Kind("correction-conflict", "error", "correction", "同一数据有多条取值不同的更正",
         "同一企业同一年度的同一字段有多条取值不同的更正，均未采用，请核实后只保留一条"),
    Kind("appeal-bad-state", "error", "correction", "异议登记表的状态无法识别",
         "异议登记表的状态无法识别（应为受理、核实中、采纳或不采纳），该条异议未作任何更改"),
    Kind("appeal-no-id", "error", "correction", "异议登记表缺少异议编号",
         "异议登记表的这一行没有异议编号，未作任何更改：请补填编号"),
    Kind("appeal-duplicate-id", "error", "correction", "异议编号重复",
         "异议登记表中有多行使用同一异议编号，均未作任何更改：请核实后每条异议只保留一行"),
    # what the rules need
    Kind("missing-column", "error", "rules", "评价规则所需的列缺失",
         "评价规则的指标需要“{label}”（{key}），但所有文件都没有这一列{hint}",
         {"condition": ("warning", "评价规则的条件用到“{label}”（{key}），但所有文件都没有这一列，"
                                   "按缺失处理{hint}")}),
    Kind("blank-scored-zero", "warning", "rules", "留空的数据按规则计0分",
         "类别“{klass}”的指标“{indicator}”按规则 missing = \"zero\" 处理：{names}留空的企业，"
         "该项计0分；而数据采集表要求“数据不详的请留空，不要填0”。如留空不应计0分，请在规则文件中"
         "改用 mean_score、penalty 或 exclude"),
    Kind("unknown-park", "warning", "rules", "园区名称不在规则的园区名单中",
         "所属园区“{park}”不在规则文件 [parks] 的 names 和 aliases 之中{hint}：请改正，或在规则"
         "文件 [parks] aliases 中加入 {alias}"),
    Kind("park-spellings", "warning", "rules", "同一园区有多种写法",
         "所属园区的写法{spellings}很可能是同一园区，现按不同园区统计：请统一写法，或在规则文件中"
         "列出园区 [parks] names = [{name}]，aliases = {{ {aliases} }}"),
    Kind("shares-by-unmatched", "warning", "rules", "shares_by 的分组没有企业",
         "类别“{klass}”的 [class.tiers] shares_by 中的“{group}”不是本类企业的任何一个{by}"
         "（本类有：{groups}），其比例未使用{hint}"),
    # checks of a class's data
    Kind("non-positive-land", "error", "check", "用地面积缺失或不大于0",
         "“{label}”缺失或不大于0，无法计算亩均指标"),
    Kind("non-positive", "error", "check", "应为正数的值缺失或不大于0",
         "“{label}”缺失或不大于0，无法计算亩均指标"),
    Kind("negative-value", "error", "check", "值为负数", "“{label}”为负数"),
    Kind("zero-denominator", "warning", "check", "指标分母为0",
         "“{names}”为0，“{indicator}”无法计算"),
    Kind("implausible-value", "warning", "check", "数值超出合理范围",
         "“{indicator}”超过{limit}{unit}，明显超出合理范围，请核实",
         {"field": ("error", "“{label}”超过{limit}{unit}，不可能是一家企业的数值，未评价：请核实"
                             + _CONFIRM),
          "outlier": ("error", "“{label}”超过本类企业中位数的{times}倍，明显有误，未评价，"
                               "也不计入基准值：请核实" + _CONFIRM),
          CONFIRMED: ("info", "“{label}”超出合理范围，已按异议复核确认，照常评价")}),
    Kind("missing-indicator", "warning", "score", "指标无法计算",
         "“{indicator}”无法计算（缺少或无效数据），{policy}"),
    Kind("benchmark-unusable", "warning", "score", "基准值无法计算",
         "指标“{indicator}”的基准值无法计算（无有效数据或合计不为正），该项得分按0计"),
    Kind("benchmark-group-fallback", "warning", "score", "分组无可用基准，按全体企业的基准计分",
         "类别“{klass}”的指标“{indicator}”：“{group}”组没有可用的{year}基准，"
         "按全体企业的{year}基准计分"),
    Kind("benchmark-overflow", "error", "score", "基准值超出数值范围",
         "{indicators}的基准值无法计算（本类数据的合计超出可计算的数值范围），本类企业均未评价："
         "请核实本类数值极大的数据"),
    Kind("class-too-small", "warning", "score", "类别过小未分档",
         "“{klass}”{group}参评企业仅{firms}家，少于 min_class_size = {minimum}，"
         "不按比例分档（档次留空）"),
    Kind("non-finite-score", "error", "score", "得分超出数值范围",
         "综合得分超出可计算的数值范围，未评价：请核实该企业的数据"),
    Kind("adjust-out-of-range", "error", "score", "加减分或修正系数超出允许范围",
         "加减分项“{label}”的计算结果缺失或超出允许范围（{bounds}），未评价：请核实其所用数据",
         {"multiplier": ("error", "修正系数“{label}”的计算结果缺失或超出允许范围（{bounds}），"
                                  "未评价：请核实其所用数据")}),
    Kind("imputed-value", "info", "score", "缺失值已插补",
         "“{indicator}”缺失，按规则插补（{how}），插补的值见“值”栏"),
    Kind("aggregate-not-positive", "error", "score", "得分不能几何（调和）平均",
         "“{node}”按几何（调和）平均汇总，而该单位有得分为 0 或负数的下级项（{why}），未评价："
         "请核实其数据，或在规则中为标准化方法给出大于 0 的下限（如 minmax 的 floor）"),
    Kind("no-scored-data", "error", "score", "无可汇总的得分",
         "“{klass}”的各项指标均无数据（插补也不成），无法汇总得分，未评价：请补充数据"),
    Kind("winsorised-value", "info", "score", "离群值已缩尾",
         "“{indicator}”的值在本类中离群（偏度与峰度超限），计分时按缩尾后的值计"
         "（见内部工作簿的“数据处理”表）"),
    Kind("indicator-no-spread", "warning", "score", "指标在本类中无差异",
         "“{indicator}”在本类各单位的值都相同，按最小–最大值标准化无从计算（COINr 亦记为缺失），"
         "该项不计入上级汇总，其权重由同级各项分担"),
    Kind("unit-member-rejected", "error", "check", "关联企业成员数据有误",
         "同一评价单元（{unit}）的成员企业“{member}”数据有误（{why}），该单元未评价"),
    Kind("parcel-without-owner", "warning", "check", "宗地无权属企业",
         "宗地“{parcel}”上没有自有用地大于0的企业，承租企业按本身评价结果定档"),
    Kind("parcel-owner-not-evaluated", "warning", "check", "宗地权属企业未参评",
         "宗地“{parcel}”的权属企业“{owner}”未获评价等级，承租企业按本身评价结果定档",
         {"tier": ("warning", "宗地“{parcel}”的权属企业“{owner}”的评价类别不是承租企业所属类别的"
                              "档次，承租企业按本身评价结果定档")}),
    # policies (结果应用)
    Kind("policy-missing-value", "warning", "policy", "适用政策的企业缺少计费数据",
         "政策“{policy}”适用于该企业，但“{label}”缺失，金额无法计算（留空，未按0计）：请补充数据"),
)  # fmt: skip
CATALOG: dict[str, Kind] = {k.code: k for k in _KINDS}


@dataclass(frozen=True)
class Issue:
    """One data problem, located as precisely as the input allows."""

    code: str
    message: str
    severity: str = "warning"
    file: str = ""
    sheet: str = ""
    row: int | None = None
    credit_code: str = ""
    field: str = ""
    value: str = ""


def issue(
    code: str,
    *,
    variant: str | None = None,
    file: str = "",
    sheet: str = "",
    row: int | None = None,
    credit_code: str = "",
    field: str = "",
    value: str = "",
    **fill: Any,
) -> Issue:
    """An issue record of a catalog code, its message filled in from the template."""
    severity, message = CATALOG[code].text(variant, **fill)
    return Issue(code, message, severity, file, sheet, row, credit_code, field, value)


_QUIET: ContextVar[bool] = ContextVar("quiet_issues", default=False)


@contextmanager
def quiet_issues() -> Iterator[None]:
    """Within it no issue rows are written (each table of them is empty): a re-evaluation of
    what-if reads back only statuses and tiers, and writing the rows is most of its time."""
    token = _QUIET.set(True)
    try:
        yield
    finally:
        _QUIET.reset(token)


def quiet() -> bool:
    """Whether issue rows are being left out (`quiet_issues`)."""
    return _QUIET.get()


def empty_issues() -> pd.DataFrame:
    """An issue table with no rows."""
    return _EMPTY.copy()


def issue_table(records: Iterable[Issue]) -> pd.DataFrame:
    """Issue records as a table (none: a copy of the empty table, which is cheap; most calls of
    a run have no issue to report)."""
    if _QUIET.get():
        return _EMPTY
    rows = [
        [i.code, i.message, i.file, i.sheet, i.row, i.credit_code, i.field, i.value, i.severity]
        for i in records
    ]
    if not rows:
        return empty_issues()
    return _typed(pd.DataFrame(rows, columns=ISSUE_COLUMNS))


def issue_rows(
    code: str,
    mask: np.ndarray,
    *,
    origin: pd.DataFrame,
    credit_code: pd.Series | np.ndarray,
    field: str = "",
    values: pd.Series | np.ndarray | None = None,
    variant: str | None = None,
    **fill: Any,
) -> pd.DataFrame:
    """Vectorised: one issue of `code` per row where `mask` holds, located by `origin` (file,
    sheet and spreadsheet row of each row)."""
    pos = np.flatnonzero(mask)
    if _QUIET.get():
        return _EMPTY
    if not len(pos):
        return empty_issues()
    severity, message = CATALOG[code].text(variant, **fill)
    shown: Any = "" if values is None else pd.Series(_take(values, pos)).astype(str).to_numpy()
    frame = pd.DataFrame(
        {
            "code": code,
            "message": message,
            "file": origin["file"].to_numpy()[pos],
            "sheet": origin["sheet"].to_numpy()[pos],
            "row": origin["row"].to_numpy()[pos],
            "credit_code": _take(credit_code, pos),
            "field": field,
            "value": shown,
            "severity": severity,
        },
        index=pd.RangeIndex(len(pos)),
    )
    return _typed(frame)


def _take(column: pd.Series | np.ndarray, pos: np.ndarray) -> np.ndarray:
    if isinstance(column, pd.Series):
        return column.iloc[pos].to_numpy(dtype=object)
    return np.asarray(column)[pos]


def concat_issues(frames: Iterable[pd.DataFrame]) -> pd.DataFrame:
    """Stack issue tables, keeping the column order and types."""
    parts = [f for f in frames if len(f)]
    if not parts:
        return empty_issues()
    if len(parts) == 1:
        return parts[0]
    return _typed(pd.concat(parts, ignore_index=True))


def aggregate(frame: pd.DataFrame, limit: int = REPEATS_LISTED) -> pd.DataFrame:
    """Warnings and notes that repeat more than `limit` times with one code and message in one
    sheet and field, as one issue with their count and first rows: a sheet of thousands of
    firms, or thousands of sheets, must not bury the errors under millions of lines. Errors stay
    one per row: each is a firm a clerk must put right."""
    if len(frame) <= limit:
        return frame
    keys = ["code", "severity", "message", "file", "sheet", "field"]
    size = frame.groupby(keys, sort=False)["code"].transform("size").to_numpy()
    many = (size > limit) & frame["severity"].ne("error").to_numpy()
    if not many.any():
        return frame
    grouped = frame[many].groupby(keys, sort=False)
    counts = grouped["code"].transform("size").astype(str)
    rows = grouped["row"].transform(_first_rows)
    summary = frame[many].assign(
        message=frame["message"][many] + "（本表同类问题共" + counts + "处）",
        value="共" + counts + "处：" + rows,
        credit_code="",
    )
    summary = summary[~summary.duplicated(keys)]
    return _typed(pd.concat([frame[~many], summary]).sort_index().reset_index(drop=True))


def _first_rows(rows: pd.Series) -> str:
    """'第3、4、9…行' of a group of issues (the first ten rows)."""
    shown = rows.dropna().astype(int).astype(str).tolist()[:10]  # ten values per group
    more = "等" if rows.notna().sum() > 10 else ""
    return f"第{'、'.join(shown)}行{more}" if shown else ""


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    frame["row"] = frame["row"].astype("Int64")
    for col in ("code", "message", "file", "sheet", "credit_code", "field", "value", "severity"):
        frame[col] = frame[col].fillna("").astype(str)
    return frame


_EMPTY = _typed(pd.DataFrame([], columns=ISSUE_COLUMNS))


def catalog_table() -> str:
    """The catalog as a Markdown table (code, severity, category, title), as in the README."""
    lines = ["| 代码 | 级别 | 类别 | 问题 |", "|---|---|---|---|"]
    for k in _KINDS:
        severity = SEVERITY_LABELS[k.severity]
        shifted = sorted({SEVERITY_LABELS[s] for s, _ in k.variants.values()} - {severity})
        shown = severity + (f"（或{'、'.join(shifted)}）" if shifted else "")
        lines.append(f"| `{k.code}` | {shown} | {CATEGORIES[k.category]} | {k.title} |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(catalog_table())
