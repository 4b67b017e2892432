"""Work split across processes, with results in the order of the work.

The stages that cost most (parsing, validating and converting announcements;
rendering and writing pages) are pure functions of one item each, so their items
can be handed to worker processes in any grouping: each result depends only on its
own item, and results come back in the items' order. That is why a build on any
number of processes writes byte-identical files to a build in one.

Workers are forked, so they start with everything the parent has already computed
(the standards, the catalog, the page specs) without copying it through a pipe; only
the items' indexes go out and small results come back. Where fork is unavailable
(not Linux or macOS) the work runs in the calling process.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections.abc import Callable, Iterator, Sequence
from typing import TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")

# Fewer items than this are not worth a process: forking and collecting costs more.
MIN_ITEMS_PER_PROCESS = 64
# Items per task: small enough that both processes stay busy to the end, large enough
# that handing out tasks costs little.
CHUNK = 48


def available_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def run_in_order(
    work: Callable[[Sequence[Item]], list[Result]], items: Sequence[Item], jobs: int, progress: Callable[[int], None] | None = None
) -> Iterator[Result]:
    """``work`` over ``items`` in chunks, yielding each item's result in ``items``' order.

    ``work`` must be a module-level function (a forked worker finds it by name), and
    ``progress`` hears how many items are done so far.
    """
    chunks = [items[start : start + CHUNK] for start in range(0, len(items), CHUNK)]
    processes = min(jobs, len(items) // MIN_ITEMS_PER_PROCESS)
    if processes < 2 or "fork" not in multiprocessing.get_all_start_methods():
        done = 0
        for chunk in chunks:
            yield from work(chunk)
            done += len(chunk)
            if progress:
                progress(done)
        return
    with multiprocessing.get_context("fork").Pool(processes, initializer=_as_worker) as pool:
        done = 0
        for chunk, results in zip(chunks, pool.imap(work, chunks)):
            yield from results
            done += len(chunk)
            if progress:
                progress(done)


def _as_worker() -> None:
    """A worker leaves Ctrl-C to the parent (which stops the pool) and ends quietly when
    the pool ends it, whatever handlers it inherited (``serve`` installs its own)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
