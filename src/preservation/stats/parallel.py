"""Run independent simulate-and-refit tasks in worker processes, results in task order.

Every task carries its own seeds (power, bootstrap), so the results do not
depend on how many workers ran them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any


def run_tasks(function: Callable[..., Any], tasks: Sequence[tuple[Any, ...]], workers: int = 1) -> list[Any]:
    """``[function(*task) for task in tasks]``, in ``workers`` processes when more than one."""
    if workers <= 1 or len(tasks) <= 1:
        return [function(*task) for task in tasks]
    with ProcessPoolExecutor(max_workers=min(workers, len(tasks))) as pool:
        return list(pool.map(function, *zip(*tasks)))


def chunk_bounds(total: int, chunks: int) -> list[tuple[int, int]]:
    """Split range(total) into at most ``chunks`` contiguous, non-empty (start, stop) pieces."""
    edges = [round(total * i / max(chunks, 1)) for i in range(max(chunks, 1) + 1)]
    return [(a, b) for a, b in zip(edges[:-1], edges[1:]) if b > a]
