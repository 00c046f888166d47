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
import subprocess
import sys
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


def compress_only(cmd, total: int, pool: bytes, env) -> tuple[float, float]:
    """Wall and CPU seconds of ``cmd`` compressing ``total`` bytes to /dev/null (no decoder competing)."""
    with open(os.devnull, "wb") as sink:
        c = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=sink, env=env)
        start = time.perf_counter()
        for piece in pieces(pool, total):
            c.stdin.write(piece)
        c.stdin.close()
        cpu = _wait(c)
        return time.perf_counter() - start, cpu


def gil_share(coder: str, options: dict, pool: bytes, size: int = 4 << 20) -> tuple[float, float]:
    """How much of one block's encoding runs without the GIL, measured in a way the machine's load does
    not hide: the block is encoded in a worker thread while the main thread spins in Python. A kernel
    that held the GIL would leave the spinner no CPU; one that releases it lets both threads share the
    process's CPU. Returns (spinner CPU / worker CPU, worker CPU seconds); about 1 means the encoding is
    GIL-free (the spinner got as much CPU as the worker), about 0 that it holds the GIL."""
    import numpy as np
    from codelength.io import stream
    block = np.frombuffer(pool[:size], dtype=np.uint8)
    stream._encode_block(block, 0, coder, options)            # warm-up: imports, tables
    box = {}

    def work():
        t0 = time.thread_time()
        stream._encode_block(block, 0, coder, options)
        box["cpu"] = time.thread_time() - t0
    worker = threading.Thread(target=work)
    t0 = time.thread_time()
    worker.start()
    while worker.is_alive():
        pass
    spin = time.thread_time() - t0
    worker.join()
    return spin / box["cpu"], box["cpu"]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=_size, default=1 << 30, help="bytes for the fast coders (default 1G)")
    parser.add_argument("--slow-size", type=_size, default=1 << 30,
                        help="bytes for the adaptive coders (default 1G)")
    parser.add_argument("--cm-size", type=_size, default=32 << 20,
                        help="bytes for the cm coder (default 32M: it codes about 1 MB/s)")
    parser.add_argument("--only", default=None, help="comma-separated row names")
    parser.add_argument("--gil-only", action="store_true", help="only the GIL check (seconds)")
    args = parser.parse_args(argv)
    env = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    pool = make_pool()
    rows = [
        ("huffman -T1", LAUNCH + ["compress", "-c", "--coder", "huffman"], args.size),
        ("huffman -T2", LAUNCH + ["compress", "-c", "--coder", "huffman", "-T", "2"], args.size),
        ("rans -T1", LAUNCH + ["compress", "-c", "--coder", "rans"], args.size),
        ("range -T1", LAUNCH + ["compress", "-c", "--coder", "range"], args.size),
        ("range -T2", LAUNCH + ["compress", "-c", "--coder", "range", "-T", "2"], args.size),
        ("adaptive0 -T1", LAUNCH + ["compress", "-c", "-4"], args.slow_size),
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
    print("GIL check: one 4 MiB block encoded in a thread while the main thread spins (spinner CPU /"
          " worker CPU; ~1: the kernel runs without the GIL, ~0: it holds it)")
    for coder, options in (("huffman", {}), ("range", {}), ("rans", {}), ("adaptive", {"order": 0}),
                           ("adaptive", {"order": 2}), ("cm", {})):
        share, cpu = gil_share(coder, options, pool, (1 << 20) if coder == "cm" else (4 << 20))
        print(f"  {coder}{options.get('order', '')}: {share:.2f} (worker {cpu:.3f} s CPU)", flush=True)
    if args.gil_only:
        return 0
    print(f"{'pipe':<14} {'input':>8} {'ratio':>7} {'wall MB/s':>10} {'comp MB/s cpu':>14} "
          f"{'dec MB/s cpu':>13} {'comp RSS':>9} {'dec RSS':>8}  ok")
    results = {}
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
    print("\ncompress alone (to /dev/null), -T2 against -T1: wall MB/s, speed-up in wall time, and CPU"
          " seconds (-T2 / -T1: the cost of the threads)")
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    for base, cmd, size in (("huffman", ["--coder", "huffman"], args.size // 2),
                            ("range", ["--coder", "range"], args.size // 4),
                            ("rans", ["--coder", "rans"], args.size // 4),
                            ("adaptive0", ["-4"], args.slow_size // 8),
                            ("adaptive2", ["-6"], args.slow_size // 8),
                            ("cm", ["--coder", "cm"], args.cm_size // 2)):
        if wanted and f"{base} -T2" not in wanted:
            continue
        (one, cpu1), (two, cpu2) = (compress_only(LAUNCH + ["compress", "-c", *t, *cmd], size, pool, env)
                                    for t in ([], ["-T", "2"]))
        print(f"{base:<10} {size >> 20:>5} MiB: -T1 {size / 1e6 / one:7.1f} MB/s, -T2 {size / 1e6 / two:7.1f} MB/s, "
              f"speed-up {one / two:.2f}x (CPU {cpu1:.1f} s -> {cpu2:.1f} s)", flush=True)
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0 if all(r["ok"] for r in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
