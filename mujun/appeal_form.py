"""The appeals register's form (异议复核登记表): its columns, each with the headers it is read
from (the first is the one the blank register prints), and the states an appeal can be in.
Shared by the reader (read/appeals.py) and the blank register (export/appeals_template.py)."""

from __future__ import annotations

COLUMNS = {
    "appeal_id": ("异议编号", "申诉编号", "复核编号", "编号", "appeal_id"),
    "credit_code": ("统一社会信用代码", "社会信用代码", "信用代码", "credit_code"),
    "year": ("年度", "年份", "year"),
    "name": ("企业名称", "名称", "单位名称", "name"),
    "field": ("字段", "异议字段", "异议事项", "指标", "项目", "field"),
    "claimed_value": ("申报值", "企业申报值", "主张值", "申诉值", "claimed_value"),
    "evidence": ("证明材料", "佐证材料", "证明文件", "evidence"),
    "channel": ("渠道", "受理渠道", "提出渠道", "channel"),
    "received": ("受理日期", "收到日期", "提出日期", "received"),
    "state": ("状态", "处理状态", "办理状态", "state"),
    "decided_by": ("决定人", "审批人", "批准人", "审核人", "decided_by"),
    "decided_on": ("决定日期", "审批日期", "办结日期", "decided_on"),
    "note": ("说明", "备注", "决定理由", "note"),
}
HEADERS = [names[0] for names in COLUMNS.values()]
ACCEPTED = "采纳"
STATES = ("受理", "核实中", ACCEPTED, "不采纳")
