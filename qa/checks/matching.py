"""Sort-and-sweep matching on the master clock. Each helper sorts once and answers
each query with a binary search plus a short walk, never a scan of every pair."""

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import accumulate
from math import inf

from qa.checks.records import AnnotationRecord


class IntervalIndex:
    """Intervals sorted by start; finds the one closest to a query interval, where
    closeness is max(|Δstart|, |Δend|), the boundary error a person would fix."""

    def __init__(self, intervals: Sequence[AnnotationRecord]) -> None:
        self.items = sorted(intervals, key=lambda a: (a.start_ms, a.end_ms, a.id))
        self.starts = [a.start_ms for a in self.items]

    def best(self, start: float, end: float) -> tuple[AnnotationRecord | None, float]:
        """Walk outward from the insertion point; stop once |Δstart| alone reaches the
        best cost, since every interval further out starts even further away."""
        starts, items = self.starts, self.items
        hi = bisect_left(starts, start)
        lo = hi - 1
        best, best_cost = None, inf
        while lo >= 0 or hi < len(items):
            d_lo = start - starts[lo] if lo >= 0 else inf
            d_hi = starts[hi] - start if hi < len(items) else inf
            if d_lo <= d_hi:
                index, d_start, lo = lo, d_lo, lo - 1
            else:
                index, d_start, hi = hi, d_hi, hi + 1
            if d_start >= best_cost:
                break
            cost = max(d_start, abs(items[index].end_ms - end))
            if cost < best_cost:
                best, best_cost = items[index], cost
        return best, best_cost


def nearest(times: Sequence[float], t: float) -> int:
    """Index of the sorted time closest to t (the earlier one on a tie)."""
    i = bisect_left(times, t)
    if i == 0:
        return 0
    if i == len(times):
        return i - 1
    return i - 1 if t - times[i - 1] <= times[i] - t else i


def mutual_nearest(a: Sequence[float], b: Sequence[float]) -> list[tuple[int, int]]:
    """Pairs (i, j) where b[j] is a[i]'s nearest time and a[i] is b[j]'s. With
    sparse keyframes in one stream and dense frames in the other, only the frames that
    really correspond pair up, instead of every frame with a distant keyframe."""
    if not a or not b:
        return []
    pairs = []
    for i, t in enumerate(a):
        j = nearest(b, t)
        if nearest(a, b[j]) == i:
            pairs.append((i, j))
    return pairs


@dataclass(frozen=True, slots=True)
class Event:
    """A stretch of master time something is annotated in: a segment, or a track
    from its first to its last box (split where it has a gap)."""

    start: float
    end: float
    annotations: tuple[AnnotationRecord, ...]

    @property
    def first(self) -> AnnotationRecord:
        return self.annotations[0]


class Coverage:
    """Answers "does anything overlap [start, end]?" in O(log n): events sorted by
    start with a running maximum of their ends."""

    def __init__(self, events: Sequence[Event]) -> None:
        ordered = sorted(events, key=lambda e: e.start)
        self.starts = [e.start for e in ordered]
        self.max_end = list(accumulate((e.end for e in ordered), max))
        self.ends_sorted = sorted(e.end for e in ordered)

    def overlaps(self, start: float, end: float) -> bool:
        i = bisect_right(self.starts, end)
        return i > 0 and self.max_end[i - 1] >= start

    def distance(self, start: float, end: float) -> float:
        """Master-time distance to the closest event (0 when one overlaps)."""
        if not self.starts:
            return inf
        if self.overlaps(start, end):
            return 0.0
        after = bisect_right(self.starts, end)
        gap_after = self.starts[after] - end if after < len(self.starts) else inf
        before = bisect_right(self.ends_sorted, start)
        gap_before = start - self.ends_sorted[before - 1] if before > 0 else inf
        return min(gap_after, gap_before)
