"""A typed file too large to read is refused in Chinese, before it is read."""

from __future__ import annotations

from pathlib import Path

import pytest

from mujun.errors import DataError
from mujun.read import typed


def test_a_typed_file_over_the_limit_is_refused_in_chinese(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "税务.parquet"
    path.write_bytes(b"x" * 2048)
    monkeypatch.setattr(typed, "MAX_TYPED_BYTES", 1024)
    with pytest.raises(DataError) as info:
        typed._bytes(path)
    assert str(info.value) == f"{path}：文件有 0.0 GB，超过可读取的上限"
