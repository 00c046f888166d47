"""dit (Python package for discrete information theory) as an independent oracle, when installed (test extra)."""
import math

import numpy as np
import pytest

dit = pytest.importorskip("dit")

from codelength import (conditional_mutual_information, interaction_information, renyi_entropy,  # noqa: E402
                        total_correlation, tsallis_entropy)


def _empirical(*variables):
    rows = np.column_stack(variables)
    outcomes, counts = np.unique(rows, axis=0, return_counts=True)
    return dit.Distribution([tuple(int(v) for v in o) for o in outcomes], (counts / counts.sum()).tolist())


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_multivariate_measures_against_dit(seed):
    rng = np.random.default_rng(seed)
    n = 500
    x = rng.integers(0, 3, n)
    y = (x + rng.integers(0, 2, n)) % 4
    z = (x * y + rng.integers(0, 2, n)) % 3
    w = rng.integers(0, 2, n) ^ (z > 0)
    d3 = _empirical(x, y, z)
    assert conditional_mutual_information(x, y, z) == pytest.approx(
        dit.multivariate.coinformation(d3, [[0], [1]], [2]), abs=1e-12)
    assert interaction_information(x, y, z) == pytest.approx(dit.multivariate.coinformation(d3), abs=1e-12)
    assert total_correlation(x, y, z) == pytest.approx(dit.multivariate.total_correlation(d3), abs=1e-12)
    d4 = _empirical(x, y, z, w)
    assert interaction_information(x, y, z, w) == pytest.approx(dit.multivariate.coinformation(d4), abs=1e-12)
    assert total_correlation(x, y, z, w) == pytest.approx(dit.multivariate.total_correlation(d4), abs=1e-12)


@pytest.mark.parametrize("order", [0, 0.5, 1, 2, 3.5, math.inf])
def test_renyi_and_tsallis_against_dit(order):
    rng = np.random.default_rng(7)
    p = rng.dirichlet(np.ones(6))
    d = dit.Distribution([str(i) for i in range(6)], p.tolist())
    assert renyi_entropy(p, order) == pytest.approx(dit.other.renyi_entropy(d, order), rel=1e-12)
    if math.isfinite(order):
        assert tsallis_entropy(p, order) == pytest.approx(dit.other.tsallis_entropy(d, order), rel=1e-12)
