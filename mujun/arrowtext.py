"""Text columns backed by pyarrow, looked at as bytes with numpy.

A table read typed (Parquet, mujun's own CSV) holds its text as pyarrow strings: one buffer of
UTF-8 bytes and the offsets where each value starts. The checks a million credit codes or firm
names need — which values hold a byte outside a set, the 18 bytes of each credit code — are
done here on those buffers in a few vectorised passes, instead of value by value.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pyarrow as pa


def arrow_strings(column: pd.Series) -> pa.Array | None:
    """The pyarrow string array behind a pandas text column (one chunk), or None when the
    column does not hold pyarrow strings (an object column of workbook cells, say)."""
    dtype = column.dtype
    if not (isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow"):
        return None
    data = pa.array(column.array)  # pandas keeps large_string: taken as it is, no copy
    return data.combine_chunks() if isinstance(data, pa.ChunkedArray) else data


def strings_of(column: pd.Series) -> pa.Array:
    """A column's values as a pyarrow string array, converting cells that are not text yet
    (numbers become their text as pandas writes it)."""
    data = arrow_strings(column)
    if data is None:
        data = arrow_strings(column.astype(pd.StringDtype("pyarrow")))
    assert data is not None
    return data


def as_series(data: pa.Array, index: pd.Index) -> pd.Series:
    """A pyarrow string array as a pandas text column (missing as NA)."""
    return pd.Series(pd.arrays.ArrowStringArray(pa.chunked_array([data])), index=index)


def _buffers(data: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """(offsets, bytes) of a string array, offsets relative to its own values."""
    _, offsets_buffer, data_buffer = data.buffers()
    width = np.int64 if pa.types.is_large_string(data.type) else np.int32
    offsets = np.frombuffer(offsets_buffer, dtype=width)[data.offset : data.offset + len(data) + 1]
    raw = (
        np.frombuffer(data_buffer, dtype=np.uint8)
        if data_buffer is not None
        else np.zeros(0, dtype=np.uint8)
    )
    return offsets.astype(np.int64), raw


def byte_lengths(data: pa.Array) -> np.ndarray:
    """The length in bytes of each value (-1: missing)."""
    offsets, _ = _buffers(data)
    out = np.diff(offsets)
    if data.null_count:
        out[np.asarray(data.is_null())] = -1
    return out


def rows_with(data: pa.Array, bad: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    """The values that hold at least one byte for which `bad` (bytes → booleans) holds."""
    offsets, raw = _buffers(data)
    out = np.zeros(len(data), dtype=bool)
    if offsets[-1] == offsets[0]:
        return out
    hit = bad(raw[offsets[0] : offsets[-1]])
    if not hit.any():  # the usual case, found in one pass
        return out
    filled = np.flatnonzero(offsets[1:] > offsets[:-1])  # an empty value holds no byte
    out[filled] = np.logical_or.reduceat(hit, offsets[filled] - offsets[0])
    if data.null_count:
        out &= np.asarray(data.is_valid())
    return out


def fixed_width(data: pa.Array, rows: np.ndarray, width: int) -> np.ndarray:
    """The bytes of the values at `rows` (each `width` bytes long) as a (len(rows), width)
    array: a view of the buffer when they lie side by side, else a copy of just those."""
    offsets, raw = _buffers(data)
    start = offsets[rows]
    if len(rows) and (start == start[0] + width * np.arange(len(rows))).all():
        return raw[start[0] : start[0] + width * len(rows)].reshape(-1, width)
    if not len(rows):
        return np.zeros((0, width), dtype=np.uint8)
    taken = data.take(pa.array(rows))
    offsets, raw = _buffers(taken)
    return raw[offsets[0] : offsets[0] + width * len(rows)].reshape(-1, width)


def nfkc_suspect(raw: np.ndarray) -> np.ndarray:
    """Bytes that begin a UTF-8 character NFKC may change: all but ASCII and the lead bytes
    E4–E9 of U+4000–U+9FFF (CJK ideographs, which have no compatibility decomposition)."""
    return (raw >= 0xC0) & ((raw < 0xE4) | (raw > 0xE9))
