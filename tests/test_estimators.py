"""Entropy estimators: special functions, formulas, exact expectations and small-sample bias.

Exact statements (formulas, special values) are checked to 1e-12 or better. Bias statements use either exact
expectations over all outcomes of a binomial sample (no randomness) or seeded Monte Carlo averages whose
tolerances are stated next to them as multiples of the standard error (SE) of the average.
"""
import math
import subprocess
import sys
from math import comb

import numpy as np
import pytest
from hypothesis import given, strategies as st

from codelength import ESTIMATORS, entropy_estimate, entropy_estimate_from_counts, empirical_entropy
from codelength.measures.estimators import _dirichlet_posterior_mean_entropy, nsb_entropy_nats
from scipy.special import digamma

EULER = 0.5772156649015329

# The digamma, trigamma and log-gamma functions are scipy.special's (a runtime dependency since issue 13);
# the hand-written series and their tests are gone.


def test_scipy_not_imported_at_module_level():
    # a runtime dependency, but imported on first use: `import codelength` and the CLI start fast
    code = "import sys, codelength, codelength.measures.estimators, codelength.measures.continuous, codelength.measures.importance; " \
           "print('scipy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_module_source_compiles_without_warnings():
    # an invalid escape such as "\\l" in a docstring is a SyntaxWarning on Python 3.12+ and an
    # import error under -W error
    from pathlib import Path

    import warnings
    import codelength.measures.estimators as module
    source = Path(module.__file__).read_text(encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        compile(source, module.__file__, "exec")


# ---------------------------------------------------------------------------------------------
# Formulas
# ---------------------------------------------------------------------------------------------

def plugin_nats(c):
    c = np.asarray(c, dtype=float)
    p = c[c > 0] / c.sum()
    return float(-(p * np.log(p)).sum())


@given(st.lists(st.integers(0, 12), min_size=1, max_size=12).filter(lambda c: sum(c) > 0))
def test_formulas_against_direct_definitions(c):
    c = np.array(c)
    N, m = c.sum(), np.count_nonzero(c)
    assert entropy_estimate_from_counts(c, "plugin", base=math.e) == pytest.approx(plugin_nats(c), abs=1e-12)
    assert entropy_estimate_from_counts(c, "miller-madow", base=math.e) == pytest.approx(
        plugin_nats(c) + (m - 1) / (2 * N), abs=1e-12)
    # jackknife by brute force: leave each sample out in turn
    if N > 1:
        leave_one_out = [plugin_nats(c - (np.arange(c.size) == s)) for s in range(c.size) for _ in range(c[s])]
        expected = N * plugin_nats(c) - (N - 1) * np.mean(leave_one_out)
        assert entropy_estimate_from_counts(c, "jackknife", base=math.e) == pytest.approx(expected, abs=1e-10)
    # Grassberger with G(n) written out from the digamma definition
    g = [digamma(k) + 0.5 * (-1) ** k * (digamma((k + 1) / 2) - digamma(k / 2)) for k in c[c > 0]]
    expected = math.log(N) - sum(k * gk for k, gk in zip(c[c > 0], g)) / N
    assert entropy_estimate_from_counts(c, "grassberger", base=math.e) == pytest.approx(max(expected, 0), abs=1e-12)
    # Chao-Shen from its definition
    f1 = np.count_nonzero(c == 1)
    f1 = N - 1 if f1 == N else f1
    pa = (1 - f1 / N) * c[c > 0] / N
    expected = float(np.sum(-pa * np.log(pa) / (1 - (1 - pa) ** N)))
    assert entropy_estimate_from_counts(c, "chao-shen", base=math.e) == pytest.approx(expected, rel=1e-9, abs=1e-12)
    for method in ESTIMATORS:
        value = entropy_estimate_from_counts(c, method)
        assert math.isfinite(value) and value >= -1e-12


def test_grassberger_g_recursion():
    # Grassberger (2003): G_1 = -gamma - ln 2, G_2 = 2 - gamma - ln 2, G_{2n+1} = G_{2n}, G_{2n+2} = G_{2n} + 2/(2n+1)
    from codelength.measures.estimators import _grassberger_g
    g = _grassberger_g(np.arange(1, 41))
    assert g[0] == pytest.approx(-EULER - math.log(2), abs=1e-14)
    assert g[1] == pytest.approx(2 - EULER - math.log(2), abs=1e-14)
    for n in range(1, 20):
        assert g[2 * n] == pytest.approx(g[2 * n - 1], abs=1e-13)               # G_{2n+1} = G_{2n}
        assert g[2 * n + 1] == pytest.approx(g[2 * n - 1] + 2 / (2 * n + 1), abs=1e-13)


def test_degenerate_samples_and_bases():
    for method in ESTIMATORS:
        assert entropy_estimate_from_counts([0, 0, 0], method) == 0.0      # empty sample
        assert entropy_estimate(np.zeros(0, dtype=np.int64), method) == 0.0
        if method != "grassberger":
            single = entropy_estimate_from_counts([5], method)              # one symbol possible
            assert single == pytest.approx(0.0, abs=1e-12)
        c = np.array([4, 2, 1, 1, 0])
        assert entropy_estimate_from_counts(c, method, base=math.e) == pytest.approx(
            entropy_estimate_from_counts(c, method) * math.log(2), rel=1e-12)
    # a sample of one symbol repeated: no evidence of anything else
    for method in ("plugin", "miller-madow", "jackknife", "chao-shen"):
        assert entropy_estimate_from_counts([10, 0], method) == pytest.approx(0.0, abs=1e-12)
    # Grassberger's G(n) is built for small probabilities: a deterministic sample of N = 5 gets
    # log 5 - G(5) = 0.307 bit, and one of N = 2 would get a negative value, clipped to 0
    assert entropy_estimate_from_counts([5], "grassberger") == pytest.approx(
        (math.log(5) - (2 - EULER - math.log(2) + 2 / 3)) / math.log(2), abs=1e-12)
    assert entropy_estimate_from_counts([2], "grassberger") == 0.0


def test_names_aliases_and_errors():
    c = [3, 2, 1]
    assert entropy_estimate_from_counts(c, "ML") == entropy_estimate_from_counts(c, "plugin")
    assert entropy_estimate_from_counts(c, "mm") == entropy_estimate_from_counts(c, "miller-madow")
    assert entropy_estimate_from_counts(c, "Chao_Shen") == entropy_estimate_from_counts(c, "chao-shen")
    with pytest.raises(ValueError, match="grassberger"):  # the message lists the valid names
        entropy_estimate_from_counts(c, "bayes")
    with pytest.raises(TypeError):
        entropy_estimate_from_counts(c, None)
    with pytest.raises(TypeError, match="counts must be integers"):
        entropy_estimate_from_counts([0.5, 0.5], "plugin")
    with pytest.raises(ValueError, match="non-negative"):
        entropy_estimate_from_counts([3, -1], "plugin")
    with pytest.raises(ValueError, match="one-dimensional"):
        entropy_estimate_from_counts([[3, 1]], "plugin")
    with pytest.raises(ValueError, match="alphabet_size"):
        entropy_estimate_from_counts([3, 1, 1], "nsb", alphabet_size=2)
    with pytest.raises(TypeError):
        entropy_estimate("text", "plugin")


def test_entropy_estimate_counts_data_first():
    data = np.random.default_rng(0).integers(0, 10, 500)
    assert entropy_estimate(data, "plugin") == pytest.approx(empirical_entropy(data), abs=1e-12)
    text = b"abracadabra"
    assert entropy_estimate(text, "plugin") == pytest.approx(empirical_entropy(text), abs=1e-12)
    # NSB's alphabet: 256 for bytes, max + 1 for integers, or as given
    assert entropy_estimate(text, "nsb") == pytest.approx(
        entropy_estimate_from_counts(np.bincount(np.frombuffer(text, np.uint8), minlength=256), "nsb"), abs=1e-12)
    assert entropy_estimate(data, "nsb", alphabet_size=1000) != entropy_estimate(data, "nsb")


# ---------------------------------------------------------------------------------------------
# Bias: exact expectations and Monte Carlo
# ---------------------------------------------------------------------------------------------

def exact_expectation(method, p, n):
    """E[estimate] over every outcome of a Binomial(n, p) sample of a two-symbol source (nats)."""
    return sum(comb(n, k) * p ** k * (1 - p) ** (n - k)
               * entropy_estimate_from_counts(np.array([k, n - k]), method, base=math.e) for k in range(n + 1))


@pytest.mark.parametrize("p, n", [(0.3, 20), (0.1, 30), (0.5, 10)])
def test_exact_bias_of_binary_source(p, n):
    h = -(p * math.log(p) + (1 - p) * math.log(1 - p))
    bias = {method: exact_expectation(method, p, n) - h for method in ESTIMATORS}
    # the plug-in is biased low, by about (K - 1) / (2n) = 1/(2n) nats to first order
    assert bias["plugin"] < 0
    assert bias["plugin"] == pytest.approx(-1 / (2 * n), rel=0.5)
    # Miller-Madow and the jackknife remove the first-order term: |bias| below a fifth of the plug-in's
    for method in ("miller-madow", "jackknife"):
        assert abs(bias[method]) < 0.2 * abs(bias["plugin"])


def uniform_trials(rng, alphabet, n, trials):
    return [np.bincount(rng.integers(0, alphabet, n), minlength=alphabet) for _ in range(trials)]


def test_uniform_source_moderate_sample():
    # K = 20 equiprobable symbols, N = 100 samples: true H = log2 20 = 4.32 bits; plug-in bias about -0.14 bit.
    rng = np.random.default_rng(10)
    samples = uniform_trials(rng, 20, 100, 200)
    truth = math.log2(20)
    mean = {m: np.mean([entropy_estimate_from_counts(c, m) for c in samples]) for m in ESTIMATORS}
    se = 0.004  # SE of a 200-trial average here (per-trial std ~0.05 bit), measured
    assert mean["plugin"] - truth == pytest.approx(-(20 - 1) / (2 * 100 * math.log(2)), abs=4 * se + 0.01)
    for method in ("miller-madow", "jackknife", "grassberger"):
        assert abs(mean[method] - truth) < 0.03, method  # < 1/4 of the plug-in bias
    for method in ("chao-shen", "nsb"):
        assert abs(mean[method] - truth) < 0.6 * abs(mean["plugin"] - truth), method


def test_undersampled_source():
    # K = 256 symbols with Dirichlet(1) probabilities, only N = 100 samples: the plug-in is > 1 bit low.
    # Chao-Shen and NSB, which account for unseen symbols, are within 0.35 bit on average.
    rng = np.random.default_rng(11)
    p = rng.dirichlet(np.ones(256))
    truth = -(p * np.log2(p)).sum()
    samples = [rng.multinomial(100, p) for _ in range(60)]
    mean = {m: np.mean([entropy_estimate_from_counts(c, m) for c in samples]) for m in ESTIMATORS}
    assert mean["plugin"] < truth - 1.0
    ordered = ["plugin", "miller-madow", "jackknife", "grassberger"]
    assert all(mean[a] < mean[b] for a, b in zip(ordered, ordered[1:]))  # each correction gets closer
    assert mean["grassberger"] < truth
    for method in ("chao-shen", "nsb"):
        assert abs(mean[method] - truth) < 0.35, (method, mean[method], truth)  # per-trial std ~0.3-0.5 bit


def test_all_converge_on_large_samples():
    rng = np.random.default_rng(12)
    p = rng.dirichlet(np.ones(30))
    truth = -(p * np.log2(p)).sum()
    c = rng.multinomial(200_000, p)
    for method in ESTIMATORS:
        # statistical error of a 2e5 sample: std ~ sqrt(var(log p) / N) ~ 0.002 bit
        assert entropy_estimate_from_counts(c, method) == pytest.approx(truth, abs=0.01), method


# ---------------------------------------------------------------------------------------------
# NSB
# ---------------------------------------------------------------------------------------------

def test_dirichlet_posterior_mean_entropy_by_monte_carlo():
    # E[H | n, beta] (Wolpert & Wolf) against the mean entropy of Dirichlet(n + beta) draws
    rng = np.random.default_rng(13)
    c = np.array([5, 3, 1, 0, 0, 2])
    beta = 0.7
    seen = c[c > 0]
    values, multiplicity = np.unique(seen, return_counts=True)
    formula = float(_dirichlet_posterior_mean_entropy(values.astype(float), multiplicity.astype(float),
                                                      int(np.sum(c == 0)), int(c.sum()), c.size, np.array([beta]))[0])
    draws = rng.dirichlet(c + beta, size=40_000)
    entropies = -np.sum(draws * np.log(draws), axis=1)
    se = entropies.std() / math.sqrt(entropies.size)
    assert formula == pytest.approx(entropies.mean(), abs=5 * se)


def test_nsb_quadrature_against_scipy():
    special = pytest.importorskip("scipy.special")
    integrate = pytest.importorskip("scipy.integrate")
    rng = np.random.default_rng(14)
    K = 40
    c = np.bincount(rng.integers(0, K, 25), minlength=K)
    N = c.sum()

    def log_like(b):
        return (special.gammaln(K * b) - special.gammaln(N + K * b)
                + np.sum(special.gammaln(c + b) - special.gammaln(b)))

    def prior(b):
        return K * special.polygamma(1, K * b + 1) - special.polygamma(1, b + 1)

    def posterior_mean_h(b):
        return special.digamma(N + K * b + 1) - np.sum((c + b) / (N + K * b) * special.digamma(c + b + 1))

    grid = np.linspace(-15, 12, 300)
    peak = grid[np.argmax([log_like(math.exp(t)) + math.log(prior(math.exp(t))) + t for t in grid])]
    top = log_like(math.exp(peak))

    def weight(t):
        b = math.exp(t)
        return math.exp(log_like(b) - top) * prior(b) * b

    norm = integrate.quad(weight, -25, 15, points=[peak], limit=400)[0]
    mean = integrate.quad(lambda t: weight(t) * posterior_mean_h(math.exp(t)), -25, 15, points=[peak], limit=400)[0]
    nsb_mean, nsb_std = nsb_entropy_nats(c)
    assert nsb_mean == pytest.approx(mean / norm, abs=1e-6)
    assert 0 < nsb_std < 1
    assert entropy_estimate_from_counts(c, "nsb", base=math.e) == nsb_mean


def test_counts_beyond_int64_are_refused_not_wrapped():
    # uint64 counts above 2**63 - 1 used to wrap around to negative int64 counts
    for counts in (np.array([2**63 + 5, 1], dtype=np.uint64), np.array([2**62] * 3, dtype=np.int64)):
        with pytest.raises(ValueError, match="int64"):
            entropy_estimate_from_counts(counts, "plugin")
    assert entropy_estimate_from_counts(np.array([3, 1], dtype=np.uint64), "plugin") == pytest.approx(
        entropy_estimate_from_counts([3, 1], "plugin"))


def test_jackknife_is_sound_for_large_samples():
    # N H - (N - 1) mean(H_-j) subtracts two numbers of size N log N: at N ~ 1e14 that cancelled to 0 (and
    # to hundreds of bits at 1e16). The exact value, from Fractions and a high-precision log, is checked.
    from decimal import Decimal, getcontext
    getcontext().prec = 60

    def exact_jackknife(c):
        total = sum(c)

        def h(counts):
            n = sum(counts)
            return sum(Decimal(k) / n * (Decimal(n) / k).ln() for k in counts if k)
        loo = sum(k * h([v - (i == s) for i, v in enumerate(c)]) for s, k in enumerate(c)) / total
        return float(total * h(c) - (total - 1) * loo)

    for scale in (10**3, 10**8, 10**12, 10**14, 10**16):
        c = [10 * scale, 10 * scale, scale, 1]
        got = entropy_estimate_from_counts(c, "jackknife", base=math.e)
        assert got == pytest.approx(exact_jackknife(c), abs=1e-12)



@pytest.mark.parametrize("size", [3.5, "300", True])
def test_nsb_alphabet_size_must_be_an_integer(size):
    with pytest.raises(TypeError, match="alphabet_size"):
        entropy_estimate_from_counts([1, 2, 3], "nsb", alphabet_size=size)


def test_nsb_for_huge_alphabets():
    # lgamma(K beta) - lgamma(N + K beta) cancelled to noise once K beta ~ 1e17 (float spacing 512 at 4e18):
    # at K = 1e9 NSB said 29.9 bits for the sample [1, 2, 3] instead of 2.41. The references are the same
    # integrals in 40-digit arithmetic (mpmath quadrature).
    expected = {10**3: 2.404061365366296, 10**6: 2.4078150839846395, 10**9: 2.4078188591220413,
                10**12: 2.4078188628972015}
    for size, bits in expected.items():
        assert entropy_estimate_from_counts([1, 2, 3], "nsb", alphabet_size=size) == pytest.approx(bits, abs=2e-6)


def test_nsb_astronomical_alphabets():
    assert entropy_estimate_from_counts([1, 2, 3], "nsb", alphabet_size=10**300) == pytest.approx(2.40781886, abs=1e-6)
    with pytest.raises(ValueError, match="alphabet_size"):
        entropy_estimate_from_counts([1, 2, 3], "nsb", alphabet_size=10**400)
