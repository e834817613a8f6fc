"""Norms and moments that survive subnormal and huge finite values."""

import math

import numpy as np
import pytest

from sk_mlp._torch.safe_math import max_row_norm, norm, squared_ratio, weighted_mean_and_std

BIG = float(np.finfo(np.float64).max)


@pytest.mark.parametrize("scale", [5e-324, 1e-300, 1e-160, 1.0, 1e160, 1e300])
def test_norms_scale_exactly(scale):
    v = np.array([3.0, 4.0])
    if scale == 5e-324:  # the smallest subnormal: only one representable value
        assert norm([scale, 0.0]) == scale
        return
    assert norm(v * scale) == pytest.approx(5.0 * scale, rel=1e-15)
    assert max_row_norm(np.array([[1.0, 0.0], [3.0, 4.0]]) * scale) == pytest.approx(
        5.0 * scale, rel=1e-15)


def test_norm_of_the_largest_floats_is_finite_where_representable():
    assert norm([BIG, 0.0]) == BIG
    assert norm([BIG, BIG]) == math.inf  # sqrt(2) * max is not representable
    assert norm([]) == 0.0 and norm([0.0, 0.0]) == 0.0


def test_squared_ratio():
    assert squared_ratio(2.0, 1.0) == 4.0
    assert squared_ratio(1.0, 1e-200) == math.inf  # 1e400 overflows: inf, no error
    assert squared_ratio(1.0, 0.0) == math.inf


@pytest.mark.parametrize("scale", [1e-310, 1e-300, 1.0, 1e300])
def test_weighted_moments_scale_with_the_values(scale):
    values = np.array([[1.0], [2.0], [4.0]])
    weights = np.array([1.0, 2.0, 1.0])
    mean, std = weighted_mean_and_std(values, weights)
    smean, sstd = weighted_mean_and_std(values * scale, weights * 1e300)
    np.testing.assert_allclose(smean, mean * scale, rtol=1e-9 if scale > 1e-305 else 1e-3)
    np.testing.assert_allclose(sstd, std * scale, rtol=1e-9 if scale > 1e-305 else 1e-3)


def test_moments_of_values_at_both_float64_limits():
    mean, std = weighted_mean_and_std(np.array([[BIG], [-BIG]]))
    assert mean[0] == 0.0 and std[0] == BIG
