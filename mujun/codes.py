"""Identifier checks: 统一社会信用代码 (GB 32100-2015) and GB/T 4754-2017 industry codes.

Both are vectorised over whole columns: a province has a million firms.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .arrowtext import arrow_strings, byte_lengths, fixed_width, strings_of

CREDIT_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # no I, O, S, V, Z
CREDIT_WEIGHTS = np.array(
    [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28], dtype=np.int64
)

_SCIENTIFIC = r"^\d(?:\.\d+)?[eE]\+?\d+$"  # how Excel shows a long number: 9.13403E+17
_VALUE = np.full(256, -1, dtype=np.int8)  # byte → its value in the alphabet (-1: not in it)
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


@dataclass(frozen=True)
class CreditCodes:
    """What one look at a column of (normalised) credit codes finds, kept for whoever needs it
    next (key states, grouping copies of one firm): `rows` are the rows whose code is 18 bytes
    long and `chars` those bytes, one row of 18 each; well_formed: 18 characters of the GB
    32100 alphabet (a wrong length or character is an error); check_ok: the 18th character is
    the check character (a mismatch is only a warning: real registries hold a few); as_number:
    what Excel writes of a code it took for a number (9.13403E+17), which identifies no firm."""

    rows: np.ndarray
    chars: np.ndarray
    well_formed: np.ndarray
    check_ok: np.ndarray
    as_number: np.ndarray


def read_credit_codes(codes: pd.Series) -> CreditCodes:
    """Look at every credit code once (see CreditCodes), on the column's bytes.

    The 18 bytes of a code are read as nine pairs; for each pair position a table of all 65536
    pairs gives the pair's share of the weighted sum (GB 32100: Σ value × weight, the check
    character making it 0 mod 31), or −1 when a byte is not of the alphabet — nine look-ups a
    code. Excel's notation for a long number (9.13403E+17) is looked for among the codes that
    are not 18 characters of the alphabet: Excel never writes 18 such characters.
    """
    n = len(codes)
    data = strings_of(codes)
    rows = np.flatnonzero(byte_lengths(data) == 18)
    chars = fixed_width(data, rows, 18)
    pairs = np.ascontiguousarray(chars).view("<u2")  # (codes, 9): two characters each
    weighted, last = _pair_tables()
    parts = [np.take(table, pairs[:, i]) for i, table in enumerate(weighted)]
    good = np.minimum.reduce(parts) >= 0
    total = np.zeros(len(rows), dtype=np.int32)
    for part in parts:
        total += part
    check = np.take(last, pairs[:, 8])
    well_formed = np.zeros(n, dtype=bool)
    well_formed[rows[good]] = True
    check_ok = np.zeros(n, dtype=bool)
    check_ok[rows] = good & (check == (31 - total % 31) % 31)
    maybe = np.flatnonzero(~well_formed & data.is_valid().to_numpy(zero_copy_only=False))
    as_number = np.zeros(n, dtype=bool)
    if len(maybe):
        hit = pc.match_substring_regex(data.take(pa.array(maybe)), _SCIENTIFIC)
        as_number[maybe] = hit.to_numpy(zero_copy_only=False)
    return CreditCodes(rows, chars, well_formed, check_ok, as_number)


@cache
def _pair_tables() -> tuple[list[np.ndarray], np.ndarray]:
    """For each of the nine pair positions, pair (two bytes, little-endian) → its weighted
    share (−1: not two characters of the alphabet); and the last pair → the check character's
    value (the 18th character)."""
    pair = np.arange(65536)
    first, second = _VALUE[pair & 0xFF].astype(np.int32), _VALUE[pair >> 8].astype(np.int32)
    both = (first >= 0) & (second >= 0)
    weights = [*CREDIT_WEIGHTS.tolist(), 0]  # the 18th character carries no weight
    tables = [
        np.where(both, weights[2 * i] * first + weights[2 * i + 1] * second, -1).astype(np.int16)
        for i in range(9)
    ]
    return tables, np.where(both, second, -1).astype(np.int16)


def check_credit_codes(codes: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(well_formed, check_ok) of each credit code (see CreditCodes)."""
    found = read_credit_codes(codes)
    return found.well_formed, found.check_ok


def industry_division(codes: pd.Series) -> np.ndarray:
    """The 2-digit division (大类) of each GB/T 4754 code as float; NaN when not a valid code.

    Valid: 2 to 4 digits whose division is 01–97. Distinct codes are few, so each is parsed once
    (pyarrow text is told apart by pyarrow's hashing, twice as fast as pandas' on it).
    """
    data = arrow_strings(codes)
    if data is not None:
        encoded = pc.dictionary_encode(data)
        uniques = encoded.dictionary.to_pylist()
        positions = pc.fill_null(encoded.indices, -1).to_numpy()
    else:
        positions, uniques = pd.factorize(codes, use_na_sentinel=True)
    heads = np.full(len(uniques) + 1, np.nan)  # the last, at position -1: missing codes
    for i, raw in enumerate(uniques):  # loops over distinct codes (hundreds), not firms
        code = str(raw).strip()
        if (
            len(code) in (2, 3, 4)
            and code.isascii()
            and code.isdigit()
            and 1 <= int(code[:2]) <= 97
        ):
            heads[i] = float(code[:2])
    return heads[positions]


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
