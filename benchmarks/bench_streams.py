"""Streams through the command line: ``compress -c | decompress -c`` per coder, beside gzip and zstd.

    PYTHONPATH=. python3 benchmarks/bench_streams.py                 # 1 GiB (cm: 32 MiB)
    PYTHONPATH=. python3 benchmarks/bench_streams.py --size 64M --slow-size 16M --cm-size 4M   # quick look

The input is word-like text generated on the fly from the corpus vocabulary (a 16 MiB pool, longer
than zstd's window at its default level, fed with shifting offsets), never stored. For each row it
reports the ratio, wall MB/s of the whole pipe, the CPU time of each side (MB/s of CPU) and the peak
RSS (VmHWM) of each process, and checks the output's SHA-256 against the input's. One run per row:
the machine is shared, so treat small differences as noise.
"""
from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import hash_through  # noqa: E402

CORPUS = REPO.parent / "shared" / "corpus"
LAUNCH = [sys.executable, "-m", "codelength"]


def _size(text: str) -> int:
    m = re.fullmatch(r"(\d+)([KMG]?)", text.upper())
    if not m:
        raise argparse.ArgumentTypeError(f"not a size: {text}")
    return int(m.group(1)) << {"": 0, "K": 10, "M": 20, "G": 30}[m.group(2)]


def make_pool(size: int = 16 << 20, seed: int = 1) -> bytes:
    """Word-like text: words of the corpus (or of a fixed list) in random order with their frequencies."""
    words = []
    for name in ("alice29.txt", "lcet10.txt", "plrabn12.txt", "asyoulik.txt"):
        path = CORPUS / name
        if path.is_file():
            words += path.read_bytes().split()
    if not words:
        words = b"source coding theorem huffman entropy bits the of and a to in is".split()
    rng = random.Random(seed)
    out = bytearray()
    while len(out) < size:
        line = b" ".join(rng.choices(words, k=rng.randint(5, 14)))
        out += line + (b".\n" if rng.random() < 0.2 else b"\n")
    return bytes(out[:size])


class _Peak(threading.Thread):
    """Polls VmHWM (peak RSS, kB) of some pids until stopped."""

    def __init__(self, pids):
        super().__init__(daemon=True)
        self.pids, self.peak, self.stop = pids, {p: 0 for p in pids}, threading.Event()

    def run(self):
        while not self.stop.is_set():
            for pid in self.pids:
                try:
                    text = Path(f"/proc/{pid}/status").read_text()
                    self.peak[pid] = max(self.peak[pid], int(re.search(r"VmHWM:\s*(\d+)", text).group(1)))
                except (OSError, AttributeError):
                    pass
            time.sleep(0.05)


def _wait(proc):
    """Wait for ``proc`` and return its CPU seconds (user + system)."""
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return usage.ru_utime + usage.ru_stime


def pieces(pool: bytes, total: int, step: int = 1 << 20):
    """``total`` bytes of the pool in pieces of ``step``, at shifting offsets (never held whole)."""
    sent, shift = 0, 0
    while sent < total:
        start = (shift * 7_919_003) % (len(pool) - step)   # a large odd stride: pieces seldom overlap
        piece = pool[start:start + min(step, total - sent)]
        yield piece
        sent += len(piece)
        shift += 1


def pipe(compress_cmd, decompress_cmd, total: int, pool: bytes, env) -> dict:
    c = subprocess.Popen(compress_cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)
    d = subprocess.Popen(decompress_cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)
    peaks = _Peak([c.pid, d.pid])
    peaks.start()
    start = time.perf_counter()
    r = hash_through(pieces(pool, total), c.stdin, d.stdout, relay=(c.stdout, d.stdin))
    cpu_c, cpu_d = _wait(c), _wait(d)
    wall = time.perf_counter() - start
    peaks.stop.set()
    peaks.join()
    ok = c.returncode == 0 and d.returncode == 0 and r["bytes_in"] == total and r["same"]
    return dict(ok=ok, ratio=r["relayed"] / total, wall=wall, cpu_c=cpu_c, cpu_d=cpu_d,
                rss_c=peaks.peak[c.pid] / 1024, rss_d=peaks.peak[d.pid] / 1024, size=total)


def compress_only(cmd, path: str, env) -> tuple[float, float]:
    """Wall and CPU seconds of ``cmd`` compressing the file ``path`` to /dev/null: no feeding process
    competes for the two cores, as a pipe's writer would."""
    with open(os.devnull, "wb") as sink:
        start = time.perf_counter()
        c = subprocess.Popen(cmd + [path], stdout=sink, env=env)
        cpu = _wait(c)
        return time.perf_counter() - start, cpu


def write_input(directory: str, pool: bytes, total: int) -> str:
    """``total`` bytes of the generated text written to a file in ``directory`` (tmpfs where there is one)."""
    fd, path = tempfile.mkstemp(prefix="bench-streams-", dir=directory)
    with os.fdopen(fd, "wb") as f:
        for piece in pieces(pool, total):
            f.write(piece)
    return path


def byte_compile() -> None:
    """Byte-compile the package, as ``pip install`` does: with PYTHONDONTWRITEBYTECODE set and no
    ``__pycache__``, every process would compile its modules from source (~80 ms more start-up)."""
    import compileall
    compileall.compile_dir(str(REPO / "codelength"), quiet=1)


GIL_CODERS = (("huffman", {}), ("range", {}), ("rans", {}), ("adaptive0", {"order": 0}),
              ("adaptive2", {"order": 2}), ("cm", {}))


def build_gil_meter(directory: str) -> str | None:
    """Compile benchmarks/gil_meter.c into ``directory``; its path, or None without cc or off Linux."""
    cc = shutil.which("cc") or shutil.which("gcc")
    if not cc or not sys.platform.startswith("linux"):
        return None
    out = os.path.join(directory, "gil_meter.so")
    done = subprocess.run([cc, "-O2", "-shared", "-fPIC", "-o", out, str(Path(__file__).with_name("gil_meter.c")),
                           "-ldl"], capture_output=True)
    return out if done.returncode == 0 else None


def gil_child(size: int, repeats: int, only) -> None:
    """(Run under LD_PRELOAD=gil_meter.so.) For each coder: ``size`` bytes through a threads=1
    Compressor in 1 MiB ``bytes`` pieces (as the command line feeds it), ``repeats`` times; the medians
    of the thread's CPU time and of the part of it with the GIL held, per 1 MiB block. f, the held
    share, bounds what threads can give: at most 1 / (f + (1 - f) / t) with t threads (Amdahl)."""
    import ctypes
    import statistics
    import codelength
    meter = ctypes.CDLL(None)
    meter.gil_meter_released_ns.restype = ctypes.c_uint64
    pool = make_pool()
    for label, options in GIL_CODERS:
        if only and label not in only:
            continue
        coder = label.rstrip("02")
        n = size if coder in ("huffman", "range", "rans") else max(size // 8, 2 << 20)
        if coder == "cm":
            n = 1 << 20
        pieces_ = list(pieces(pool, n))
        warm = codelength.Compressor(coder, **options)
        warm.compress(pieces_[0])
        warm.flush()
        cpu, held = [], []
        for _ in range(repeats):
            comp = codelength.Compressor(coder, **options)
            t0, r0 = time.thread_time_ns(), meter.gil_meter_released_ns()
            for piece in pieces_:
                comp.compress(piece)
            comp.flush()
            t1, r1 = time.thread_time_ns(), meter.gil_meter_released_ns()
            cpu.append(t1 - t0)
            held.append((t1 - t0) - (r1 - r0))
        blocks = -(-n // codelength.io.stream.default_block_size(coder))
        c, h = statistics.median(cpu) / 1e6 / blocks, statistics.median(held) / 1e6 / blocks
        f = h / c
        print(f"  {label:<10} {n >> 20:>4} MiB: {c:8.2f} ms CPU per block, {h:6.3f} ms with the GIL held: "
              f"f = {f:.3f}, Amdahl bound for 2 threads {1 / (f + (1 - f) / 2):.2f}x", flush=True)


def gil_report(size: int, repeats: int, only, env) -> None:
    import tempfile
    print(f"GIL held per block (thread CPU with the GIL held / thread CPU, medians of {repeats}, measured by"
          " benchmarks/gil_meter.c under LD_PRELOAD: load-independent)")
    with tempfile.TemporaryDirectory() as tmp:
        meter = build_gil_meter(tmp)
        if meter is None:
            print("  skipped: needs Linux and a C compiler")
            return
        if only is not None and not any(label in only for label, _ in GIL_CODERS):
            return
        child_env = dict(env, LD_PRELOAD=meter)
        subprocess.run([sys.executable, __file__, "--gil-child", "--gil-size", str(size), "--gil-repeats",
                        str(repeats)] + (["--only", ",".join(only)] if only else []), env=child_env, check=True)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=_size, default=1 << 30, help="bytes for the fast coders (default 1G)")
    parser.add_argument("--slow-size", type=_size, default=1 << 30,
                        help="bytes for the adaptive coders (default 1G)")
    parser.add_argument("--cm-size", type=_size, default=32 << 20,
                        help="bytes for the cm coder (default 32M: it codes about 1 MB/s)")
    parser.add_argument("--only", default=None, help="comma-separated row names")
    parser.add_argument("--gil-only", action="store_true", help="only the GIL measurement")
    parser.add_argument("--threads-only", action="store_true", help="only the -T2 / -T1 rows (compress alone)")
    parser.add_argument("--repeats", type=int, default=3, help="runs of each -T2 / -T1 row (median)")
    parser.add_argument("--gil-size", type=_size, default=32 << 20,
                        help="bytes per coder for the GIL measurement (default 32M; adaptive an eighth)")
    parser.add_argument("--gil-repeats", type=int, default=5)
    parser.add_argument("--gil-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    env = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    pool = make_pool()
    rows = [
        ("huffman -T1", LAUNCH + ["compress", "-c", "--coder", "huffman"], args.size),
        ("huffman -T2", LAUNCH + ["compress", "-c", "--coder", "huffman", "-T", "2"], args.size),
        ("rans -T1", LAUNCH + ["compress", "-c", "--coder", "rans"], args.size),
        ("rans -T2", LAUNCH + ["compress", "-c", "--coder", "rans", "-T", "2"], args.size),
        ("range -T1", LAUNCH + ["compress", "-c", "--coder", "range"], args.size),
        ("range -T2", LAUNCH + ["compress", "-c", "--coder", "range", "-T", "2"], args.size),
        ("adaptive0 -T1", LAUNCH + ["compress", "-c", "-4"], args.slow_size),
        ("adaptive0 -T2", LAUNCH + ["compress", "-c", "-4", "-T", "2"], args.slow_size),
        ("adaptive2 -T1", LAUNCH + ["compress", "-c", "-6"], args.slow_size),
        ("adaptive2 -T2", LAUNCH + ["compress", "-c", "-6", "-T", "2"], args.slow_size),
        ("cm -T2", LAUNCH + ["compress", "-c", "--coder", "cm", "-T", "2"], args.cm_size),
    ]
    decompress = LAUNCH + ["decompress", "-c"]
    peers = []
    if shutil.which("gzip"):
        peers.append(("gzip -6", ["gzip", "-c"], ["gzip", "-dc"], args.size))
    if shutil.which("zstd"):
        peers.append(("zstd -3", ["zstd", "-q", "-c"], ["zstd", "-q", "-dc"], args.size))
        peers.append(("zstd -3 -T2", ["zstd", "-q", "-T2", "-c"], ["zstd", "-q", "-dc"], args.size))
    wanted = set(args.only.split(",")) if args.only else None
    sys.path.insert(0, str(REPO))
    if args.gil_child:
        gil_child(args.gil_size, args.gil_repeats, wanted and {w.split()[0] for w in wanted})
        return 0
    if not args.threads_only:
        gil_report(args.gil_size, args.gil_repeats, wanted and sorted({w.split()[0] for w in wanted}), env)
    if args.gil_only:
        return 0
    results = {}
    if not args.threads_only:
        print(f"{'pipe':<14} {'input':>8} {'ratio':>7} {'wall MB/s':>10} {'comp MB/s cpu':>14} "
              f"{'dec MB/s cpu':>13} {'comp RSS':>9} {'dec RSS':>8}  ok")
        print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        for name, ccmd, dcmd, size in [(n, c, decompress, s) for n, c, s in rows] + peers:
            if wanted and name not in wanted:
                continue
            r = pipe(ccmd, dcmd, size, pool, env)
            results[name] = r
            mb = size / 1e6
            print(f"{name:<14} {size >> 20:>6}Mi {r['ratio']:>7.4f} {mb / r['wall']:>10.1f} {mb / r['cpu_c']:>14.1f} "
                  f"{mb / r['cpu_d']:>13.1f} {r['rss_c']:>7.1f}Mi {r['rss_d']:>6.1f}Mi  {'yes' if r['ok'] else 'NO'}",
                  flush=True)
    print("\ncompress alone, from a file (in /dev/shm where it exists) to /dev/null, -T2 against -T1:"
          " wall seconds and CPU seconds, medians of --repeats runs alternating -T1 and -T2, the speed-up"
          " (what two free cores give; under load the scheduler may give the process one core's worth),"
          " and the speed-up of the coding alone (wall minus the start-up: `compress` of an empty file)")
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    byte_compile()
    directory = "/dev/shm" if os.path.isdir("/dev/shm") else tempfile.gettempdir()
    empty = write_input(directory, pool, 0)
    try:
        startup = statistics.median(compress_only(LAUNCH + ["compress", "-c"], empty, env)[0] for _ in range(7))
    finally:
        os.unlink(empty)
    print(f"start-up (compress -c of an empty file, median of 7): {startup:.3f} s")
    for base, cmd, size in (("huffman", ["--coder", "huffman"], args.size),
                            ("range", ["--coder", "range"], args.size // 4),
                            ("rans", ["--coder", "rans"], args.size),
                            ("adaptive0", ["-4"], args.slow_size // 8),
                            ("adaptive2", ["-6"], args.slow_size // 8),
                            ("cm", ["--coder", "cm"], args.cm_size // 2)):
        if wanted and f"{base} -T2" not in wanted:
            continue
        path = write_input(directory, pool, size)
        try:
            runs = {t: [] for t in ("1", "2")}
            for _ in range(args.repeats):
                for t in runs:
                    runs[t].append(compress_only(LAUNCH + ["compress", "-c", "-T", t, *cmd], path, env))
        finally:
            os.unlink(path)
        (one, cpu1), (two, cpu2) = ((statistics.median(w for w, _ in runs[t]), statistics.median(c for _, c in runs[t]))
                                    for t in ("1", "2"))
        print(f"{base:<10} {size >> 20:>5} MiB: wall -T1 {one:6.2f} s, -T2 {two:6.2f} s: {one / two:.2f}x "
              f"(coding alone {(one - startup) / (two - startup):.2f}x); CPU {cpu1:.2f} s -> {cpu2:.2f} s "
              f"({cpu2 / cpu1:.2f}x)", flush=True)
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0 if all(r["ok"] for r in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
