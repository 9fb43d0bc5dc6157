"""Independent work on the columns of one table, side by side.

numpy and pyarrow let go of Python's lock while they compute on large arrays, so a few threads
check a few columns at once; a small table is worked through in order, as is any table on a
machine of one core. The results do not depend on which thread ran what.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextvars import copy_context
from typing import TypeVar

T = TypeVar("T")
PARALLEL_ROWS = 200_000  # below this, threads cost more than they save
WORKERS = min(4, os.cpu_count() or 1)


def run_all(jobs: dict[str, Callable[[], T]], rows: int) -> dict[str, T]:
    """Each job's result, by name; the jobs run at once when the table is large."""
    if rows < PARALLEL_ROWS or len(jobs) < 2 or WORKERS < 2:
        return {name: job() for name, job in jobs.items()}
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        # each job in a copy of the caller's context: the fields a rules file declares are seen
        running = {name: pool.submit(copy_context().run, job) for name, job in jobs.items()}
        return {name: future.result() for name, future in running.items()}
