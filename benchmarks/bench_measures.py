"""Information measures: speed on real bytes, and the small-sample bias of the entropy estimators.

    python benchmarks/bench_measures.py [--size 16] [--repeats 5] [--trials 100] [--corpus DIR] [--clock cpu]

Speed: joint and conditional entropy and mutual information of consecutive byte pairs (x = data[:-1],
y = data[1:]), the NLL of the data under its own order-0 model (MB/s of the data, timed as in run.py:
medians of --repeats calls, min–max), and each entropy estimator on the data's 256 byte counts (ms).
Data: ``--size`` (alias ``--sizes``; MiB by default, K/M suffixes allowed) of ``--data`` (default the corpus
files concatenated and repeated; common.load_source).

Bias: the mean error (bits) of each estimator over --trials seeded samples from three sources, the
evidence behind the guidance in codelength.estimators.
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402  (benchmarks/common.py: data, timing and output shared by the benchmark scripts)
from common import Impl  # noqa: E402

common.use_checkout()

import numpy as np  # noqa: E402

import codelength  # noqa: E402
from codelength.measures.estimators import ESTIMATORS, entropy_estimate_from_counts  # noqa: E402


def group_measures(suite: common.Suite, data: bytes, source: str) -> str:
    """Time the pair measures and the NLL on the data, and the estimators on its counts; their values."""
    array = np.frombuffer(data, dtype=np.uint8)
    x, y = array[:-1], array[1:]
    model = codelength.counts(array)
    n = array.size
    for op, fn in (("joint_entropy(x, y)", lambda: codelength.joint_entropy(x, y)),
                   ("conditional_entropy(y, x)", lambda: codelength.conditional_entropy(y, x)),
                   ("mutual_information(x, y)", lambda: codelength.mutual_information(x, y)),
                   ("nll(data, own counts)", lambda: codelength.nll(array, model))):
        suite.compare("measures", op, [Impl("codelength", fn, ours=True)], n, source)
    lines = [f"{common.size_label(n)}: H(Y|X) = {codelength.conditional_entropy(y, x):.4f}, "
             f"I(X;Y) = {codelength.mutual_information(x, y):.4f} bits", ""]
    rows = []
    for method in ESTIMATORS:
        timing, value = common.measure(lambda method=method: entropy_estimate_from_counts(model, method), 0,
                                       suite.args.repeats)
        rows.append([method, f"{timing.median * 1e3:.3f}", f"{value:.5f}"])
    lines.append(common.markdown_table(["estimator", "ms on 256 counts (median)", "estimate (bits)"], rows))
    return "\n".join(lines)


def bias(trials: int) -> str:
    """Mean error (and the std of one estimate) of each estimator on seeded multinomial samples."""
    rng = np.random.default_rng(2)
    zipf = 1 / np.arange(1, 1001)
    sources = [("uniform, K=20, N=100", np.full(20, 1 / 20), 100),
               ("Dirichlet(1), K=256, N=200", rng.dirichlet(np.ones(256)), 200),
               ("Zipf(1), K=1000, N=1000", zipf / zipf.sum(), 1000)]
    rows = []
    for name, p, n in sources:
        truth = common.entropy_bits(p)
        samples = [rng.multinomial(n, p) for _ in range(trials)]
        cells = []
        for method in ESTIMATORS:
            errors = np.array([entropy_estimate_from_counts(c, method) for c in samples]) - truth
            cells.append(f"{errors.mean():+.3f} ({errors.std():.2f})")
        rows.append([name, f"{truth:.2f}", *cells])
    return (f"Mean error in bits over {trials} samples (std of one estimate in brackets):\n\n"
            + common.markdown_table(["source", "H", *ESTIMATORS], rows))


def main(argv=None) -> None:
    parser = common.build_parser(__doc__, sizes="16", data="corpus")
    parser.add_argument("--size", dest="sizes", help="alias of --sizes")
    parser.add_argument("--trials", type=int, default=100, help="samples per source for the bias table")
    args = common.finish_args(parser, parser.parse_args(argv))
    suite = common.Suite(args)
    values = [group_measures(suite, source.data, source.name)
              for source, _ in common.each_size(suite, with_slice=False)]
    print(common.render_speed(suite.speed))
    for text in values:
        print()
        print(text)
    print()
    print(bias(args.trials))


if __name__ == "__main__":
    main()
