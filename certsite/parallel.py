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
    work: Callable[[Sequence[Item]], list[Result]],
    items: Sequence[Item],
    jobs: int,
    progress: Callable[[int], None] | None = None,
    meanwhile: Iterator[object] | None = None,
) -> Iterator[Result]:
    """``work`` over ``items`` in chunks, yielding each item's result in ``items``' order.

    ``work`` must be a module-level function (a forked worker finds it by name), and
    ``progress`` hears how many items are done so far. ``meanwhile`` is other work for
    the calling process, which otherwise only waits for the workers: one step of it
    (``next``) is taken as each chunk's results come back, and whatever is left once the
    last has. It runs in the calling process alone, so it gives the same results
    however many workers there are.
    """
    chunks = [items[start : start + CHUNK] for start in range(0, len(items), CHUNK)]
    processes = min(jobs, len(items) // MIN_ITEMS_PER_PROCESS)
    if processes < 2 or "fork" not in multiprocessing.get_all_start_methods():
        yield from _collect(chunks, map(work, chunks), progress, meanwhile)
        return
    with multiprocessing.get_context("fork").Pool(processes, initializer=_as_worker) as pool:
        yield from _collect(chunks, pool.imap(work, chunks), progress, meanwhile)


def _collect(
    chunks: list[Sequence[Item]], results: Iterator[list[Result]], progress: Callable[[int], None] | None, meanwhile: Iterator[object] | None
) -> Iterator[Result]:
    done = 0
    for chunk, chunk_results in zip(chunks, results):
        yield from chunk_results
        done += len(chunk)
        if progress:
            progress(done)
        if meanwhile is not None:
            next(meanwhile, None)
    if meanwhile is not None:
        for _ in meanwhile:
            pass


def _as_worker() -> None:
    """A worker leaves Ctrl-C to the parent (which stops the pool) and ends quietly when
    the pool ends it, whatever handlers it inherited (``serve`` installs its own)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
