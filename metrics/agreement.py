"""Inter-annotator agreement over plain data: no ORM, no Django.

Reliability data is a matrix of coders x units (NumPy, `nan` where a coder did not
code a unit), values already coded as numbers: nominal labels as arbitrary integer
codes, ordinal values as their rank in the attribute's declared order, interval and
ratio values as themselves. `reliability_matrix` builds one from (unit, coder, value)
records.

Measures:
- Krippendorff's alpha (the `krippendorff` package) for the four levels.
- Percent agreement: the share of agreeing pairs of values within a unit, averaged
  over units with at least two values (Gwet's p_a).
- Gwet's AC1 (nominal) and AC2 (ordinal/interval/ratio weights), the multi-rater form
  with missing values (Gwet 2014, ch. 4). Alpha collapses when one label dominates;
  AC1 does not, which is why both are reported.
- Time slices: segments become one nominal value per 100 ms slice of the master clock.
- Boxes: mean pairwise IoU of same-entity boxes.
- Leave-one-out alpha per coder: who pulls agreement down.

Every measure answers None when it is undefined (fewer than two pairable values, or a
single value in the whole domain), never 0: no data is not disagreement.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import krippendorff
import numpy as np

Level = Literal["nominal", "ordinal", "interval", "ratio"]
LEVELS: tuple[Level, ...] = ("nominal", "ordinal", "interval", "ratio")
NONE_LABEL = "none"
SLICE_MS = 100.0
# Above this many units x values² the package's dense array gets too big; see
# `_alpha_by_coincidences`.
PACKAGE_CELLS_MAX = 4_000_000


@dataclass(frozen=True, slots=True)
class Reliability:
    """Coders x units matrix with the keys that name its rows and columns."""

    matrix: np.ndarray
    coders: list[Hashable]
    units: list[Hashable]
    codes: dict[Hashable, float]  # value -> code, for nominal data (empty otherwise)


def reliability_matrix(
    records: Iterable[tuple[Hashable, Hashable, object]],
    *,
    level: Level = "nominal",
    order: Sequence[object] | None = None,
) -> Reliability:
    """Build the coders x units matrix from (unit, coder, value) records. Nominal values
    get integer codes in order of first appearance; ordinal values their index in
    `order` (values outside it are dropped, as no rank can be given to them); interval
    and ratio values are read as floats (non-numbers dropped). A coder coding a unit
    twice keeps the last value."""
    rows = [r for r in records if r[2] is not None]
    if not rows:
        return Reliability(np.full((0, 0), np.nan), [], [], {})
    units, coders, values = zip(*rows, strict=True)
    codes: dict[Hashable, float] = {}
    if level == "nominal":
        codes = {v: float(i) for i, v in enumerate(dict.fromkeys(values))}
        coded = [codes[v] for v in values]
    elif level == "ordinal" and order is not None:
        ranks = {value: float(i) for i, value in enumerate(order)}
        coded = [ranks.get(v) if isinstance(v, Hashable) else None for v in values]
    else:
        coded = [_as_float(v) for v in values]
    keep = [i for i, code in enumerate(coded) if code is not None]
    if len(keep) < len(coded):
        units = [units[i] for i in keep]
        coders = [coders[i] for i in keep]
        coded = [coded[i] for i in keep]
    unit_index = {u: i for i, u in enumerate(dict.fromkeys(units))}
    coder_index = {c: i for i, c in enumerate(dict.fromkeys(coders))}
    matrix = np.full((len(coder_index), len(unit_index)), np.nan)
    if coded:
        matrix[[coder_index[c] for c in coders], [unit_index[u] for u in units]] = coded
    return Reliability(matrix, list(coder_index), list(unit_index), codes)


def _as_float(value: object) -> float | None:
    if isinstance(value, bool):
        return float(value)
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _pairable(matrix: np.ndarray) -> np.ndarray:
    """Columns with at least two values: the only ones agreement can be measured on."""
    if matrix.size == 0:
        return matrix.reshape(matrix.shape[0], 0)
    counts = (~np.isnan(matrix)).sum(axis=0)
    return matrix[:, counts >= 2]


def alpha(matrix: np.ndarray, level: Level = "nominal") -> float | None:
    """Krippendorff's alpha of a coders x units matrix, None when undefined."""
    data = _pairable(np.asarray(matrix, dtype=float))
    if data.shape[1] == 0:
        return None
    domain = np.unique(data[~np.isnan(data)])
    if domain.size < 2:
        return None
    if data.shape[1] * domain.size * domain.size <= PACKAGE_CELLS_MAX:
        value = krippendorff.alpha(
            reliability_data=data, level_of_measurement=level, value_domain=domain
        )
    else:
        value = _alpha_by_coincidences(data, level, domain)
    return None if value is None or not math.isfinite(value) else float(value)


def _alpha_by_coincidences(data: np.ndarray, level: Level, domain: np.ndarray) -> float:
    """Krippendorff's alpha from the coincidence matrix built as one matrix product,
    o = Nᵀ diag(1/(m_u - 1)) N - diag(Σ_u n_uc / (m_u - 1)), in O(units x V + V²)
    memory. The `krippendorff` package materialises a units x V x V array, which
    for interval or ratio values with a thousand distinct values and thousands of
    units needs gigabytes; the figures are the same (tests compare both)."""
    index = np.searchsorted(domain, data)
    filled = ~np.isnan(data)
    units = np.broadcast_to(np.arange(data.shape[1]), data.shape)[filled]
    counts = np.zeros((data.shape[1], domain.size))
    np.add.at(counts, (units, index[filled]), 1.0)
    m = counts.sum(axis=1)
    scaled = counts / (m - 1)[:, None]
    o = counts.T @ scaled - np.diag(scaled.sum(axis=0))
    n_c = o.sum(axis=1)
    n = n_c.sum()
    d2 = _metric(domain, n_c, level)
    expected = (np.outer(n_c, n_c) * d2).sum()
    if expected == 0:
        return float("nan")
    return 1.0 - (n - 1) * (o * d2).sum() / expected


def _metric(domain: np.ndarray, n_c: np.ndarray, level: Level) -> np.ndarray:
    """Squared difference function δ² of Krippendorff (2011) for each level."""
    c, k = domain[:, None], domain[None, :]
    if level == "nominal":
        return (c != k).astype(float)
    if level == "interval":
        return (c - k) ** 2
    if level == "ratio":
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(c + k == 0, 0.0, ((c - k) / (c + k)) ** 2)
    cumulative = np.concatenate([[0.0], np.cumsum(n_c)])
    i, j = np.arange(domain.size)[:, None], np.arange(domain.size)[None, :]
    low, high = np.minimum(i, j), np.maximum(i, j)
    between = cumulative[high + 1] - cumulative[low]
    return (between - (n_c[i] + n_c[j]) / 2) ** 2


def _counts(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(categories, units x categories count table r_ik)."""
    data = np.asarray(matrix, dtype=float)
    filled = ~np.isnan(data)
    categories = np.unique(data[filled])
    table = np.zeros((data.shape[1], categories.size))
    units = np.broadcast_to(np.arange(data.shape[1]), data.shape)[filled]
    np.add.at(table, (units, np.searchsorted(categories, data[filled])), 1.0)
    return categories, table


def weights(categories: np.ndarray, level: Level) -> np.ndarray:
    """Gwet's agreement weights w_kl: identity (nominal), ordinal weights on ranks
    (1 - M_kl / M_max with M_kl = C(|k-l|+1, 2)), quadratic on the values (interval),
    ratio weights 1 - ((k-l)/(k+l))² / max of the same."""
    q = len(categories)
    if level == "nominal" or q < 2:
        return np.eye(q)
    if level == "ordinal":
        ranks = np.arange(q, dtype=float)
        gap = np.abs(ranks[:, None] - ranks[None, :])
        m = (gap + 1) * gap / 2  # C(gap + 1, 2)
        return 1 - m / m.max()
    k, m = categories[:, None], categories[None, :]
    if level == "interval":
        return 1 - (k - m) ** 2 / (categories.max() - categories.min()) ** 2
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(k + m == 0, 0.0, ((k - m) / (k + m)) ** 2)
    return 1 - ratio / ratio.max() if ratio.max() > 0 else np.ones((q, q))


@dataclass(frozen=True, slots=True)
class Gwet:
    coefficient: float | None
    pa: float | None  # (weighted) percent agreement
    pe: float | None  # chance agreement


def gwet(matrix: np.ndarray, level: Level = "nominal") -> Gwet:
    """Gwet's AC1 (nominal) or AC2 (weighted), multi-rater with missing values:

    p_a = mean over units with r_i ≥ 2 of Σ_k r_ik (r*_ik - 1) / (r_i (r_i - 1)),
          r*_ik = Σ_l w_kl r_il
    π_k = mean over units with r_i ≥ 1 of r_ik / r_i
    p_e = T_w / (q (q - 1)) · Σ_k π_k (1 - π_k),  T_w = Σ_kl w_kl
    AC = (p_a - p_e) / (1 - p_e)
    """
    data = np.asarray(matrix, dtype=float)
    if data.size == 0 or np.isnan(data).all():
        return Gwet(None, None, None)
    categories, table = _counts(data)
    q = len(categories)
    r = table.sum(axis=1)
    rated = r >= 1
    pairable = r >= 2
    if not pairable.any():
        return Gwet(None, None, None)
    w = weights(categories, level)
    pa = _weighted_pair_agreement(data, categories, w, r)
    if pa is None:
        return Gwet(None, None, None)
    if q < 2:
        return Gwet(None, pa, None)
    pi = (table[rated] / r[rated, None]).mean(axis=0)
    pe = float(w.sum() / (q * (q - 1)) * (pi * (1 - pi)).sum())
    if pe >= 1:
        return Gwet(None, pa, pe)
    return Gwet((pa - pe) / (1 - pe), pa, pe)


def _weighted_pair_agreement(
    data: np.ndarray, categories: np.ndarray, w: np.ndarray, r: np.ndarray
) -> float | None:
    """Gwet's p_a computed over the pairs of coders within each unit,
    Σ_k r_ik (r*_ik - 1) = Σ_{i≠j} w(v_i, v_j): O(coders² x units), where the
    category form costs units x q² and q runs into the hundreds for interval data."""
    filled = ~np.isnan(data)
    index = np.searchsorted(categories, np.where(filled, data, categories[0]))
    pair_w = w[index[:, None, :], index[None, :, :]]
    both = filled[:, None, :] & filled[None, :, :]
    coders = data.shape[0]
    both &= ~np.eye(coders, dtype=bool)[:, :, None]
    sums = np.where(both, pair_w, 0.0).sum(axis=(0, 1))
    pairable = r >= 2
    if not pairable.any():
        return None
    return float((sums[pairable] / (r[pairable] * (r[pairable] - 1))).mean())


def percent_agreement(matrix: np.ndarray) -> float | None:
    """The share of agreeing pairs within a unit, averaged over pairable units."""
    return gwet(matrix, "nominal").pa


def unit_disagreement(matrix: np.ndarray) -> np.ndarray:
    """Per unit, the share of pairs of values that differ (nan where fewer than two
    values): what ranks the items a pod lead should review first."""
    data = np.asarray(matrix, dtype=float)
    result = np.full(data.shape[1], np.nan)
    if data.size == 0 or np.isnan(data).all():
        return result
    _, table = _counts(data)
    r = table.sum(axis=1)
    pairable = r >= 2
    agreeing = (table * (table - 1)).sum(axis=1)
    result[pairable] = 1 - agreeing[pairable] / (r[pairable] * (r[pairable] - 1))
    return result


def leave_one_out_alpha(matrix: np.ndarray, level: Level = "nominal") -> list[float | None]:
    """Alpha with each coder (row) left out in turn: a coder whose removal raises alpha
    the most is the one pulling agreement down."""
    data = np.asarray(matrix, dtype=float)
    return [alpha(np.delete(data, i, axis=0), level) for i in range(data.shape[0])]


@dataclass(frozen=True, slots=True)
class Agreement:
    """The figures of one reliability matrix, ready for a snapshot."""

    alpha: float | None
    percent: float | None
    gwet: float | None  # AC1 for nominal data, AC2 otherwise
    units: int  # pairable units
    values: int  # pairable values

    def as_dict(self) -> dict[str, float | int | None]:
        return {
            "alpha": _round(self.alpha),
            "percent_agreement": _round(self.percent),
            "gwet": _round(self.gwet),
            "units": self.units,
            "values": self.values,
        }


def agreement(matrix: np.ndarray, level: Level = "nominal") -> Agreement:
    data = _pairable(np.asarray(matrix, dtype=float))
    g = gwet(data, level)
    return Agreement(
        alpha=alpha(data, level),
        percent=gwet(data, "nominal").pa if level != "nominal" else g.pa,
        gwet=g.coefficient,
        units=int(data.shape[1]),
        values=int((~np.isnan(data)).sum()),
    )


def _round(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(value, digits)


# --- time slices -------------------------------------------------------------------


def slice_labels(
    segments: Iterable[tuple[float, float, str]],
    *,
    start_ms: float,
    end_ms: float,
    slice_ms: float = SLICE_MS,
) -> list[str]:
    """The label active in each slice [start + i·slice, start + (i+1)·slice) of the
    master clock: the label of the segment covering the slice's midpoint, "none" when
    no segment does. Where segments overlap the one with the latest start wins (the
    innermost event). Segments must already be in master time."""
    count = max(0, math.ceil((end_ms - start_ms) / slice_ms - 1e-9))
    labels = [NONE_LABEL] * count
    for seg_start, seg_end, label in sorted(segments, key=lambda s: s[0]):
        first = max(0, math.ceil((seg_start - start_ms) / slice_ms - 0.5 - 1e-9))
        last = min(count, math.ceil((seg_end - start_ms) / slice_ms - 0.5 - 1e-9))
        for i in range(first, last):
            labels[i] = label
    return labels


def time_slice_records(
    segments_by_coder: Mapping[Hashable, Iterable[tuple[float, float, str]]],
    *,
    unit: Hashable,
    start_ms: float | None = None,
    end_ms: float | None = None,
    slice_ms: float = SLICE_MS,
) -> list[tuple[Hashable, Hashable, str]]:
    """(unit + slice index, coder, label) records for one (data point, modality): every
    coder gets a value for every slice of the span, "none" included, so agreeing that
    nothing happens counts as agreement. The span defaults to the union of all
    coders' segments."""
    segments = {coder: list(segs) for coder, segs in segments_by_coder.items()}
    everything = [s for segs in segments.values() for s in segs]
    if start_ms is None:
        start_ms = min((s[0] for s in everything), default=0.0)
    if end_ms is None:
        end_ms = max((s[1] for s in everything), default=start_ms)
    records = []
    for coder, segs in segments.items():
        for i, label in enumerate(
            slice_labels(segs, start_ms=start_ms, end_ms=end_ms, slice_ms=slice_ms)
        ):
            records.append(((unit, i), coder, label))
    return records


def time_slice_matrix(
    units: Iterable[tuple[Hashable, Mapping[Hashable, Sequence[tuple[float, float, str]]]]],
    *,
    slice_ms: float = SLICE_MS,
) -> Reliability:
    """The reliability matrix of many (unit, {coder: segments}) at once, the same as
    `reliability_matrix(time_slice_records(...))` for each unit concatenated, but
    filled with NumPy slices per segment instead of one record per slice: the
    time-sliced units of a big iteration number in the hundreds of thousands.
    Columns are (unit, slice index); each unit spans the union of its coders'
    segments."""
    codes: dict[Hashable, float] = {NONE_LABEL: 0.0}
    coder_index: dict[Hashable, int] = {}
    blocks: list[tuple[int, list[tuple[int, int, int, float]]]] = []
    column_keys: list[Hashable] = []
    total = 0
    for unit, by_coder in units:
        segments = [seg for segs in by_coder.values() for seg in segs]
        if not segments:
            continue
        start = min(seg[0] for seg in segments)
        end = max(seg[1] for seg in segments)
        count = max(0, math.ceil((end - start) / slice_ms - 1e-9))
        fills = []
        for coder, segs in by_coder.items():
            row = coder_index.setdefault(coder, len(coder_index))
            fills.append((row, 0, count, 0.0))
            for seg_start, seg_end, label in segs if len(segs) < 2 else sorted(segs):
                first = max(0, math.ceil((seg_start - start) / slice_ms - 0.5 - 1e-9))
                last = min(count, math.ceil((seg_end - start) / slice_ms - 0.5 - 1e-9))
                if last > first:
                    code = codes.setdefault(label, float(len(codes)))
                    fills.append((row, first, last, code))
        blocks.append((total, fills))
        column_keys.extend((unit, i) for i in range(count))
        total += count
    matrix = np.full((len(coder_index), total), np.nan)
    for offset, fills in blocks:
        for row, first, last, code in fills:
            matrix[row, offset + first : offset + last] = code
    return Reliability(matrix, list(coder_index), column_keys, codes)


# --- boxes ---------------------------------------------------------------------------


def iou(a: Sequence[float], b: Sequence[float]) -> float:
    """IoU of two [x, y, w, h] boxes."""
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    ix = max(0.0, min(ax + aw, bx + bw) - max(ax, bx))
    iy = max(0.0, min(ay + ah, by + bh) - max(ay, by))
    inter = ix * iy
    union = aw * ah + bw * bh - inter
    return inter / union if union > 0 else 0.0


@dataclass(frozen=True, slots=True)
class BoxAgreement:
    mean_iou: float | None
    pairs: int
    per_coder: dict[Hashable, float]  # mean IoU of the pairs a coder is in

    def as_dict(self) -> dict[str, object]:
        return {"mean_iou": _round(self.mean_iou), "pairs": self.pairs}


def box_agreement(
    boxes: Iterable[tuple[Hashable, Hashable, Sequence[float]]],
) -> BoxAgreement:
    """Mean pairwise IoU over (key, coder, box) records, where `key` names the same
    real-world object at the same moment (data point, entity, frame time): every pair of
    coders that boxed the same key contributes one IoU. Boxes without a partner are
    not pairs and do not count (missing boxes are the validation's business)."""
    by_key: dict[Hashable, dict[Hashable, Sequence[float]]] = defaultdict(dict)
    for key, coder, box in boxes:
        by_key[key][coder] = box
    groups = [coders for coders in by_key.values() if len(coders) >= 2]
    if not groups:
        return BoxAgreement(mean_iou=None, pairs=0, per_coder={})
    # All groups at once, padded to the largest: (groups, k, 4) boxes and a mask.
    k = max(len(g) for g in groups)
    b = np.zeros((len(groups), k, 4))
    present = np.zeros((len(groups), k), dtype=bool)
    names: list[list[Hashable]] = []
    for gi, coders in enumerate(groups):
        names.append(list(coders))
        b[gi, : len(coders)] = [coders[name] for name in names[-1]]
        present[gi, : len(coders)] = True
    x1, y1 = b[..., 0], b[..., 1]
    x2, y2 = x1 + b[..., 2], y1 + b[..., 3]
    iw = np.clip(
        np.minimum(x2[:, :, None], x2[:, None, :]) - np.maximum(x1[:, :, None], x1[:, None, :]),
        0,
        None,
    )
    ih = np.clip(
        np.minimum(y2[:, :, None], y2[:, None, :]) - np.maximum(y1[:, :, None], y1[:, None, :]),
        0,
        None,
    )
    inter = iw * ih
    area = b[..., 2] * b[..., 3]
    union = area[:, :, None] + area[:, None, :] - inter
    with np.errstate(invalid="ignore", divide="ignore"):
        ious = np.where(union > 0, inter / union, 0.0)
    valid = present[:, :, None] & present[:, None, :] & ~np.eye(k, dtype=bool)[None]
    ious = np.where(valid, ious, 0.0)
    pairs = int(valid.sum() // 2)
    total = float(ious.sum() / 2)
    row_sums = ious.sum(axis=2)
    partners = valid.sum(axis=2)
    coder_sum: dict[Hashable, float] = defaultdict(float)
    coder_n: dict[Hashable, int] = defaultdict(int)
    for gi, group_names in enumerate(names):
        for i, name in enumerate(group_names):
            coder_sum[name] += float(row_sums[gi, i])
            coder_n[name] += int(partners[gi, i])
    return BoxAgreement(
        mean_iou=total / pairs if pairs else None,
        pairs=pairs,
        per_coder={coder: coder_sum[coder] / coder_n[coder] for coder in coder_n},
    )
