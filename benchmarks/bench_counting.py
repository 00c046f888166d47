"""Byte counting, entropy and context entropy: run.py's counting and context groups at each size, plus
file_counts on 1 and 2 threads at each size (run.py's streaming group times it at the largest only).

    python benchmarks/bench_counting.py [--sizes 1,16,256] [--repeats 5] [--corpus DIR] [--clock cpu]

From run.py (the same code): codelength.counts against numpy.bincount, collections.Counter (up to 16 MiB)
and the pure-Python twin; empirical_entropy against NumPy and scipy; context_entropies (H_0..H_3) against
NumPy (up to 16 MiB) and the twin. The twin runs on the first --twin-bytes (default 1 MiB here) and is
reported per byte like the rest. Data and timing as in run.py (common.load_source; interleaved medians,
min–max beside them; ratios "codelength ÷ this" between medians of this one run).
"""
from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run  # noqa: E402  (benchmarks/run.py: the suite's groups, timing rows and tables)


def main(argv=None) -> dict:
    parser = run.build_parser(__doc__, suite=False, sizes="1,16,256", twin_bytes="1M", data="corpus")
    args = run.finish_args(parser, parser.parse_args(argv))
    suite = run.Suite(args)
    for source, is_slice in run.each_size(suite):
        run.group_counting(suite, source.data, is_slice, source.name)
        run.group_context(suite, source.data, is_slice, source.name)
        if len(source.data) in args.sizes:
            with tempfile.TemporaryDirectory() as tmp:
                path = os.path.join(tmp, "data.bin")
                with open(path, "wb") as handle:
                    handle.write(source.data)
                run.time_file_counts(suite, path, len(source.data), source.name)
        del source
    print(run.render_speed(suite.speed))
    if suite.skipped:
        print("\nSkipped: " + "; ".join(suite.skipped))
    return {"speed": suite.speed, "skipped": suite.skipped}


if __name__ == "__main__":
    main()
