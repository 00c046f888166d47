"""Benchmark: exact order-k statistics (context_entropies, max_order 7) at scale, and analyze of a big file.

For each size (default 16 MiB, 256 MiB, 1 GiB) a file of generated mixed data (text, binaries, random
bytes, in turns of 1 MiB) is written to a temporary directory, and each measurement runs in a fresh
subprocess, so its CPU seconds and peak RSS are its own:

- ``ours k``: ``context_entropy(data, k)`` (what H_k alone costs), for k = 1..7 up to --per-order-max;
- ``ours all``: ``context_entropies(data, 7)``, every order in one pass (``file_context_entropies`` of the
  file for sizes above --in-memory-max, so that the input is not in memory either);
- ``numpy k``: the NumPy reference, (k+1)-grams packed into uint64 keys (bincount for k <= 1), counted by
  ``np.unique(return_counts=True)``, contexts by a second ``np.unique``; run up to --numpy-max only: at
  256 MiB it needs about 5 GiB (keys, np.unique's sorted copy, its mask and outputs), more than one
  process may take on the shared machine. ``numpy all`` is the sum of its orders.
- ``analyze``: ``codelength analyze FILE`` with all rows (defaults: order 3, 2 threads), wall seconds.

Peak RSS is reported above the process's RSS once the data is loaded (for file-streamed runs: above the
interpreter with codelength imported). CPU seconds are the process's user+system time of the call (with
2 threads a call may use more CPU than wall time). One run per cell: the heavy cells take minutes.

    python benchmarks/bench_context.py                        # the full table (about 15 minutes)
    python benchmarks/bench_context.py --sizes 4M --analyze 0 # a quick look
"""
from __future__ import annotations

import argparse
import json
import math
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "corpus"
BLOCK = 1 << 20


def parse_size(text: str) -> int:
    text = text.strip().upper().rstrip("B").rstrip("I")
    scale = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}.get(text[-1:], 1)
    return int(float(text.rstrip("KMG")) * scale)


def human(n: int) -> str:
    for unit, size in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= size and n % size == 0:
            return f"{n // size} {unit}"
    return f"{n} B"


# ---------------------------------------------------------------- data

def _vocabulary():
    words = []
    for name in ("lcet10.txt", "plrabn12.txt", "alice29.txt"):
        path = CORPUS / name
        if path.exists():
            words += path.read_bytes().split()
    if not words:  # no corpus: a small English-like vocabulary
        words = (b"the of and to a in that is was he for it with as his on be at by had not are but from or "
                 b"have an they which one you were her all she there would their we him been has when who "
                 b"will more no if out so said what up its about into than them can only other new some "
                 b"could time these two may then do first any my now such like our over man me even most").split()
    vocab, freq = np.unique(np.array(words, dtype=object), return_counts=True)
    return vocab, freq / freq.sum()


def write_mixed(path: Path, size: int, seed: int = 0) -> None:
    """Text (corpus words drawn by frequency), binaries (int32 random walks, float64 noisy sines, pieces
    of the corpus PDF and JPEG) and random bytes, in turns of 1 MiB."""
    rng = np.random.default_rng(seed)
    vocab, p = _vocabulary()
    blobs = [(CORPUS / n).read_bytes() for n in ("paper-100k.pdf", "fireworks.jpeg") if (CORPUS / n).exists()]
    written, kind = 0, 0
    with open(path, "wb") as out:
        while written < size:
            if kind == 0:
                words = vocab[rng.choice(vocab.size, size=BLOCK // 4, p=p)].tolist()
                block = b" ".join(words)[:BLOCK]
            elif kind == 1:
                walk = np.cumsum(rng.integers(-300, 301, BLOCK // 16)).astype("<i4").tobytes()
                t = np.arange(BLOCK // 32) + rng.integers(0, 1 << 20)
                sine = (np.sin(t / 40.0) * 1e4 + rng.normal(0, 3, t.size)).round(2).astype("<f8").tobytes()
                block = walk + sine
                if blobs:
                    blob = blobs[int(rng.integers(len(blobs)))]
                    start = int(rng.integers(0, max(1, len(blob) - BLOCK // 4)))
                    block += blob[start:start + BLOCK // 4]
                block = (block * 2)[:BLOCK]
            else:
                block = rng.integers(0, 256, BLOCK, dtype=np.uint8).tobytes()
            block = block[:size - written]
            out.write(block)
            written += len(block)
            kind = (kind + 1) % 3


# ---------------------------------------------------------------- the NumPy reference

def numpy_context_entropy(data: np.ndarray, k: int) -> float:
    """H_k in bits: (k+1)-grams packed into uint64 keys, counted with np.unique (bincount for k <= 1)."""
    n = k + 1
    m = data.size - k
    if m <= 0:
        return 0.0
    if n <= 2:
        keys = data[k:].astype(np.int64)
        if n == 2:
            keys |= data[:m].astype(np.int64) << 8
        counts = np.bincount(keys, minlength=256 ** n)
        grams = counts.reshape(-1, 256)
        ctx = grams.sum(axis=1)
        nz = grams > 0
        c = grams[nz]
        C = np.broadcast_to(ctx[:, None], grams.shape)[nz]
        return float(np.sum(c * np.log2(C / c)) / m)
    keys = np.zeros(m, dtype=np.uint64)
    for i in range(n):
        keys <<= np.uint64(8)
        keys |= data[i:i + m]
    ukeys, counts = np.unique(keys, return_counts=True)
    del keys
    ctx_keys, start = np.unique(ukeys >> np.uint64(8), return_index=True)
    ctx_counts = np.add.reduceat(counts, start)
    C = np.repeat(ctx_counts, np.diff(np.append(start, ukeys.size)))
    return float(np.sum(counts * np.log2(C / counts)) / m)


# ---------------------------------------------------------------- one measurement (subprocess)

def worker(kind: str, path: str, order: int, memory: int | None) -> dict:
    import codelength
    streamed = kind == "ours-file"
    data = None if streamed else np.fromfile(path, dtype=np.uint8)
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kw = {} if memory is None else {"memory": memory}
    t0, c0 = time.perf_counter(), time.process_time()
    if kind == "ours":
        result = [float(codelength.context_entropy(data, order, **kw))]
    elif kind == "ours-all":
        result = codelength.context_entropies(data, order, **kw).tolist()
    elif kind == "ours-file":
        result = codelength.file_context_entropies(path, order, **kw).tolist()
    elif kind == "numpy":
        result = [numpy_context_entropy(data, order)]
    else:
        raise ValueError(kind)
    cpu, wall = time.process_time() - c0, time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"cpu_s": cpu, "wall_s": wall, "peak_rss_mib": (peak - base) / 1024.0, "result": result}


def measure(kind: str, path: Path, order: int, memory: int | None = None) -> dict:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])))
    command = [sys.executable, __file__, "--worker", kind, str(path), str(order)]
    if memory is not None:
        command.append(str(memory))
    proc = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"{kind} {order} failed: {proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def measure_analyze(path: Path) -> dict:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])))
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "codelength", "analyze", "--json", "-q", str(path)],
                          capture_output=True, text=True, env=env, check=False)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr[-2000:])
    report = json.loads(proc.stdout)
    return {"wall_s": wall, "cpu_s": (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime),
            "peak_rss_mib": after.ru_maxrss / 1024.0, "report": report}


# ---------------------------------------------------------------- the table

def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="16M,256M,1G")
    parser.add_argument("--per-order-max", default="256M", help="largest size timed order by order")
    parser.add_argument("--numpy-max", default="64M", help="largest size the NumPy reference runs on")
    parser.add_argument("--in-memory-max", default="256M",
                        help="above it, 'ours all' streams the file (file_context_entropies)")
    parser.add_argument("--analyze", default="1G", help="size of the file analyze runs on (0: none)")
    parser.add_argument("--max-order", type=int, default=7)
    parser.add_argument("--out", default=None, help="directory for results.json")
    parser.add_argument("--tmp", default=None, help="where the data files go (deleted at the end)")
    parser.add_argument("--worker", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        kind, path, order = args.worker[0], args.worker[1], int(args.worker[2])
        memory = int(args.worker[3]) if len(args.worker) > 3 else None
        print(json.dumps(worker(kind, path, order, memory)))
        return 0

    sizes = [parse_size(s) for s in args.sizes.split(",") if s]
    per_order_max, numpy_max = parse_size(args.per_order_max), parse_size(args.numpy_max)
    in_memory_max, analyze_size = parse_size(args.in_memory_max), parse_size(args.analyze)
    top = args.max_order
    rows, results = [], {"sizes": [], "analyze": None}
    with tempfile.TemporaryDirectory(prefix="codelength-bench-", dir=args.tmp) as tmp:
        for size in sizes:
            path = Path(tmp) / f"mixed-{size}.bin"
            write_mixed(path, size)
            entry = {"bytes": size, "cells": []}
            ours_all = measure("ours-all" if size <= in_memory_max else "ours-file", path, top)
            numpy_orders = []
            for k in range(1, top + 1):
                ours = measure("ours", path, k) if size <= per_order_max else None
                ref = measure("numpy", path, k) if size <= numpy_max else None
                if ours is not None and abs(ours["result"][0] - ours_all["result"][k]) > 1e-9:
                    raise AssertionError(f"H{k} differs between one order and all orders")
                if ref is not None:
                    numpy_orders.append(ref)
                    if abs(ref["result"][0] - ours_all["result"][k]) > 1e-9:
                        raise AssertionError(f"H{k} differs from the NumPy reference")
                entry["cells"].append({"order": k, "ours": ours, "numpy": ref})
                rows.append((human(size), f"H{k}", ours, ref))
            numpy_all = None
            if len(numpy_orders) == top:
                numpy_all = {"cpu_s": sum(r["cpu_s"] for r in numpy_orders),
                             "peak_rss_mib": max(r["peak_rss_mib"] for r in numpy_orders)}
            rows.append((human(size), f"H1..H{top} together", ours_all, numpy_all))
            entry["all"] = {"ours": ours_all, "numpy": numpy_all, "entropies": ours_all["result"]}
            results["sizes"].append(entry)
            path.unlink()
        if analyze_size:
            path = Path(tmp) / "mixed-analyze.bin"
            write_mixed(path, analyze_size, seed=1)
            results["analyze"] = measure_analyze(path)
            results["analyze"]["bytes"] = analyze_size
            path.unlink()

    print(f"| size | statistic | codelength CPU s | MB/s | peak RSS MiB | NumPy CPU s | NumPy peak MiB | "
          "codelength ÷ NumPy |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for size, what, ours, ref in rows:
        nbytes = parse_size(size.replace(" ", "").replace("iB", ""))
        o = "-" if ours is None else f"{ours['cpu_s']:.2f}"
        mbps = "-" if ours is None else f"{nbytes / 1e6 / max(ours['cpu_s'], 1e-9):.1f}"
        orss = "-" if ours is None else f"{ours['peak_rss_mib']:.0f}"
        r = "skipped" if ref is None else f"{ref['cpu_s']:.2f}"
        rrss = "-" if ref is None else f"{ref['peak_rss_mib']:.0f}"
        ratio = "-" if ours is None or ref is None else f"{ref['cpu_s'] / max(ours['cpu_s'], 1e-9):.1f}x"
        print(f"| {size} | {what} | {o} | {mbps} | {orss} | {r} | {rrss} | {ratio} |")
    if results["analyze"]:
        a = results["analyze"]
        rows_ = ", ".join(f"{c['name']}{' (sampled)' if c.get('sampled') else ''}" for c in a["report"]["coders"])
        print(f"\nanalyze of {human(a['bytes'])} of mixed data, all rows ({rows_}): {a['wall_s']:.0f} s wall, "
              f"{a['cpu_s']:.0f} s CPU, peak RSS {a['peak_rss_mib']:.0f} MiB")
    if args.out:
        os.makedirs(args.out, exist_ok=True)
        Path(args.out, "bench_context.json").write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
