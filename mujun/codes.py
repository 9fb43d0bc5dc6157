"""Identifier checks: 统一社会信用代码 (GB 32100-2015) and GB/T 4754-2017 industry codes.

Both are vectorised over whole columns: a province has a million firms.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

CREDIT_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # no I, O, S, V, Z
CREDIT_WEIGHTS = np.array(
    [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28], dtype=np.int64
)
_CREDIT_PATTERN = r"[0-9A-HJ-NP-RTUW-Y]{18}"

_VALUE = np.full(256, -1, dtype=np.int64)
for _i, _ch in enumerate(CREDIT_ALPHABET):
    _VALUE[ord(_ch)] = _i

# GB/T 4754-2017 sections (门类) by their 2-digit divisions (大类)
SECTIONS: tuple[tuple[str, int, int], ...] = (
    ("A", 1, 5),
    ("B", 6, 12),
    ("C", 13, 43),
    ("D", 44, 46),
    ("E", 47, 50),
    ("F", 51, 52),
    ("G", 53, 60),
    ("H", 61, 62),
    ("I", 63, 65),
    ("J", 66, 69),
    ("K", 70, 70),
    ("L", 71, 72),
    ("M", 73, 75),
    ("N", 76, 79),
    ("O", 80, 82),
    ("P", 83, 83),
    ("Q", 84, 85),
    ("R", 86, 90),
    ("S", 91, 96),
    ("T", 97, 97),
)


def credit_check_char(first17: str) -> str:
    """The check character for the first 17 characters of a credit code."""
    if len(first17) != 17:
        raise ValueError(f"need the first 17 characters, got {len(first17)}")
    pairs = zip(first17, CREDIT_WEIGHTS, strict=True)
    total = sum(CREDIT_ALPHABET.index(c) * int(w) for c, w in pairs)
    return CREDIT_ALPHABET[(31 - total % 31) % 31]


def check_credit_codes(codes: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Classify credit codes: (well_formed, check_ok), both boolean arrays.

    well_formed: 18 characters of the GB 32100 alphabet (a wrong length or character is an error);
    check_ok: the 18th character matches the check digit (a mismatch is only a warning, since
    real registries hold a few such codes).
    """
    text = codes.astype("string")
    well_formed = text.str.fullmatch(_CREDIT_PATTERN).fillna(False).to_numpy(dtype=bool)
    check_ok = np.zeros(len(text), dtype=bool)
    idx = np.flatnonzero(well_formed)
    if len(idx):
        raw = text.to_numpy(dtype=object)[idx].astype("S18")
        chars = raw.view(np.uint8).reshape(-1, 18)
        values = _VALUE[chars]
        total = values[:, :17] @ CREDIT_WEIGHTS
        expected = (31 - total % 31) % 31
        check_ok[idx] = values[:, 17] == expected
    return well_formed, check_ok


def industry_division(codes: pd.Series) -> np.ndarray:
    """The 2-digit division (大类) of each GB/T 4754 code as float; NaN when not a valid code.

    Valid: 2 to 4 digits whose division is 01–97. Distinct codes are few, so each is parsed once.
    """
    positions, uniques = pd.factorize(codes, use_na_sentinel=True)
    heads = np.full(len(uniques) + 1, np.nan)  # last slot: missing codes
    for i, raw in enumerate(uniques):  # loops over distinct codes (hundreds), not firms
        code = str(raw).strip()
        if (
            len(code) in (2, 3, 4)
            and code.isascii()
            and code.isdigit()
            and 1 <= int(code[:2]) <= 97
        ):
            heads[i] = float(code[:2])
    return heads[np.where(positions >= 0, positions, len(uniques))]


def section_of(division: int) -> str:
    """The section letter (门类) of a division, e.g. 13 → 'C'."""
    for letter, lo, hi in SECTIONS:
        if lo <= division <= hi:
            return letter
    raise ValueError(f"no GB/T 4754-2017 division {division:02d}")


DIVISION_NAMES = {
    6: "煤炭开采和洗选业",
    7: "石油和天然气开采业",
    8: "黑色金属矿采选业",
    9: "有色金属矿采选业",
    10: "非金属矿采选业",
    11: "开采专业及辅助性活动",
    12: "其他采矿业",
    13: "农副食品加工业",
    14: "食品制造业",
    15: "酒、饮料和精制茶制造业",
    16: "烟草制品业",
    17: "纺织业",
    18: "纺织服装、服饰业",
    19: "皮革、毛皮、羽毛及其制品和制鞋业",
    20: "木材加工和木、竹、藤、棕、草制品业",
    21: "家具制造业",
    22: "造纸和纸制品业",
    23: "印刷和记录媒介复制业",
    24: "文教、工美、体育和娱乐用品制造业",
    25: "石油、煤炭及其他燃料加工业",
    26: "化学原料和化学制品制造业",
    27: "医药制造业",
    28: "化学纤维制造业",
    29: "橡胶和塑料制品业",
    30: "非金属矿物制品业",
    31: "黑色金属冶炼和压延加工业",
    32: "有色金属冶炼和压延加工业",
    33: "金属制品业",
    34: "通用设备制造业",
    35: "专用设备制造业",
    36: "汽车制造业",
    37: "铁路、船舶、航空航天和其他运输设备制造业",
    38: "电气机械和器材制造业",
    39: "计算机、通信和其他电子设备制造业",
    40: "仪器仪表制造业",
    41: "其他制造业",
    42: "废弃资源综合利用业",
    43: "金属制品、机械和设备修理业",
    44: "电力、热力生产和供应业",
    45: "燃气生产和供应业",
    46: "水的生产和供应业",
}
"""GB/T 4754-2017 names of the industrial divisions (大类 06–46), for summaries."""


def division_label(division: float) -> str:
    """'29 橡胶和塑料制品业' for an industrial division, '29' for another, '（未填）' for none."""
    if division != division:  # NaN: no valid code
        return "（行业代码缺失或无效）"
    d = int(division)
    name = DIVISION_NAMES.get(d)
    return f"{d:02d} {name}" if name else f"{d:02d}"
