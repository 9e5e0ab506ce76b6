"""metrics.agreement against published worked examples and hand-computed cases."""

import math

import numpy as np
import pytest

from metrics import agreement as ag

nan = np.nan

# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C:
# four observers, twelve units, values 1..5, with missing data.
KRIPPENDORFF_2011 = np.array(
    [
        [1, 2, 3, 3, 2, 1, 4, 1, 2, nan, nan, nan],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, nan, 3],
        [nan, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, nan],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, nan],
    ]
)


@pytest.mark.parametrize(
    "level, published",
    [("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849), ("ratio", 0.797)],
)
def test_alpha_reproduces_krippendorffs_published_example(level, published):
    assert ag.alpha(KRIPPENDORFF_2011, level) == pytest.approx(published, abs=5e-4)


def test_ac1_reproduces_gwets_value_for_the_same_four_raters():
    """Gwet's irrCAC (`gwet.ac1.raw(cac.raw4raters)`) publishes for this data set:
    p_a = 0.8182, p_e = 0.1903, AC1 = 0.7754 (q = 5 categories, unit 12 rated once
    counts in π_k but not in p_a)."""
    result = ag.gwet(KRIPPENDORFF_2011, "nominal")
    assert result.pa == pytest.approx(0.8182, abs=1e-4)
    assert result.pe == pytest.approx(0.1903, abs=1e-4)
    assert result.coefficient == pytest.approx(0.7754, abs=1e-4)


def test_ac1_of_two_raters_matches_the_hand_computation():
    """Rater A: a a b b a; rater B: a a b a a (a=0, b=1).
    p_a = 4/5 = 0.8. Marginals A (0.6, 0.4), B (0.8, 0.2) → π = (0.7, 0.3).
    p_e = 1/(q-1) Σ π(1-π) = 0.21 + 0.21 = 0.42.
    AC1 = (0.8 - 0.42) / (1 - 0.42) = 0.38 / 0.58 = 0.655172..."""
    result = ag.gwet(np.array([[0, 0, 1, 1, 0], [0, 0, 1, 0, 0]], dtype=float), "nominal")
    assert result.pa == pytest.approx(0.8)
    assert result.pe == pytest.approx(0.42)
    assert result.coefficient == pytest.approx(0.38 / 0.58)


def test_ac2_with_interval_weights_matches_the_hand_computation():
    """Two raters, values 1, 2, 3 on three units: (1,1), (2,3), (3,3).
    Quadratic weights w = 1 - (k-l)²/(3-1)²: w(2,3) = 0.75, w(1,3) = 0, Σw = 3 + 4·0.75 = 6.
    p_a = (1 + 0.75 + 1) / 3 = 0.916667.
    π_k = mean over units of r_ik / r_i = ((1+0+0)/3, (0+.5+0)/3, (0+.5+1)/3) = (1/3, 1/6, 1/2);
    Σ π(1-π) = 8/36 + 5/36 + 9/36 = 22/36.
    p_e = Σw / (q(q-1)) · 22/36 = 6/6 · 22/36 = 0.611111.
    AC2 = (33/36 - 22/36) / (14/36) = 11/14 = 0.785714."""
    result = ag.gwet(np.array([[1, 2, 3], [1, 3, 3]], dtype=float), "interval")
    assert result.pa == pytest.approx(11 / 12)
    assert result.pe == pytest.approx(22 / 36)
    assert result.coefficient == pytest.approx(11 / 14)


def test_ac1_stays_high_where_alpha_collapses_on_a_dominant_label():
    """Nine units all 'a' and one split: alpha is dragged to ~0, AC1 stays ~0.9."""
    matrix = np.array([[0] * 9 + [0], [0] * 9 + [1]], dtype=float)
    assert ag.alpha(matrix) < 0.05
    assert ag.gwet(matrix).coefficient > 0.85


def test_percent_agreement_counts_agreeing_pairs_within_units():
    # unit 1: 3 coders agree (3/3 pairs); unit 2: a, a, b (1/3 pairs) → 2/3 overall
    matrix = np.array([[0, 0], [0, 0], [0, 1]], dtype=float)
    assert ag.percent_agreement(matrix) == pytest.approx((1 + 1 / 3) / 2)


def test_alpha_is_none_when_only_one_value_was_ever_given():
    assert ag.alpha(np.array([[1, 1, 1], [1, 1, 1]], dtype=float)) is None
    assert ag.alpha(np.array([[1, nan], [nan, 2]], dtype=float)) is None


def test_reliability_matrix_codes_values_and_leaves_gaps_for_missing_coders():
    rel = ag.reliability_matrix(
        [("u1", "ann", "dog"), ("u1", "bob", "cat"), ("u2", "ann", "dog")], level="nominal"
    )
    assert rel.coders == ["ann", "bob"]
    assert rel.units == ["u1", "u2"]
    assert rel.matrix[0].tolist() == [0.0, 0.0]
    assert rel.matrix[1, 0] == 1.0 and math.isnan(rel.matrix[1, 1])


def test_ordinal_values_are_ranked_by_the_attributes_declared_order():
    rel = ag.reliability_matrix(
        [("u", "a", "high"), ("u", "b", "low"), ("u", "c", "bogus")],
        level="ordinal",
        order=["low", "mid", "high"],
    )
    assert rel.matrix[:, 0].tolist() == [2.0, 0.0]


def test_leaving_out_the_odd_coder_raises_alpha():
    matrix = np.array(
        [[0, 1, 0, 1, 2, 2], [0, 1, 0, 1, 2, 2], [0, 1, 0, 1, 2, 2], [1, 0, 2, 2, 0, 1]],
        dtype=float,
    )
    overall = ag.alpha(matrix)
    without = ag.leave_one_out_alpha(matrix)
    assert without[3] == pytest.approx(1.0)
    assert all(without[3] > w for w in without[:3])
    assert without[3] > overall


def test_slices_take_the_label_covering_each_slice_midpoint():
    """[50, 260) covers the midpoints 50, 150 and 250 of the first three 100 ms slices."""
    labels = ag.slice_labels([(50, 260, "dog")], start_ms=0, end_ms=400)
    assert labels == ["dog", "dog", "dog", "none"]


def test_time_slice_agreement_matches_the_hand_computation():
    """Coder A: dog on [0, 1000); coder B: dog on [200, 1000). Ten slices on [0, 1000):
    B says none in slices 0 and 1, dog in 2..9. Two of ten units disagree.
    Percent agreement 0.8. Alpha (nominal, 2 coders, 10 units, 20 values):
    n_dog = 18, n_none = 2; D_o = 2·2/20 = 0.2 (two disagreeing units, each
    contributing 2 mismatched ordered pairs / (m-1)=1); D_e = 2·18·2 / (20·19) = 72/380.
    alpha = 1 - 0.2 / (72/380) = 1 - 76/72 = -0.0556."""
    records = ag.time_slice_records(
        {"A": [(0, 1000, "dog")], "B": [(200, 1000, "dog")]}, unit="dp1"
    )
    rel = ag.reliability_matrix(records)
    assert rel.matrix.shape == (2, 10)
    assert ag.percent_agreement(rel.matrix) == pytest.approx(0.8)
    assert ag.alpha(rel.matrix) == pytest.approx(1 - 76 / 72)


def test_time_slices_use_the_master_clock_passed_in():
    # the same event: A in stream time 0..500 with offset 300 → master 300..800
    records = ag.time_slice_records(
        {"A": [(300, 800, "bark")], "B": [(300, 800, "bark")]}, unit="dp", start_ms=0, end_ms=1000
    )
    rel = ag.reliability_matrix(records)
    assert ag.percent_agreement(rel.matrix) == 1.0


def test_iou_of_two_boxes_matches_the_hand_computation():
    # [0,0,10,10] and [5,0,10,10]: intersection 5·10 = 50, union 100+100-50 = 150
    assert ag.iou([0, 0, 10, 10], [5, 0, 10, 10]) == pytest.approx(1 / 3)
    assert ag.iou([0, 0, 10, 10], [20, 20, 5, 5]) == 0.0


def test_box_agreement_averages_pairwise_iou_of_same_entity_boxes():
    """Entity e1 boxed by A, B, C: IoU(A,B)=1/3, IoU(A,C)=1, IoU(B,C)=1/3 → mean 5/9.
    Entity e2 boxed by A only: no pair, ignored."""
    result = ag.box_agreement(
        [
            ("e1", "A", [0, 0, 10, 10]),
            ("e1", "B", [5, 0, 10, 10]),
            ("e1", "C", [0, 0, 10, 10]),
            ("e2", "A", [0, 0, 1, 1]),
        ]
    )
    assert result.pairs == 3
    assert result.mean_iou == pytest.approx(5 / 9)
    assert result.per_coder["B"] == pytest.approx(1 / 3)
    assert result.per_coder["A"] == pytest.approx(2 / 3)


def test_unit_disagreement_ranks_split_units_first():
    matrix = np.array([[0, 0, 1], [0, 1, nan], [0, 2, nan]], dtype=float)
    scores = ag.unit_disagreement(matrix)
    assert scores[0] == 0.0
    assert scores[1] == 1.0
    assert math.isnan(scores[2])


@pytest.mark.parametrize("level", ag.LEVELS)
def test_the_coincidence_path_for_large_domains_equals_the_package(level):
    """Big interval/ratio domains are computed without the package's units x V x V
    array; both paths must give the same alpha, on the published example and on
    continuous data with hundreds of distinct values."""
    import krippendorff

    rng = np.random.default_rng(1)
    truth = rng.normal(20, 5, 300).round(1)
    noisy = (truth + rng.normal(0, 2, (6, 300))).round(1)
    noisy[rng.random(noisy.shape) < 0.2] = nan
    for matrix in (KRIPPENDORFF_2011, noisy):
        data = ag._pairable(matrix)
        domain = np.unique(data[~np.isnan(data)])
        expected = krippendorff.alpha(
            reliability_data=data, level_of_measurement=level, value_domain=domain
        )
        assert ag._alpha_by_coincidences(data, level, domain) == pytest.approx(expected)


def test_alpha_of_thousands_of_units_with_continuous_values_stays_small_in_memory():
    rng = np.random.default_rng(2)
    truth = rng.uniform(20, 80, 2000).round(1)
    matrix = (truth + rng.normal(0, 1, (10, 2000))).round(1)
    assert ag.alpha(matrix, "interval") > 0.99
    assert ag.alpha(matrix, "ratio") > 0.9


def test_the_time_slice_matrix_equals_the_records_built_slice_by_slice():
    units = [
        ("dp1", {"A": [(0, 1000, "dog")], "B": [(200, 1000, "dog"), (1000, 1300, "cat")]}),
        ("dp2", {"A": [(40, 390, "bark")], "B": [], "C": [(0, 400, "bark")]}),
    ]
    fast = ag.time_slice_matrix(units)
    records = [r for unit, segs in units for r in ag.time_slice_records(segs, unit=unit)]
    slow = ag.reliability_matrix(records)
    assert fast.units == slow.units
    assert ag.alpha(fast.matrix) == pytest.approx(ag.alpha(slow.matrix))
    assert ag.percent_agreement(fast.matrix) == pytest.approx(ag.percent_agreement(slow.matrix))


def test_the_headline_alpha_falls_back_to_time_slices_then_attributes():
    from metrics.figures import headline_alpha

    tags = {"metadata": {"alpha": 0.9}, "text": {"alpha": None}}
    temporal = {"video": {"alpha": 0.7}, "metadata": {"alpha": 0.1}}
    attributes = {"pointcloud": {"size": {"alpha": 0.4}, "kind": {"alpha": 0.6}}, "text": {}}

    assert headline_alpha(tags, temporal, attributes) == pytest.approx(
        {"metadata": 0.9, "video": 0.7, "pointcloud": 0.5, "text": None}
    )
