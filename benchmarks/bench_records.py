"""record_stats on many 1 KiB records against a Python loop over codelength.compress / entropy / zlib.

    python benchmarks/bench_records.py [--records 100000] [--loop-records 5000] [--repeats 5]

Records are consecutive 1 KiB slices of the corpus (../shared/corpus, repeated as needed; generated
text-like bytes without it), held as a pyarrow binary array (the kernel reads its buffers in place) and as
a list of bytes. Rows: record_stats with every column (zlib at the default level 6), the same at level 9
(as analyze), without zlib, order 0 only, order 0 and zlib (the kernel's C loop of deflateReset + deflate
per record, h0 beside it), on 2 threads; zlib alone (a Python loop over ``zlib.compress``,
the floor of any zlib column); and the Python loop computing the same columns per record with the
library's public one-record functions (``len(compress(r, "huffman"))``, ``entropy(counts(r))``,
``len(zlib.compress(r, 6))``). CPU seconds, medians of --repeats interleaved runs; records/s per core and
the ratio kernel ÷ loop from this one run.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import zlib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

common.use_checkout()
sys.path.insert(0, str(common.REPO))
import codelength  # noqa: E402
from codelength.stats.records import DEFAULT_ZLIB_LEVEL, record_stats  # noqa: E402


def python_loop(records, zlib_level=DEFAULT_ZLIB_LEVEL):
    out = []
    for r in records:
        h0 = codelength.entropy(codelength.counts(r))
        out.append((len(r), h0, h0 * len(r), len(codelength.compress(r, "huffman")),
                    len(zlib.compress(r, zlib_level)) if zlib_level is not None else None))
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--loop-records", type=int, default=5_000)
    parser.add_argument("--record-size", type=int, default=1024)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    import pyarrow as pa
    size = args.records * args.record_size
    data = common.load_source("corpus", size).data if common.corpus_files(common.CORPUS) else \
        common.load_source("iid", size).data
    records = [bytes(data[i:i + args.record_size]) for i in range(0, size, args.record_size)]
    column = pa.array(records, type=pa.binary())
    few = records[:args.loop_records]
    rows = [
        ("record_stats, all columns (arrow)", len(records), lambda: record_stats(column)),
        ("record_stats, all columns (list of bytes)", len(records), lambda: record_stats(records)),
        ("record_stats, all columns, zlib level 9", len(records), lambda: record_stats(column, zlib_level=9)),
        ("record_stats, zlib_level=None", len(records), lambda: record_stats(column, zlib_level=None)),
        ("record_stats, h0 only", len(records), lambda: record_stats(column, zlib_level=None, huffman=False)),
        ("record_stats, h0 + zlib (huffman=False): the C loop of deflateReset + deflate", len(records),
         lambda: record_stats(column, huffman=False)),
        ("record_stats, all columns, threads=2", len(records), lambda: record_stats(column, threads=2)),
        ("Python loop: compress + entropy + zlib", len(few), lambda: python_loop(few)),
        ("Python loop: compress + entropy", len(few), lambda: python_loop(few, None)),
        ("Python loop: zlib.compress alone (level 6)", len(records), lambda: [len(zlib.compress(r, 6)) for r in records]),
    ]
    timings = common.measure_interleaved([fn for _, _, fn in rows], size, [args.repeats] * len(rows),
                                         [True] * len(rows), clock="cpu")
    # the two computations agree on the loop's records
    check = record_stats(few)
    assert [tuple(x) for x in zip(check.length.tolist(), check.h0.tolist(), check.ideal_bits.tolist(),
                                  check.huffman_bytes.tolist(), check.zlib_bytes.tolist())] == \
        [tuple(x) for x in python_loop(few)]
    print(f"{len(records):,} records of {args.record_size} bytes; CPU seconds, median of {args.repeats}\n")
    print(f"| implementation | records timed | CPU s (median) | wall s (median) | records/s per core |")
    print("|---|---:|---:|---:|---:|")
    rate = {}
    for (name, n, _), (timing, _) in zip(rows, timings):
        cpu = statistics.median(timing.cpu)
        wall = statistics.median(timing.wall)
        rate[name] = n / cpu
        print(f"| {name} | {n:,} | {cpu:.4f} | {wall:.4f} | {n / cpu:,.0f} |")
    print()
    name = {key: row[0] for key, row in zip(("all", "list", "level9", "nozlib", "h0", "zlib", "threads",
                                               "loop", "loop_nozlib", "zlib_py"), rows)}
    print(f"all columns: kernel / loop = {rate[name['all']] / rate[name['loop']]:.1f}x; "
          f"without zlib: {rate[name['nozlib']] / rate[name['loop_nozlib']]:.1f}x")
    print(f"the zlib floor: zlib.compress alone {1e6 / rate[name['zlib_py']]:.1f} us a record, the kernel's "
          f"deflate loop (with h0) {1e6 / rate[name['zlib']]:.1f} us; all columns {1e6 / rate[name['all']]:.1f} us "
          f"(= {rate[name['zlib_py']] / rate[name['all']]:.2f}x the time of zlib.compress alone); without zlib "
          f"{1e6 / rate[name['nozlib']]:.2f} us")
    import os
    import resource
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MiB (the records held "
          f"three times: source, list, Arrow column: {3 * size / 2**20:,.0f} MiB); "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} logical CPUs")
    return rate


if __name__ == "__main__":
    main()
