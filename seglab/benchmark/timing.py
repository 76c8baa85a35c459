"""Interleaved timing: every round runs each case once, so machine load hits all alike."""
import statistics
import time
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Sequence


@dataclass
class Case:
    """One thing to time: ``step()`` does one iteration of ``images`` images."""
    name: str
    step: Callable[[], None]
    images: int
    sync: Callable[[], None] = lambda: None
    times: List[float] = field(default_factory=list)


def interleave(cases: Sequence[Case],
               iters: int,
               warmup: int = 1,
               order: Optional[List[str]] = None,
               between: Optional[Callable[[int], None]] = None) -> Dict[str, List[float]]:
    """Run ``warmup`` untimed then ``iters`` timed rounds of A B C A B C ...

    Every round runs each case once, in the given order, so that a slow spell of the machine
    falls on all cases alike. ``order`` (if given) receives the case names in the order they
    ran (tests check the interleaving); ``between(round)`` runs before each timed round
    (untimed; e.g. a matmul-peak sample).

    Returns:
        dict: case name -> list of ``iters`` seconds per iteration.
    """
    if iters < 1:
        raise ValueError(f'interleave: iters must be >= 1, got {iters}')
    names = [c.name for c in cases]
    if len(set(names)) != len(names):
        raise ValueError(f'interleave: case names must be unique, got {names}')
    for _ in range(max(0, warmup)):
        for case in cases:
            case.step()
            case.sync()
            if order is not None:
                order.append(case.name)
    for r in range(iters):
        if between is not None:
            between(r)
        for case in cases:
            case.sync()
            t0 = time.perf_counter()
            case.step()
            case.sync()
            case.times.append(time.perf_counter() - t0)
            if order is not None:
                order.append(case.name)
    return {c.name: list(c.times) for c in cases}


def summarize_times(times: Sequence[float]) -> dict:
    """Median, min, max and the interquartile spread of per-iteration times."""
    ts = sorted(times)
    q = statistics.quantiles(ts, n=4) if len(ts) >= 2 else [ts[0], ts[0], ts[0]]
    return dict(median=statistics.median(ts), min=ts[0], max=ts[-1], q1=q[0], q3=q[2])
