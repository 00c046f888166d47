"""Integer codes: the Cython kernel (codelength.codes._integer) against its pure-Python twin.

    python benchmarks/bench_integer.py [--values 1000000] [--twin-values 20000] [--repeats 3] [--clock cpu]

For each code, ``--values`` values drawn from a geometric source (P(n) = (1 - t) t^n, t = 0.9; shifted to
n >= 1 for the codes of the positive integers) are encoded and decoded by int_encode / int_decode; the
twin codes the first ``--twin-values`` of them (the outputs are checked bit-identical). Figures: millions
of values per second and MB/s of coded output, medians of ``--repeats`` interleaved calls, process CPU time
by default (the machine is shared). Memory: the values (8 bytes each), the stream and the decoded copy.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

common.use_checkout()

import numpy as np  # noqa: E402

from codelength.codes.integer import INTEGER_CODES, golomb_parameter, int_decode, int_encode  # noqa: E402
from codelength.reference import integer as twin  # noqa: E402

THETA = 0.9


def codes():
    m = golomb_parameter(THETA)
    return [("unary", {}), ("gamma", {}), ("delta", {}), ("omega", {}), ("fibonacci", {}), ("golomb", {"m": m}),
            ("rice", {"k": 3}), ("exp-golomb", {"k": 2})]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--values", type=int, default=1_000_000)
    parser.add_argument("--twin-values", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--clock", choices=("cpu", "wall"), default="cpu")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    rng = np.random.default_rng(args.seed)
    base = rng.geometric(1 - THETA, size=args.values) - 1
    rows = []
    for code, params in codes():
        values = base + INTEGER_CODES[code]
        param = next(iter(params.values()), 0)
        name = code + ("(" + ", ".join(f"{k}={v}" for k, v in params.items()) + ")" if params else "")
        (enc_t, (buf, nbits)), = common.measure_interleaved([lambda: int_encode(values, code, **params)],
                                                          values.size, [args.repeats], [True], args.clock)
        (dec_t, decoded), = common.measure_interleaved([lambda: int_decode(buf, values.size, code, **params)],
                                                      values.size, [args.repeats], [True], args.clock)
        assert np.array_equal(decoded, values)
        small = values[:args.twin_values].tolist()
        (tenc_t, tout), = common.measure_interleaved([lambda: twin.encode(small, code, param)], len(small),
                                                     [1], [False], args.clock)
        (tdec_t, tvals), = common.measure_interleaved([lambda: twin.decode(tout[0], len(small), code, param)],
                                                     len(small), [1], [False], args.clock)
        assert tout == int_encode(small, code, **params) and tvals[0] == small  # bit-identical
        bits_per_value = nbits / values.size
        # Timing.mbps is nbytes / s / 1e6 with nbytes = the number of values: millions of values per second
        enc, dec, tenc, tdec = (t.mbps() for t in (enc_t, dec_t, tenc_t, tdec_t))
        rows.append([name, f"{bits_per_value:.3f}", f"{enc:.1f}", f"{enc * bits_per_value / 8:.1f}", f"{dec:.1f}",
                     f"{dec * bits_per_value / 8:.1f}", f"{tenc:.3f}", f"{tdec:.3f}",
                     common.fmt_ratio(enc / tenc), common.fmt_ratio(dec / tdec)])
    print(f"integer codes, {args.values:,} geometric values (t = {THETA}), twin on {args.twin_values:,}; "
          f"median of {args.repeats}, {args.clock} time")
    print(common.markdown_table(["code", "bits/value", "encode Mvalues/s", "encode MB/s out", "decode Mvalues/s",
                                 "decode MB/s in", "twin enc Mv/s", "twin dec Mv/s", "enc vs twin",
                                 "dec vs twin"], rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
