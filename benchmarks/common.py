"""Shared helpers of the benchmark scripts: data, timing, machine, peak memory, Markdown/JSON/plot output.

Data
    :func:`load_source` gives ``size`` bytes of a *source*: ``"corpus"`` (the files of ../shared/corpus
    concatenated and repeated up to the size), a directory or a file path (the same, with those files), or
    a generated source of known entropy (:data:`GENERATED`): ``iid`` (i.i.d. bytes with the byte
    frequencies of alice29.txt), ``geometric`` (i.i.d., p(k) proportional to 0.9**k), ``uniform``
    (8 bits per byte) and ``blocks`` (64 KiB blocks alternating between the ``iid`` and ``geometric``
    distributions: an order-0 coder that adapts per block can reach the mean of the two entropies, a
    static one pays the entropy of the mixture).
Timing
    :func:`measure` runs a callable ``repeats`` times (after one untimed warm-up for small inputs) with the
    garbage collector off, and keeps every wall and CPU time; :func:`mbps` and friends turn them into
    MB/s (10**6 bytes per second) of the input bytes. A call faster than ``--min-time`` (20 ms) is
    repeated back to back within each sample, as timeit and lzbench do, and timed per call: a 100 us
    call timed alone, between its interleaved neighbours, measures the caches they left behind (one
    152 KB Huffman decode: 1.2 GB/s timed alone, 2.0 GB/s in a loop, where huff0's own benchmark loops too).
Suite
    :class:`Suite` collects the rows of one run; :meth:`Suite.compare` times the implementations
    (:class:`Impl`) of one operation interleaved; :func:`build_parser`, :func:`finish_args` and
    :func:`each_size` are the command line and the sizes every script shares; :func:`render_speed` the
    speed table. Each ``bench_<area>.py`` holds its area's groups and runs alone; ``run.py`` composes them.
Pipes
    :func:`hash_through` feeds a process while hashing what another gives back (the streaming round
    trips of ``bench_streams.py`` and ``tests/test_stream_cli.py``).
Memory
    :func:`peak_rss_child` runs a snippet in a fresh interpreter and reads its peak resident set size
    (VmHWM of /proc/self/status; ``ru_maxrss`` elsewhere), so the parent's memory never pollutes it.
"""
from __future__ import annotations

import argparse
import datetime
import gc
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "corpus"
KiB = 1 << 10
MiB = 1 << 20
BLOCK = 64 * KiB  # block length of the "blocks" source


def use_checkout() -> None:
    """Import codelength from this checkout when its kernels are built there (else whatever is installed)."""
    if any((REPO / "codelength").glob("_kernels*.so")) or any((REPO / "codelength").glob("_kernels*.pyd")):
        if str(REPO) not in sys.path:
            sys.path.insert(0, str(REPO))


# ----------------------------------------------------------------------------------------------- pipes
def hash_through(pieces, sink, source, block: int = MiB, relay=None) -> dict:
    """Write ``pieces`` (an iterable of bytes) to ``sink`` from a thread, hashing them, while reading
    ``source`` to its end here, hashing what comes out; ``sink`` is closed after the last piece.

    ``relay``: optional ``(src, dst)`` file objects (a pipe between two processes) copied block by
    block by a second thread, counting the bytes (then ``dst`` is closed). Returns ``bytes_in``,
    ``sha_in``, ``bytes_out``, ``sha_out`` (SHA-256 digests), ``relayed`` and ``same`` (sizes and digests
    equal). Nothing is held beyond one piece and one block.
    """
    import hashlib
    import threading
    h_in, h_out = hashlib.sha256(), hashlib.sha256()
    counts = {"bytes_in": 0, "relayed": 0}

    def feed():
        try:
            for piece in pieces:
                h_in.update(piece)
                sink.write(piece)
                counts["bytes_in"] += len(piece)
        finally:
            sink.close()

    def copy():
        src, dst = relay
        try:
            while True:
                chunk = src.read(block)
                if not chunk:
                    break
                counts["relayed"] += len(chunk)
                dst.write(chunk)
        finally:
            dst.close()

    workers = [threading.Thread(target=feed)] + ([threading.Thread(target=copy)] if relay else [])
    for worker in workers:
        worker.start()
    n = 0
    while True:
        chunk = source.read(block)
        if not chunk:
            break
        h_out.update(chunk)
        n += len(chunk)
    for worker in workers:
        worker.join()
    return dict(bytes_in=counts["bytes_in"], sha_in=h_in.digest(), bytes_out=n, sha_out=h_out.digest(),
                relayed=counts["relayed"], same=n == counts["bytes_in"] and h_in.digest() == h_out.digest())


# ----------------------------------------------------------------------------------------------- data
def parse_size(text: str) -> int:
    """``"16"`` or ``"16M"`` -> 16 MiB, ``"64K"`` -> 64 KiB, ``"1G"`` -> 1 GiB (bytes)."""
    text = text.strip().upper().removesuffix("IB").removesuffix("B")
    unit = {"K": KiB, "M": MiB, "G": 1 << 30}.get(text[-1:], None)
    number = float(text[:-1] if unit else text)
    return int(number * (unit or MiB))


def size_label(n: int) -> str:
    """1048576 -> "1 MiB", 65536 -> "64 KiB", other sizes in bytes."""
    for unit, name in ((1 << 30, "GiB"), (MiB, "MiB"), (KiB, "KiB")):
        if n >= unit and n % unit == 0:
            return f"{n // unit} {name}"
    return f"{n} B"


def corpus_files(directory: Path) -> list[Path]:
    """The data files of a corpus directory (sorted; README files left out)."""
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.iterdir() if p.is_file() and not p.name.upper().startswith("README"))


def _alice_distribution(corpus: Path = CORPUS) -> np.ndarray:
    path = corpus / "alice29.txt"
    if path.is_file():
        c = np.bincount(np.frombuffer(path.read_bytes(), np.uint8), minlength=256).astype(float)
    else:  # without the corpus: a text-like skew (a geometric distribution over 96 symbols)
        c = np.zeros(256)
        c[32:128] = 0.93 ** np.arange(96)
    return c / c.sum()


def _geometric_distribution() -> np.ndarray:
    w = 0.9 ** np.arange(256)
    return w / w.sum()


def entropy_bits(p: np.ndarray) -> float:
    """H(p) = -sum p log2 p of a probability vector (0 log 0 = 0)."""
    p = np.asarray(p, dtype=float)
    p = p[p > 0]
    return float(-(p * np.log2(p)).sum())


def _draw(p: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """n i.i.d. bytes with probabilities p (inverse CDF of uniform doubles, in pieces to bound memory)."""
    cdf = np.cumsum(p)
    cdf /= cdf[-1]
    out = np.empty(n, dtype=np.uint8)
    step = 16 * MiB
    for lo in range(0, n, step):
        hi = min(n, lo + step)
        out[lo:hi] = np.minimum(np.searchsorted(cdf, rng.random(hi - lo), side="right"), 255)
    return out


@dataclass
class Source:
    """Bytes to benchmark on, and what is known about them."""

    name: str
    data: bytes
    description: str
    known_entropy: float | None = None   # bits/byte of the generating process, when it is known
    natural_size: int | None = None      # bytes before repetition (files), None for generated data
    extra: dict = field(default_factory=dict)

    @property
    def array(self) -> np.ndarray:
        return np.frombuffer(self.data, dtype=np.uint8)


def _generate(name: str, n: int, corpus: Path) -> Source:
    rng = np.random.default_rng(2026)
    if name == "uniform":
        return Source(name, rng.integers(0, 256, n, dtype=np.uint8).tobytes(), "i.i.d. uniform bytes", 8.0)
    if name == "iid":
        p = _alice_distribution(corpus)
        return Source(name, _draw(p, n, rng).tobytes(), "i.i.d. bytes with the byte frequencies of alice29.txt",
                      entropy_bits(p))
    if name == "geometric":
        p = _geometric_distribution()
        return Source(name, _draw(p, n, rng).tobytes(), "i.i.d. bytes, p(k) proportional to 0.9**k",
                      entropy_bits(p))
    if name == "blocks":
        p, q = _alice_distribution(corpus), _geometric_distribution()
        out = np.empty(n, dtype=np.uint8)
        starts = range(0, n, BLOCK)
        for i, lo in enumerate(starts):
            hi = min(n, lo + BLOCK)
            out[lo:hi] = _draw(p if i % 2 == 0 else q, hi - lo, rng)
        hp, hq = entropy_bits(p), entropy_bits(q)
        return Source(name, out.tobytes(), "64 KiB blocks alternating between the iid and geometric sources",
                      (hp + hq) / 2, extra={"block_entropies": [hp, hq]})
    raise ValueError(f"unknown generated source {name!r}; choose one of {', '.join(GENERATED)}")


#: Generated sources of known entropy (the entropy rate of the process, bits/byte).
GENERATED = ("iid", "geometric", "uniform", "blocks")


def repeat_to(seed: bytes, size: int) -> bytes:
    """``seed`` repeated (and cut) to exactly ``size`` bytes."""
    return seed if len(seed) == size else (seed * (size // len(seed) + 1))[:size]


def load_source(spec: str, size: int, corpus: Path = CORPUS) -> Source:
    """``size`` bytes of a source: "corpus", a directory, a file, or a name in :data:`GENERATED`."""
    if spec in GENERATED:
        return _generate(spec, size, corpus)
    if spec == "corpus":
        files, label = corpus_files(corpus), "corpus"
        if not files:  # no corpus on this machine: fall back to generated data, and say so
            source = _generate("iid", size, corpus)
            source.name, source.description = "corpus", f"corpus absent ({corpus}): " + source.description
            return source
    else:
        path = Path(spec)
        files = corpus_files(path) if path.is_dir() else [path] if path.is_file() else []
        if not files:
            raise FileNotFoundError(f"data source {spec!r} is neither a generated source, a file nor a directory "
                                    "with files")
        label = path.name
    seed = b"".join(p.read_bytes() for p in files)
    if not seed:
        raise ValueError(f"data source {spec!r} is empty")
    data = repeat_to(seed, size)
    names = ", ".join(p.name for p in files)
    return Source(label, data, f"{names} ({len(seed):,} bytes) concatenated" + (", repeated" if size > len(seed)
                                                                                 else ""),
                  natural_size=len(seed))


# --------------------------------------------------------------------------------------------- timing
@dataclass
class Timing:
    """Wall and CPU seconds of each timed call, and the bytes each call processed.

    ``clock`` picks the seconds the MB/s figures use: "wall" (what a user waits) or "cpu" (process CPU time:
    steadier on a shared machine, where other processes take turns on the cores; wrong for multi-threaded
    calls, whose CPU time adds up over threads).
    """

    nbytes: int
    wall: list[float]
    cpu: list[float]
    warmup: float | None = None
    clock: str = "wall"
    loops: int = 1          # back-to-back calls per sample; wall and cpu hold seconds per call

    @property
    def seconds(self) -> list[float]:
        return self.cpu if self.clock == "cpu" else self.wall

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    def mbps(self, which: str = "median") -> float:
        """Throughput in MB/s (10**6 bytes/s) of the median (or "min"/"max" *throughput*) call."""
        seconds = {"median": self.median, "min": max(self.seconds), "max": min(self.seconds)}[which]
        return self.nbytes / seconds / 1e6 if seconds > 0 else math.inf

    def as_dict(self) -> dict:
        def rate(values):
            median = statistics.median(values)
            return self.nbytes / median / 1e6 if median > 0 else None
        return {"bytes": self.nbytes, "clock": self.clock, "wall_s": self.wall, "cpu_s": self.cpu,
                "warmup_s": self.warmup, "median_s": self.median, "min_s": min(self.seconds),
                "max_s": max(self.seconds), "loops": self.loops, "mbps": self.mbps(), "mbps_min": self.mbps("min"),
                "mbps_max": self.mbps("max"), "wall_mbps": rate(self.wall), "cpu_mbps": rate(self.cpu)}


def measure(fn, nbytes: int, repeats: int, warmup: bool = True):
    """Call ``fn`` ``repeats`` times (plus one untimed warm-up when ``warmup``), GC off while timing.

    Returns ``(Timing, result of the last call)``.
    """
    return measure_interleaved([fn], nbytes, [max(1, int(repeats))], [warmup])[0]


#: Shortest timed sample, seconds (``--min-time``): a callable whose warm-up call took less is called
#: back to back within each sample, as timeit and lzbench do, so that a 100 us call is timed at its
#: steady speed rather than with the caches its interleaved neighbours left behind; 0 times single calls.
MIN_TIME = 0.0


def _loops(seconds: float | None, min_time: float) -> int:
    if not min_time or not seconds or seconds >= min_time:
        return 1
    return min(10_000, math.ceil(min_time / max(seconds, 1e-7)))


def measure_interleaved(fns, nbytes: int, repeats, warmup, clock: str = "wall", min_time: float | None = None):
    """Time several callables round-robin (A, B, C, A, B, C, ...), so that they share the machine's noise.

    ``repeats`` and ``warmup`` are one value per callable (a callable with fewer repeats drops out of the
    later rounds). A callable with a warm-up call faster than ``min_time`` (default :data:`MIN_TIME`) is
    called that many times back to back per sample, and its figures are seconds per call.
    Returns a list of ``(Timing, result of the last call)`` in the order of ``fns``.
    """
    results = [None] * len(fns)
    warm = [None] * len(fns)
    min_time = MIN_TIME if min_time is None else min_time
    for i, fn in enumerate(fns):
        if warmup[i]:
            start = time.perf_counter()
            results[i] = fn()
            warm[i] = time.perf_counter() - start
    loops = [_loops(warm[i], min_time) for i in range(len(fns))]
    wall = [[] for _ in fns]
    cpu = [[] for _ in fns]
    enabled = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        for round_ in range(max(repeats)):
            for i, fn in enumerate(fns):
                if round_ < repeats[i]:
                    k = loops[i]
                    w, c = time.perf_counter(), time.process_time()
                    for _ in range(k):
                        results[i] = fn()
                    cpu[i].append((time.process_time() - c) / k)
                    wall[i].append((time.perf_counter() - w) / k)
    finally:
        if enabled:
            gc.enable()
    return [(Timing(nbytes, wall[i], cpu[i], warm[i], clock, loops[i]), results[i]) for i in range(len(fns))]


# ------------------------------------------------------------------------- entropy and peer coders
def numpy_entropy(array: np.ndarray) -> float:
    """Order-0 entropy H0 = -sum p log2 p of a byte array with NumPy (bincount + formula), the NumPy peer."""
    c = np.bincount(array, minlength=256)
    p = c[c > 0] / array.size
    return float(-(p * np.log2(p)).sum())


def zlib_huffman_only(data: bytes) -> bytes:
    """zlib's Huffman-only raw DEFLATE stream (level 9, memLevel 9: blocks of 32767 literals).

    The one "zlib Huffman-only" peer of every benchmark script (inflate it with ``zlib.decompress(s, -15)``).
    """
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15, 9, zlib.Z_HUFFMAN_ONLY)
    return compressor.compress(data) + compressor.flush()


def entropy_of_blocks(array: np.ndarray, lengths) -> float:
    """Mean bits per byte of the blocks' own order-0 entropies: sum_b N_b H0(b) / N.

    The bound of an order-0 coder that starts a new model at each block (not counting the models).
    """
    lengths = np.asarray(lengths, dtype=np.int64)
    if array.size == 0:
        return 0.0
    total = 0.0
    ends = np.cumsum(lengths)
    starts = ends - lengths
    for lo, hi in zip(starts.tolist(), ends.tolist()):
        c = np.bincount(array[lo:hi], minlength=256)
        c = c[c > 0]
        total += float((c * np.log2((hi - lo) / c)).sum())
    return total / array.size


def fixed_blocks(n: int, block: int) -> list[int]:
    return [block] * (n // block) + ([n % block] if n % block else [])


# ------------------------------------------------------------------------------------ machine, memory
def _version(module: str) -> str | None:
    try:
        mod = __import__(module)
    except Exception:  # noqa: BLE001 - absent or broken: not installed for our purposes
        return None
    version = getattr(mod, "__version__", None)
    if version is None:
        try:
            from importlib.metadata import version as dist_version
            version = dist_version(module)
        except Exception:  # noqa: BLE001
            version = "unknown"
    return str(version)


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def git_commit() -> str | None:
    try:
        out = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], capture_output=True,
                             text=True, timeout=10)
        dirty = subprocess.run(["git", "-C", str(REPO), "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, timeout=10)
        return out.stdout.strip() + ("+dirty" if dirty.stdout.strip() else "") if out.returncode == 0 else None
    except (OSError, subprocess.SubprocessError):
        return None


def _compiled_with() -> str | None:
    """The Cython version that compiled the kernels (recorded in them), else the installed one: an
    install from a wheel or with build isolation leaves no Cython behind."""
    from codelength.stats import _kernels
    return getattr(_kernels, "__cython_version__", None) or _version("Cython")


def machine_info() -> dict:
    """CPU model, cores, OS, and the versions of Python and the libraries the figures depend on."""
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count()
    total_memory = None
    try:
        total_memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        pass
    import codelength
    return {
        "date_utc": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": cpu_model(), "logical_cpus": os.cpu_count(), "usable_cpus": usable,
        "memory_gib": round(total_memory / (1 << 30), 1) if total_memory else None,
        "os": platform.platform(), "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "codelength": getattr(codelength, "__version__", None),
        "codelength_path": str(Path(codelength.__file__).parent),
        "git": git_commit(),
        "numpy": np.__version__, "cython": _compiled_with(), "scipy": _version("scipy"),
        "constriction": _version("constriction"), "dahuffman": _version("dahuffman"),
        "matplotlib": _version("matplotlib"), "zlib": __import__("zlib").ZLIB_RUNTIME_VERSION,
    }


_CHILD = r"""
import json, os, sys, time, resource
sys.path[:0] = {path!r}
{setup}
start = time.perf_counter()
{code}
seconds = time.perf_counter() - start
peak = None
try:
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            peak = int(line.split()[1]) * 1024
except OSError:
    pass
if peak is None:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * (1 if sys.platform == "darwin" else 1024)
print(json.dumps({{"seconds": seconds, "peak_rss": peak}}))
"""


def peak_rss_child(code: str, setup: str = "import numpy, codelength", timeout: float = 1800) -> dict:
    """Run ``setup`` then ``code`` (timed) in a fresh interpreter; its wall seconds and peak RSS in bytes."""
    script = _CHILD.format(path=[p for p in sys.path if p], setup=setup, code=code)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0:
        raise RuntimeError(f"child failed: {proc.stderr.strip()[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


# -------------------------------------------------------------------------------------------- output
def markdown_table(header: list[str], rows: list[list], align: str | None = None) -> str:
    """A GitHub Markdown table; ``align`` is one character per column, "l" or "r" (default: l then r)."""
    align = align or "l" + "r" * (len(header) - 1)
    lines = ["| " + " | ".join(header) + " |",
             "|" + "|".join("---:" if a == "r" else "---" for a in align) + "|"]
    lines += ["| " + " | ".join("" if v is None else str(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def fmt_mbps(x: float | None) -> str:
    if x is None or not math.isfinite(x):
        return ""
    return f"{x:,.0f}" if x >= 100 else f"{x:.1f}" if x >= 1 else f"{x:.3f}" if x >= 0.01 else f"{x:.2g}"


def fmt_ratio(x: float | None) -> str:
    if x is None or not math.isfinite(x):
        return ""
    return f"{x:,.0f}x" if x >= 100 else f"{x:.1f}x" if x >= 1.95 else f"{x:.2f}x"


def fmt_mib(nbytes: float | None) -> str:
    return "" if nbytes is None else f"{nbytes / MiB:,.1f} MiB"


def _plain(obj):
    """JSON-safe copy: NumPy scalars and arrays become Python numbers and lists, inf/nan become None."""
    if isinstance(obj, dict):
        return {str(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_plain(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return _plain(obj.tolist())
    if isinstance(obj, np.generic):
        return _plain(obj.item())
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, Path):
        return str(obj)
    return obj


def write_json(path: Path, payload: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(_plain(payload), indent=1) + "\n")


def write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text if text.endswith("\n") else text + "\n")


# ----------------------------------------------------------------------------------------- the suite
# Impl, Suite, the command line and the speed table: what every benchmarks/bench_*.py script and run.py
# (which composes them) share.
LARGE = 16 * MiB  # above this: fewer repeats, no warm-up call, no slow numpy peers
TWIN = "pure-Python twin"


def optional(module: str):
    """``module`` imported, or None when it is not installed (the peer is then skipped with a line)."""
    try:
        return __import__(module)
    except ImportError:
        return None


class Impl:
    """One implementation of an operation: a label, a callable, and how it is timed and compared."""

    def __init__(self, impl: str, fn, *, ours: bool = False, ref: str | None = None, slow: bool = False):
        self.impl, self.fn, self.ours, self.ref, self.slow = impl, fn, ours, ref, slow


class Suite:
    """Collects the rows of one run."""

    def __init__(self, args):
        self.args = args
        self.speed: list[dict] = []
        self.sizes: list[dict] = []
        self.entropies: list[dict] = []
        self.streaming: list[dict] = []
        self.skipped: list[str] = []
        self.sources: dict[str, str] = {}  # short name -> description

    def log(self, text: str) -> None:
        if not self.args.quiet:
            print(text, file=sys.stderr, flush=True)

    def skip(self, text: str) -> None:
        if text not in self.skipped:
            self.skipped.append(text)
            self.log("skipped: " + text)

    def repeats(self, n: int) -> int:
        return self.args.repeats if n <= LARGE else max(3, (self.args.repeats + 1) // 2)

    def compare(self, group: str, op: str, impls: list, n: int, source: str) -> dict:
        """Time the implementations of one operation on the same ``n`` bytes, interleaved round-robin (so a
        burst of load from elsewhere hits all of them alike), and record a row each.

        Returns ``{impl label: result of its last call}``.
        """
        impls = [i for i in impls if i is not None]
        repeats = [self.args.twin_repeats if i.slow else self.repeats(n) for i in impls]
        warmup = [not i.slow and n <= LARGE for i in impls]
        clock = "wall" if group == "streaming" else self.args.clock  # threads: CPU time adds up over threads
        measured = measure_interleaved([i.fn for i in impls], n, repeats, warmup, clock)
        out = {}
        for impl, (timing, result) in zip(impls, measured):
            row = {"group": group, "op": op, "impl": impl.impl, "codelength": impl.ours, "ref": impl.ref,
                   "source": source, **timing.as_dict()}
            self.speed.append(row)
            self.log(f"  {group:9} {op:38} {impl.impl:42} {size_label(n):>8} {fmt_mbps(row['mbps']):>9} MB/s")
            out[impl.impl] = result
        return out

    def annotate(self, impl: str, **fields) -> None:
        """Add fields (e.g. output size) to the latest row of ``impl``."""
        for row in reversed(self.speed):
            if row["impl"] == impl:
                row.update(fields)
                return


def build_parser(description: str, **defaults) -> argparse.ArgumentParser:
    """The options every benchmark script takes (data, sizes, repeats, slow implementations, clock);
    ``defaults`` override option defaults by dest. run.py adds its own."""
    parser = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    add = parser.add_argument
    add("--data", default="corpus,iid",
        help="comma-separated sources: 'corpus' (../shared/corpus), a directory, a file, or a generated source of "
             f"known entropy ({', '.join(GENERATED)}); speeds use the first, sizes all (default corpus,iid)")
    add("--corpus", type=Path, default=CORPUS, help="the corpus directory of 'corpus'")
    add("--sizes", default="1,16",
        help="input sizes for the speed groups, MiB by default, K/M/G suffixes allowed (default %(default)s)")
    add("--repeats", type=int, default=5, help="timed calls per figure (default %(default)s)")
    add("--twin-bytes", default="64K", help="bytes the slow implementations run on (default %(default)s)")
    add("--twin-repeats", type=int, default=3, help="timed calls of the slow ones (default %(default)s)")
    add("--clock", choices=("wall", "cpu"), default="wall",
        help="seconds behind the MB/s: wall clock (default) or process CPU time, steadier on a shared machine "
             "(the threaded file_counts rows always use wall time); results.json keeps both")
    add("--min-time", type=float, default=0.02,
        help="shortest timed sample in seconds: faster calls run back to back within a sample, as timeit and "
             "lzbench do, and the figure is per call (default %(default)s; 0 times single calls)")
    add("--quiet", action="store_true", help="no progress lines on stderr")
    parser.set_defaults(**defaults)
    return parser


def finish_args(parser: argparse.ArgumentParser, args: argparse.Namespace) -> argparse.Namespace:
    """Turn the parsed strings into sizes and lists, fill what a per-area parser leaves out, check."""
    for name, value in (("scale", False), ("peer_size", None), ("sample", None), ("tmpdir", None)):
        if not hasattr(args, name):
            setattr(args, name, value)
    args.sizes = sorted({parse_size(s) for s in str(args.sizes).split(",") if s.strip()})
    if args.scale:
        args.sizes = sorted(set(args.sizes) | {256 * MiB})
    args.twin_bytes = parse_size(args.twin_bytes)
    largest = max(args.sizes)
    args.peer_size = parse_size(args.peer_size) if args.peer_size else min(16 * MiB, largest)
    args.sample = parse_size(args.sample) if args.sample else min(args.sizes)
    args.data = [d.strip() for d in args.data.split(",") if d.strip()]
    if args.repeats < 1 or args.twin_repeats < 1:
        parser.error("--repeats and --twin-repeats must be at least 1")
    if getattr(args, "min_time", 0) < 0:
        parser.error("--min-time must be non-negative")
    global MIN_TIME
    MIN_TIME = getattr(args, "min_time", 0.0)
    return args


def each_size(suite: Suite, spec: str | None = None, with_slice: bool = True):
    """Yield ``(source, is_slice)``: ``spec`` (default the first ``--data``) at each ``--sizes`` and, when
    ``with_slice``, at ``--twin-bytes``, the size the slow implementations run on (``is_slice``), smallest
    first."""
    args = suite.args
    spec = spec or args.data[0]
    for n in sorted(set(args.sizes) | ({args.twin_bytes} if with_slice else set())):
        source = load_source(spec, n, args.corpus)
        suite.sources.setdefault(source.name, source.description.replace(", repeated", "") + ", repeated to each size")
        suite.log(f"== {size_label(n)} of {source.name}: {source.description}")
        yield source, n == args.twin_bytes


def ratio_of(row: dict, rows: list[dict]) -> float | None:
    """codelength's median MB/s over this row's, on the same operation and the same bytes of this run."""
    if row["codelength"]:
        return None
    same = [r for r in rows if r["codelength"] and r["group"] == row["group"] and r["op"] == row["op"]
            and r["bytes"] == row["bytes"] and r["source"] == row["source"]]
    if row.get("ref"):
        same = [r for r in same if r["impl"] == row["ref"]] or same
    return same[0]["mbps"] / row["mbps"] if same else None


def render_speed(rows: list[dict]) -> str:
    columns = sorted({r["bytes"] for r in rows})
    keys = list(dict.fromkeys((r["group"], r["op"], r["impl"]) for r in rows))
    table = []
    for key in keys:
        mine = {r["bytes"]: r for r in rows if (r["group"], r["op"], r["impl"]) == key}
        cells = []
        for b in columns:
            r = mine.get(b)
            cells.append("" if r is None else f"{fmt_mbps(r['mbps'])} ({fmt_mbps(r['mbps_min'])}–"
                                                f"{fmt_mbps(r['mbps_max'])})")
        ratio = ""
        for b in sorted(mine, reverse=True):
            x = ratio_of(mine[b], rows)
            if x is not None:
                ratio = f"{fmt_ratio(x)} ({size_label(b)})"
                break
        table.append([key[0], key[1], key[2], *cells, ratio])
    header = ["group", "operation", "implementation", *[f"MB/s, {size_label(b)}" for b in columns],
              "codelength ÷ this"]
    return markdown_table(header, table, "lll" + "r" * (len(columns) + 1))

