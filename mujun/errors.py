"""The one exception family of mujun (DESIGN §9).

Rules problems stop a run (`RulesError`); data that cannot be read at all is a `DataError`;
results that cannot be written an `ExportError`. Problems with single rows or cells are not
exceptions but issues (see `issues.py`), so that good rows are still evaluated.
"""

from __future__ import annotations


class MujunError(Exception):
    """Base of every error mujun raises on purpose."""


class RulesError(MujunError):
    """A rules file that cannot be used: names the file, the line, the key path and the problem.
    Without a file (an option of the command line) the message is the problem alone."""

    def __init__(
        self, message: str, *, file: str | None = None, line: int | None = None, key: str = ""
    ) -> None:
        self.file = file
        self.line = line
        self.key = key
        self.detail = message
        super().__init__(": ".join(part for part in (_where(file, line), key, message) if part))


def _where(file: str | None, line: int | None) -> str:
    """`file:line`, `file`, `第 N 行` or nothing: an error with no file (a command-line option the
    engine refuses, a year the command line did not give) has no location to print."""
    if file is None:
        return f"第 {line} 行" if line is not None else ""
    return f"{file}:{line}" if line is not None else file


class ExpressionError(MujunError, ValueError):
    """An expression that is not allowed or cannot be evaluated (a ValueError too, so that the
    rules models report it with its key and line)."""


class DataError(MujunError):
    """Input data that cannot be read at all (missing file, no key column, unreadable format)."""


class ExportError(MujunError):
    """Results that cannot be written."""


class ArchiveError(MujunError):
    """An archive that cannot be opened, read or written (a bad URL, an unreachable server)."""


class RunFolderError(ArchiveError):
    """A folder given as a run folder that is none (no manifest.json, a broken or foreign one,
    no results): an argument that cannot be used (exit 2), not an archive that failed (exit 1)."""
