"""Byte counting, entropy, ideal code lengths and context entropy (groups counting, ideal, context and
streaming of run.py, which composes them), plus file_counts on 1 and 2 threads at each size (the
streaming group times it at the largest only, with the peak RSS of the streamed paths).

    python benchmarks/bench_counting.py [--sizes 1,16,256] [--repeats 5] [--corpus DIR] [--clock cpu]

codelength.counts against numpy.bincount, collections.Counter (up to 16 MiB)
and the pure-Python twin; empirical_entropy against NumPy and scipy; context_entropies (H_0..H_3) against
NumPy (up to 16 MiB) and the twin. The twin runs on the first --twin-bytes (default 1 MiB here) and is
reported per byte like the rest. Data and timing as in run.py (common.load_source; interleaved medians,
min–max beside them; ratios "codelength ÷ this" between medians of this one run).
"""
from __future__ import annotations

import collections
import math
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402  (benchmarks/common.py: data, timing, the suite and its tables, shared by every script)
from common import TWIN, Impl  # noqa: E402

common.use_checkout()
import numpy as np  # noqa: E402

import codelength  # noqa: E402
from codelength.reference import counting as ref_counting  # noqa: E402

scipy_stats = None
if common.optional("scipy") is not None:
    import scipy.stats as scipy_stats  # noqa: E402


def numpy_context_entropies(array: np.ndarray, max_order: int = 3) -> list[float]:
    """H_0..H_max_order with NumPy: (k+1)-grams packed into integers, counted by bincount (k <= 1) or
    sorting (numpy.unique); H_k = (sum_ctx C log C - sum_gram c log c) / N."""
    out = []
    for k in range(max_order + 1):
        n = array.size - k
        if n <= 0:
            out.append(0.0)
            continue
        keys = np.zeros(n, dtype=np.uint32)
        for j in range(k + 1):
            keys = (keys << np.uint32(8)) | array[j:j + n]
        if k <= 1:
            grams = np.bincount(keys, minlength=256 ** (k + 1))
            contexts = grams.reshape(-1, 256).sum(axis=1)
        else:
            values, grams = np.unique(keys, return_counts=True)
            _, starts = np.unique(values >> np.uint32(8), return_index=True)  # values are sorted
            contexts = np.add.reduceat(grams, starts)
        grams = grams[grams > 0].astype(float)
        contexts = contexts[contexts > 0].astype(float)
        out.append(float(((contexts * np.log2(contexts)).sum() - (grams * np.log2(grams)).sum()) / n))
    return out


def group_counting(suite: common.Suite, data: bytes, is_slice: bool, source: str) -> None:
    n = len(data)
    array = np.frombuffer(data, dtype=np.uint8)
    got = suite.compare("counting", "byte counts", [
        Impl("codelength.counts", lambda: codelength.counts(data), ours=True),
        Impl("numpy.bincount", lambda: np.bincount(array, minlength=256)),
        Impl("collections.Counter", lambda: collections.Counter(data)) if n <= common.LARGE else None,
        Impl(TWIN, lambda: ref_counting.counts(data), slow=True) if is_slice else None], n, source)
    assert np.array_equal(got["codelength.counts"], got["numpy.bincount"])
    if TWIN in got:
        assert list(got["codelength.counts"]) == got[TWIN]
    if scipy_stats is None:
        suite.skip("scipy.stats.entropy: scipy not installed (pip install scipy)")
    got = suite.compare("counting", "order-0 entropy of data", [
        Impl("codelength.empirical_entropy", lambda: codelength.empirical_entropy(data), ours=True),
        Impl("numpy (bincount + formula)", lambda: common.numpy_entropy(array)),
        Impl("scipy.stats.entropy(numpy.bincount)",
             lambda: float(scipy_stats.entropy(np.bincount(array, minlength=256), base=2)))
        if scipy_stats is not None else None,
        Impl(TWIN, lambda: ref_counting.empirical_entropy(data), slow=True) if is_slice else None], n, source)
    h = got.pop("codelength.empirical_entropy")
    assert all(abs(h - other) < 1e-9 for other in got.values()), got


def group_ideal(suite: common.Suite, data: bytes, is_slice: bool, source: str) -> None:
    n = len(data)
    array = np.frombuffer(data, dtype=np.uint8)
    model = codelength.counts(data)
    model_list = model.tolist()

    def with_numpy():
        with np.errstate(divide="ignore"):
            table = np.log2(model.sum() / model)
        lengths = table[array]
        return lengths, float(lengths.sum())

    got = suite.compare("ideal", "ideal code lengths (order-0 model)", [
        Impl("codelength.ideal_code_lengths", lambda: codelength.ideal_code_lengths(data, model), ours=True),
        Impl("numpy (table[data], sum)", with_numpy),
        Impl(TWIN, lambda: ref_counting.ideal_code_lengths(data, model_list), slow=True) if is_slice else None],
        n, source)
    total = got.pop("codelength.ideal_code_lengths").total_bits
    assert all(math.isclose(total, other[1], rel_tol=1e-9) for other in got.values())


def group_context(suite: common.Suite, data: bytes, is_slice: bool, source: str) -> None:
    n = len(data)
    array = np.frombuffer(data, dtype=np.uint8)
    got = suite.compare("context", "H_0..H_3 (context_entropies)", [
        Impl("codelength.context_entropies", lambda: codelength.context_entropies(data, 3), ours=True),
        Impl("numpy (bincount, unique)", lambda: numpy_context_entropies(array, 3)) if n <= common.LARGE else None,
        Impl(TWIN, lambda: ref_counting.context_entropies(data, 3), slow=True) if is_slice else None], n, source)
    ours = got.pop("codelength.context_entropies")
    assert all(np.allclose(ours, other, atol=1e-9) for other in got.values()), got


def time_file_counts(suite: common.Suite, path: str, n: int, source: str) -> None:
    """file_counts of an ``n``-byte file on 1 and on 2 threads (wall clock: CPU time adds up over threads)."""
    got = suite.compare("streaming", "file_counts (file in page cache)", [
        Impl("codelength.file_counts, 1 thread", lambda: codelength.file_counts(path, threads=1), ours=True),
        Impl("codelength.file_counts, 2 threads", lambda: codelength.file_counts(path, threads=2), ours=True)],
        n, source)
    one, two = got.values()
    assert np.array_equal(one, two)


def group_streaming(suite: common.Suite, data: bytes, source: str) -> None:
    """file_counts on 1 vs 2 threads (timed here), and peak RSS of the streamed paths in fresh processes."""
    n = len(data)
    with tempfile.TemporaryDirectory(dir=suite.args.tmpdir) as tmp:
        path = os.path.join(tmp, "data.bin")
        with open(path, "wb") as handle:
            handle.write(data)
        time_file_counts(suite, path, n, source)
        del data
        children = [
            ("python + numpy + codelength imported (baseline)", "pass"),
            ("file_counts(path), 1 thread", f"codelength.file_counts({path!r}, threads=1)"),
            ("file_counts(path), 2 threads", f"codelength.file_counts({path!r}, threads=2)"),
            ("file_context_entropies(path, max_order=3)", f"codelength.file_context_entropies({path!r}, 3)"),
            ("in memory, for contrast: counts(open(path).read())",
             f"codelength.counts(open({path!r}, 'rb').read())"),
        ]
        baseline = None
        for label, code in children:
            try:
                result = common.peak_rss_child(code)
            except (RuntimeError, OSError) as exc:
                suite.skip(f"peak RSS of {label}: {exc}")
                continue
            if baseline is None:
                baseline = result["peak_rss"]
            row = {"op": label, "file_bytes": n, "seconds": result["seconds"], "peak_rss": result["peak_rss"],
                   "above_baseline": result["peak_rss"] - baseline,
                   "mbps": n / result["seconds"] / 1e6 if code != "pass" and result["seconds"] > 0 else None}
            suite.streaming.append(row)
            suite.log(f"  streaming {label:52} peak RSS {common.fmt_mib(row['peak_rss'])} "
                      f"(+{common.fmt_mib(row['above_baseline'])}) for a {common.fmt_mib(n)} file")


def render_streaming(suite: common.Suite) -> str:
    rows = [[s["op"], common.fmt_mib(s["file_bytes"]), f"{s['seconds']:.3f}", common.fmt_mbps(s["mbps"]), common.fmt_mib(s["peak_rss"]),
             common.fmt_mib(s["above_baseline"])] for s in suite.streaming]
    return common.markdown_table(["fresh process runs", "file", "seconds", "MB/s", "peak RSS", "above baseline"], rows)



def main(argv=None) -> dict:
    parser = common.build_parser(__doc__, sizes="1,16,256", twin_bytes="1M", data="corpus")
    args = common.finish_args(parser, parser.parse_args(argv))
    suite = common.Suite(args)
    for source, is_slice in common.each_size(suite):
        group_counting(suite, source.data, is_slice, source.name)
        group_context(suite, source.data, is_slice, source.name)
        if len(source.data) in args.sizes:
            with tempfile.TemporaryDirectory() as tmp:
                path = os.path.join(tmp, "data.bin")
                with open(path, "wb") as handle:
                    handle.write(source.data)
                time_file_counts(suite, path, len(source.data), source.name)
        del source
    print(common.render_speed(suite.speed))
    if suite.skipped:
        print("\nSkipped: " + "; ".join(suite.skipped))
    return {"speed": suite.speed, "skipped": suite.skipped}


if __name__ == "__main__":
    main()
