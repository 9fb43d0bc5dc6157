"""A console that cannot show Chinese (cp437, ascii) must not crash mujun.

Python writes to such a stream strictly and raises on the first Chinese character. Before any
command runs, `plain_fallback` makes stdout and stderr write what their encoding cannot hold as
escapes (\\u4ea9) instead, and says so once, in ASCII, on stderr: the only text that console
can show. A UTF-8 console, and every Windows console window (Python writes to those in
UTF-16), is left as it is.
"""

from __future__ import annotations

import contextlib
import sys
from typing import TextIO

PROBE = "亩均效益评价：错误"
NOTICE = (
    "mujun: this console cannot show Chinese (encoding {encoding}); Chinese text is written "
    "as escapes such as \\u4ea9. Use a UTF-8 console: on Windows run `chcp 65001` first or "
    "`set PYTHONIOENCODING=utf-8`; elsewhere set LANG to a UTF-8 locale."
)


def can_show_chinese(stream: TextIO) -> bool:
    encoding = getattr(stream, "encoding", None) or "ascii"
    try:
        PROBE.encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return False
    return True


def plain_fallback() -> bool:
    """Escape what stdout and stderr cannot encode; True (and one ASCII notice) if either
    could not show Chinese."""
    narrow = []
    for stream in (sys.stdout, sys.stderr):
        if stream is None or can_show_chinese(stream):
            continue
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            try:
                reconfigure(errors="backslashreplace")
            except (ValueError, OSError):
                continue
        narrow.append(getattr(stream, "encoding", None) or "ascii")
    if narrow and sys.stderr is not None:
        with contextlib.suppress(UnicodeEncodeError, ValueError, OSError):
            print(NOTICE.format(encoding=narrow[0]), file=sys.stderr, flush=True)
    return bool(narrow)
