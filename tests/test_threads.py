"""Threaded stress test: the kernels are declared ``freethreading_compatible``, so calls from many threads
at once must give exactly what the same calls give one after another.

Each test runs a fixed list of jobs (counts, context entropies, compress and decompress with every coder)
serially first, then again from a pool of threads, on shared inputs (every thread reads the same bytes)
and on separate ones, and compares the results bit for bit. The loops release the GIL, so on a normal
build the threads overlap inside the kernels too; on a free-threaded build they run fully in parallel.
A shared :class:`NgramCounter` fed from several threads must count every n-gram once: its lock keeps
its table consistent while one thread grows it and another probes it.
"""
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

import codelength as cl
from codelength.stats import _kernels

THREADS = 6
CODERS = [("huffman", {}), ("range", {}), ("rans", {}), ("adaptive", {"order": 0}),
          ("adaptive", {"order": 2}), ("adaptive", {"order": 3, "mix": True})]


def _inputs(sample_bytes):
    rng = np.random.default_rng(14)
    shared = sample_bytes[:40_000]
    separate = [bytes(rng.integers(0, 1 + 40 * (i + 1), 12_000 + 997 * i, dtype=np.uint8)) for i in range(5)]
    separate.append(sample_bytes[-20_000:])
    arrays = [rng.integers(0, 3000, 10_000).astype(np.int64), rng.integers(0, 7, 30_000).astype(np.uint16)]
    return shared, separate, arrays


def _jobs(sample_bytes):
    """A list of (name, callable) whose results must not depend on what other threads do."""
    shared, separate, arrays = _inputs(sample_bytes)
    jobs = []
    for i, data in enumerate([shared] * 3 + separate):
        jobs.append((f"counts {i}", lambda d=data: cl.counts(d)))
        jobs.append((f"context {i}", lambda d=data: tuple(cl.context_entropies(d, max_order=3))))
        for name, opts in CODERS:
            jobs.append((f"{name} {opts} {i}", lambda d=data, n=name, o=opts: cl.compress(d, coder=n, **o)))
            blob = cl.compress(data, coder=name, **opts)
            jobs.append((f"de-{name} {opts} {i}", lambda b=blob: cl.decompress(b)))
        jobs.append((f"gzip {i}", lambda d=data: cl.compress(d, format="gzip")))
    for i, a in enumerate(arrays):
        jobs.append((f"array counts {i}", lambda a=a: cl.counts(a)))
        for name in ("huffman", "range", "rans"):
            blob = cl.compress(a, coder=name)
            jobs.append((f"array {name} {i}", lambda a=a, n=name: cl.compress(a, coder=n)))
            jobs.append((f"array de-{name} {i}", lambda b=blob: cl.decompress(b)))
    return jobs


def _same(a, b) -> bool:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and a.dtype == b.dtype \
            and np.array_equal(a, b)
    return a == b


def test_threads_give_the_serial_results(sample_bytes):
    jobs = _jobs(sample_bytes)
    serial = [fn() for _, fn in jobs]
    start = threading.Barrier(THREADS)

    def run(k):
        start.wait()                      # every thread starts at once
        # each thread runs every job, starting at a different place, so the same kernel runs in
        # several threads at the same moment on shared and on separate inputs
        order = list(range(k, len(jobs))) + list(range(k))
        return {j: jobs[j][1]() for j in order}

    with ThreadPoolExecutor(THREADS) as pool:
        results = list(pool.map(run, range(THREADS)))
    for k, got in enumerate(results):
        for j, (name, _) in enumerate(jobs):
            assert _same(got[j], serial[j]), f"thread {k}: {name} differs from the serial result"


def test_round_trips_under_threads(sample_bytes):
    """Decompress what other threads compressed at the same moment."""
    _, separate, _ = _inputs(sample_bytes)

    def round_trip(i):
        data = separate[i % len(separate)]
        name, opts = CODERS[i % len(CODERS)]
        return cl.decompress(cl.compress(data, coder=name, **opts)) == data

    with ThreadPoolExecutor(THREADS) as pool:
        assert all(pool.map(round_trip, range(4 * len(CODERS))))


@pytest.mark.parametrize("n", [1, 3, 5])
def test_shared_ngram_counter(n):
    """One NgramCounter updated from many threads: every byte after the first n - 1 ends one n-gram."""
    rng = np.random.default_rng(n)
    # many distinct n-grams, so the hash table (n >= 3) grows while other threads wait to probe it
    pieces = [rng.integers(0, 256, 8_000, dtype=np.uint8).tobytes() for _ in range(40)]
    counter = _kernels.NgramCounter(n)
    with ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(counter.update, pieces))
    keys, counts = counter.result()
    total = sum(map(len, pieces))
    assert int(counts.sum()) == total - (n - 1)
    assert counter.distinct == keys.size
    # the multiset of n-grams inside the pieces does not depend on their order; only those spanning
    # the seams between pieces do (at most n - 1 per seam)
    serial = _kernels.NgramCounter(n)
    for p in pieces:
        serial.update(p)
    skeys, scounts = serial.result()
    a = dict(zip(keys.tolist(), counts.tolist()))
    b = dict(zip(skeys.tolist(), scounts.tolist()))
    differing = sum(abs(a.get(k, 0) - b.get(k, 0)) for k in set(a) | set(b))
    assert differing <= 2 * (n - 1) * (len(pieces) - 1)


def test_pipeline_depth_per_coder():
    """The fast coders keep a block queued beside the ones being coded; the context-model coders hold
    one block less (their blocks take long enough that a thread waiting for the next costs nothing)."""
    from codelength.io.stream import _BlockPipeline
    depth = {}
    for name, options in (("huffman", {}), ("rans", {}), ("range", {}), ("adaptive", {"order": 0}),
                          ("adaptive", {}), ("adaptive", {"order": 3}), ("adaptive", {"order": 0, "mix": True}),
                          ("cm", {})):
        pipe = _BlockPipeline(name, 0, options, 2, cap=1 << 20)
        depth[name, tuple(sorted(options.items()))] = pipe.depth
        pipe.close()
    assert [depth[k] for k in depth] == [2, 2, 2, 2, 1, 1, 1, 1]


@pytest.mark.parametrize("options", [{"order": 2}, {"order": 0}])
def test_model_coder_threads_same_output_with_fewer_blocks_in_flight(options):
    rng = np.random.default_rng(5)
    data = bytes(rng.integers(97, 105, 5 * 4096 + 77, dtype=np.uint8))
    outs = []
    for threads in (1, 2, 3):
        c = cl.Compressor("adaptive", block_size=4096, threads=threads, **options)
        outs.append(b"".join(c.compress(data[i:i + 1000]) for i in range(0, len(data), 1000)) + c.flush())
    assert outs[0] == outs[1] == outs[2]
    assert cl.decompress(outs[0]) == data
