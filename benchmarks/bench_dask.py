"""Scaling of codelength.dask on this machine: a corpus count and order-2 statistics on 1 and 2 workers.

    python benchmarks/bench_dask.py [--size 256M] [--files 16] [--chunk 16M] [--repeats 3]

Writes --files files of the corpus (../shared/corpus concatenated and repeated; generated text-like bytes
without it) totalling --size under a temporary directory, then for 1 and 2 worker processes (one thread
each; a LocalCluster started per setting) times ``codelength.dask.counts`` and
``codelength.dask.context_statistics(max_order=2)`` of the files (wall seconds, median of --repeats; the
cluster is warmed up first: imports, then one untimed counts of a file per worker), checks them against
the single-machine result, and reports the speed-up (last lines: the speed-ups, the per-chunk cost, the
load and the benchmark's own wall time).
Workers' CPU seconds (process time summed over the workers) are given beside the wall times: on a shared
machine the wall times measure the other users too. Also: the cost of one chunk task (CPU seconds of ``chunk_partial`` on one chunk in this process) and the
bytes a chunk's result takes on the wire (its pickle), which is what crosses the network per chunk, and
the peak RSS of the worker processes.
"""
from __future__ import annotations

import argparse
import os
import pickle
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

common.use_checkout()
sys.path.insert(0, str(common.REPO))
import numpy as np  # noqa: E402

import codelength  # noqa: E402
import codelength.dask as cd  # noqa: E402


def _peak_rss_mib() -> float:
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", default="256M")
    parser.add_argument("--files", type=int, default=16)
    parser.add_argument("--chunk", default="16M")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    import distributed
    size, chunk = common.parse_size(args.size), common.parse_size(args.chunk)
    spec = "corpus" if common.corpus_files(common.CORPUS) else "iid"
    data = common.load_source(spec, size).data
    with tempfile.TemporaryDirectory(dir="/tmp") as tmp:
        per_file = size // args.files
        paths = []
        for i in range(args.files):
            path = os.path.join(tmp, f"part{i:03d}.bin")
            with open(path, "wb") as handle:
                handle.write(data[i * per_file:(i + 1) * per_file])
            paths.append(path)
        joined = data[:per_file * args.files]
        expected_counts = codelength.counts(joined)
        t = time.process_time()
        expected_h = codelength.context_entropies(joined, 2)
        single_cpu = time.process_time() - t
        del data

        piece = np.frombuffer(joined[:chunk], np.uint8)
        cost = {}
        for order in (None, 2):   # None: what a task of cd.counts computes (the count vector only)
            t = time.process_time()
            part = cd.chunk_partial(piece, order)
            cost[order] = (time.process_time() - t, len(pickle.dumps(part, protocol=5)))
        print(f"{spec} data, {args.files} files of {common.size_label(per_file)} ({common.size_label(per_file * args.files)}), "
              f"chunks of {common.size_label(chunk)}: {-(-per_file // chunk) * args.files} chunk tasks\n")
        print(f"one chunk task: counts {cost[None][0]:.3f} CPU s, result {cost[None][1]:,} bytes pickled; "
              f"order 2 {cost[2][0]:.3f} CPU s, result {cost[2][1]:,} bytes pickled")
        print(f"single machine, context_entropies(max_order=2) of the whole: {single_cpu:.2f} CPU s\n")
        print("| workers | operation | wall s (median) | MB/s | speed-up vs 1 worker | workers' CPU s (median) |")
        print("|---:|---|---:|---:|---:|---:|")
        results, peak = {}, {}
        for workers in (1, 2):
            with distributed.LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                          dashboard_address=":0", silence_logs=50, memory_limit="2.5GiB") as cluster, \
                    distributed.Client(cluster) as client:
                client.run(lambda: __import__("codelength.dask"))  # warm the workers' imports
                cd.counts(paths[:workers], chunk_size=chunk)   # and the first tasks' (fsspec, the reads): untimed
                for name, fn, check in (
                        ("counts", lambda: cd.counts(paths, chunk_size=chunk),
                         lambda r: np.array_equal(r, expected_counts)),
                        ("context_statistics(max_order=2)", lambda: cd.context_statistics(paths, 2, chunk_size=chunk),
                         lambda r: r.entropies().tolist() == expected_h.tolist())):
                    walls, cpus = [], []
                    for _ in range(args.repeats):
                        before = sum(client.run(time.process_time).values())
                        t = time.perf_counter()
                        result = fn()
                        walls.append(time.perf_counter() - t)
                        cpus.append(sum(client.run(time.process_time).values()) - before)
                        assert check(result), name
                    results[(workers, name)] = (statistics.median(walls), statistics.median(cpus))
                peak[workers] = max(client.run(_peak_rss_mib).values())
        for (workers, name), (wall, cpu) in results.items():
            speedup = results[(1, name)][0] / wall
            print(f"| {workers} | {name} | {wall:.2f} | {len(joined) / wall / 1e6:,.0f} | {speedup:.2f}x | {cpu:.2f} |")
        print("\npeak RSS of a worker process: " + ", ".join(f"{peak[w]:,.0f} MiB with {w} worker(s)" for w in peak)
              + f"; this process (the data, the single-machine run): {_peak_rss_mib():,.0f} MiB")
        print("\nspeed-up of 2 workers over 1 (wall, medians): " + ", ".join(
            f"{name} {results[(1, name)][0] / results[(2, name)][0]:.2f}x" for (w, name) in results if w == 2)
            + f"; per chunk task (one process): counts {cost[None][0]:.3f} CPU s, order 2 {cost[2][0]:.3f} CPU s")
        print(f"\nload average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} logical CPUs; "
              f"the whole benchmark took {time.perf_counter() - started:.0f} s wall")
    return results


if __name__ == "__main__":
    main()
