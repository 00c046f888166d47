"""Information measures: speed on real bytes, and the small-sample bias of the entropy estimators.

    python benchmarks/bench_measures.py [--size 16] [--repeats 5] [--trials 100] [--corpus DIR]

Speed: conditional entropy and mutual information of consecutive byte pairs (x = data[:-1], y = data[1:]),
the NLL of the data under its own order-0 model, and each entropy estimator on the data's byte counts.
Data: the corpus files concatenated and repeated to --size MiB (skewed random bytes when the corpus is
absent). Figures are medians of --repeats runs.

Bias: the mean error (bits) of each estimator over --trials seeded samples from three sources, the
evidence behind the guidance in codelength.estimators.
"""
from __future__ import annotations

import argparse
import math
import statistics
import time
from pathlib import Path

import numpy as np

import codelength
from codelength.estimators import ESTIMATORS, entropy_estimate_from_counts

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
MiB = 1 << 20


def load_data(size: int, corpus: Path = CORPUS) -> bytes:
    files = sorted(p for p in corpus.glob("*") if p.is_file() and p.name != "README.md") if corpus.is_dir() else []
    if files:
        seed = b"".join(p.read_bytes() for p in files)
    else:
        seed = np.random.default_rng(0).geometric(0.05, size=4 * MiB).clip(0, 255).astype(np.uint8).tobytes()
    return (seed * (size // len(seed) + 1))[:size]


def median_time(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def speed(size_mib: int, repeats: int, corpus: Path) -> None:
    data = np.frombuffer(load_data(size_mib * MiB, corpus), dtype=np.uint8)
    x, y = data[:-1], data[1:]
    model = codelength.counts(data)
    print(f"speed on {size_mib} MiB ({'corpus' if corpus.is_dir() else 'generated'} bytes), median of {repeats}")
    for name, fn in [
        ("joint_entropy(x, y)", lambda: codelength.joint_entropy(x, y)),
        ("conditional_entropy(y, x)", lambda: codelength.conditional_entropy(y, x)),
        ("mutual_information(x, y)", lambda: codelength.mutual_information(x, y)),
        ("nll(data, own counts)", lambda: codelength.nll(data, model)),
    ]:
        t = median_time(fn, repeats)
        print(f"  {name:28s} {t * 1e3:8.1f} ms  {data.size / t / 1e6:8.1f} MB/s")
    print(f"  H(Y|X) = {codelength.conditional_entropy(y, x):.4f}, I(X;Y) = {codelength.mutual_information(x, y):.4f} bits")
    for method in ESTIMATORS:
        t = median_time(lambda: entropy_estimate_from_counts(model, method), repeats)
        print(f"  estimator {method:18s} {t * 1e3:8.3f} ms on 256 counts  -> {entropy_estimate_from_counts(model, method):.5f} bits")


def bias(trials: int) -> None:
    rng = np.random.default_rng(2)
    zipf = 1 / np.arange(1, 1001)
    sources = [("uniform, K=20, N=100", np.full(20, 1 / 20), 100),
               ("Dirichlet(1), K=256, N=200", rng.dirichlet(np.ones(256)), 200),
               ("Zipf(1), K=1000, N=1000", zipf / zipf.sum(), 1000)]
    print(f"\nmean error in bits over {trials} samples (std of one estimate in brackets)")
    print(f"  {'source':28s} {'H':>6s} " + " ".join(f"{m:>14s}" for m in ESTIMATORS))
    for name, p, n in sources:
        truth = -float(np.sum(p[p > 0] * np.log2(p[p > 0])))
        samples = [rng.multinomial(n, p) for _ in range(trials)]
        cells = []
        for method in ESTIMATORS:
            errors = np.array([entropy_estimate_from_counts(c, method) for c in samples]) - truth
            cells.append(f"{errors.mean():+.3f} ({errors.std():.2f})")
        print(f"  {name:28s} {truth:6.2f} " + " ".join(f"{c:>14s}" for c in cells))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=16, help="MiB of data for the speed runs")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--trials", type=int, default=100)
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    args = parser.parse_args()
    speed(args.size, args.repeats, args.corpus)
    bias(args.trials)


if __name__ == "__main__":
    main()
