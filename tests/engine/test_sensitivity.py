"""The given-data first-order estimator on functions whose indices are known."""

from __future__ import annotations

import numpy as np
import pytest

from mujun.engine.sensitivity import bins_of, first_order

N = 20_000
TOL = 0.03  # the estimator's error at N samples (standard error ≈ 0.01)


def test_linear_function() -> None:
    # Y = X1 + 2·X2, X uniform on [0, 1]: Var = 1/12 + 4/12, S1 = (1/12)/(5/12) = 0.2, 0.8
    rng = np.random.default_rng(0)
    x = rng.uniform(size=(N, 2))
    y = x[:, 0] + 2 * x[:, 1]
    assert first_order(x[:, 0], y) == pytest.approx(0.2, abs=TOL)
    assert first_order(x[:, 1], y) == pytest.approx(0.8, abs=TOL)


def test_ishigami() -> None:
    # Y = sin X1 + 7 sin² X2 + 0.1 X3⁴ sin X1, X uniform on [−π, π]:
    # S1 = 0.3139, 0.4424, 0 (Ishigami and Homma 1990; a = 7, b = 0.1)
    rng = np.random.default_rng(1)
    x = rng.uniform(-np.pi, np.pi, size=(N, 3))
    y = np.sin(x[:, 0]) + 7 * np.sin(x[:, 1]) ** 2 + 0.1 * x[:, 2] ** 4 * np.sin(x[:, 0])
    got = [first_order(x[:, i], y) for i in range(3)]
    assert got == pytest.approx([0.3139, 0.4424, 0.0], abs=TOL)


def test_a_discrete_factor_is_binned_by_value() -> None:
    # Y = 3·B + U, B ∈ {0, 1} with ½ each, U uniform [0, 1]: Var = 9/4 + 1/12, S1(B) = 27/28
    rng = np.random.default_rng(2)
    b = rng.integers(2, size=N).astype(float)
    u = rng.uniform(size=N)
    y = 3 * b + u
    assert set(bins_of(b).tolist()) == {0, 1}
    assert first_order(b, y) == pytest.approx(27 / 28, abs=TOL)
    assert first_order(u, y) == pytest.approx(1 / 28, abs=TOL)


def test_no_variation_no_sensitivity_and_noise_near_zero() -> None:
    rng = np.random.default_rng(3)
    x = rng.uniform(size=N)
    assert first_order(x, np.full(N, 0.25)) == 0.0
    noise = rng.normal(size=N)  # independent of x: S1 = 0, the bias correction keeps it near 0
    assert first_order(x, noise) < 0.01
    assert 0.0 <= first_order(x[:50], noise[:50]) <= 1.0  # few samples: still an index
