"""Chunks of samples computed here, over processes (joblib) or on a Dask cluster.

Each task is a function and its arguments; the first argument (the model, or the Evaluation
on the exact path) is the same object for every chunk: on a cluster it is sent to the workers
once (`scatter`), not with every chunk. `progress(done, total)` is called as chunks finish,
with the samples done so far.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Task = tuple[Callable[..., Any], tuple[Any, ...]]
Progress = Callable[[int, int], None]


CONNECT_SECONDS = 10  # how long a scheduler may take to answer before it counts as unreachable


def run_chunks(
    tasks: list[Task],
    sizes: list[int],
    each: Callable[[int, Any], None],
    *,
    jobs: int | None = None,
    scheduler: Any = None,
    progress: Progress | None = None,
) -> None:
    """Each task's result given to `each(task index, result)` as it finishes, then dropped
    (`sizes`: the samples of each task, for `progress`)."""
    total = sum(sizes)
    tick = progress if progress is not None else (lambda done, total: None)
    tick(0, total)
    if scheduler is not None:
        _on_cluster(tasks, sizes, each, scheduler, tick)
        return
    done = 0
    if jobs is not None and jobs != 1 and len(tasks) > 1:
        from joblib import Parallel, delayed

        parallel = Parallel(n_jobs=jobs, return_as="generator")
        results = parallel(delayed(f)(*a) for f, a in tasks)
        for i, (size, result) in enumerate(zip(sizes, results, strict=True)):
            each(i, result)
            done += size
            tick(done, total)
        return
    for i, (size, (fn, args)) in enumerate(zip(sizes, tasks, strict=True)):
        each(i, fn(*args))
        done += size
        tick(done, total)


def _on_cluster(
    tasks: list[Task],
    sizes: list[int],
    each: Callable[[int, Any], None],
    scheduler: Any,
    tick: Progress,
) -> None:
    from distributed import Client, as_completed

    client = (
        scheduler
        if isinstance(scheduler, Client)
        else Client(str(scheduler), timeout=CONNECT_SECONDS)
    )
    try:
        shared: dict[int, Any] = {}
        for _, args in tasks:  # the object every chunk shares: sent once
            if args and id(args[0]) not in shared:
                shared[id(args[0])] = client.scatter(args[0], broadcast=True)
        futures = [
            client.submit(fn, shared[id(args[0])], *args[1:], pure=False) for fn, args in tasks
        ]
        index = {f.key: i for i, f in enumerate(futures)}
        done, total = 0, sum(sizes)
        for future in as_completed(futures):
            i = index[future.key]
            each(i, future.result())
            future.release()
            done += sizes[i]
            tick(done, total)
    finally:
        if client is not scheduler:
            client.close()
