"""The context-mixing coder beside the entropy bounds, this library's other coders and the usual compressors.

    python benchmarks/bench_cm.py [--corpus DIR] [--files a,b] [--repeats 3] [--lpaq1 PATH] [--markdown FILE]

For each corpus file (default ../shared/corpus beside the repository): the plug-in bounds H0 and H3
(codelength.context_entropies, model cost not counted), the sizes of huffman, range, rans, adaptive
(order 3, mixed orders 0..3) and cm, of bz2 -9, xz -9e (lzma preset 9 | PRESET_EXTREME) and zstd -19
(the zstandard module, when installed), and optionally of an lpaq1 binary given by --lpaq1 (option 6;
not part of this project: build it yourself), timed like cm by its CPU time (encode and decode). Every codelength stream is decoded again and checked.
cm's speed is MB/s of input by CPU time, the median of --repeats runs (the machine is shared: CPU time is
the steadier figure). Each encode and each decode of cm is a fresh child process that times only its
compress or decompress call, as each run of lpaq1 is a fresh process: both then pay the first touch of
their tables' memory (on this VM a large share of a small file's time), so their ratio compares like
with like. The columns
"cm/lpaq1" are the ratios of those speeds in this run; the peak RSS of this process is printed at the end.
"""
from __future__ import annotations

import argparse
import bz2
import lzma
import os
import resource
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import codelength  # noqa: E402

FILES = ("alice29.txt", "asyoulik.txt", "lcet10.txt", "plrabn12.txt", "html", "paper-100k.pdf", "fireworks.jpeg")
OURS = (("huffman", {}), ("range", {}), ("rans", {}), ("adaptive", {"order": 3, "mix": True}), ("cm", {}))


def _child_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


_CM_CHILD = """
import sys, time, codelength
mode, src, dst = sys.argv[1:4]
data = open(src, "rb").read()
t = time.process_time()
out = codelength.compress(data, coder="cm") if mode == "enc" else codelength.decompress(data)
print(time.process_time() - t)
open(dst, "wb").write(out)
"""


def _cm_speed(data: bytes, repeats: int):
    """cm's encode / decode MB/s by CPU time, the median of ``repeats`` runs, each encode and each decode
    in a fresh child process (as each lpaq1 run is), which times only its compress / decompress call."""
    enc, dec = [], []
    with tempfile.TemporaryDirectory() as tmp:
        src, blob, back = Path(tmp) / "in", Path(tmp) / "blob", Path(tmp) / "back"
        src.write_bytes(data)
        env = {**os.environ, "PYTHONPATH": str(REPO)}

        def child(mode, a, b):
            out = subprocess.run([sys.executable, "-c", _CM_CHILD, mode, str(a), str(b)], check=True,
                                 capture_output=True, text=True, timeout=600, env=env)
            return float(out.stdout)

        for _ in range(repeats):
            enc.append(child("enc", src, blob))
            dec.append(child("dec", blob, back))
            if back.read_bytes() != data:
                raise AssertionError("cm did not round-trip")
    n = len(data)
    return n / max(statistics.median(enc), 1e-9) / 1e6, n / max(statistics.median(dec), 1e-9) / 1e6


def _lpaq1(path: str, data: bytes, repeats: int):
    """lpaq1's size with option 6 and its encode / decode MB/s by the child's CPU time (median of
    ``repeats``), or (None, None, None) when it cannot run; its decoded output is checked."""
    with tempfile.TemporaryDirectory() as tmp:
        src, dst, back = Path(tmp) / "in", Path(tmp) / "out", Path(tmp) / "back"
        src.write_bytes(data)
        enc, dec = [], []
        try:
            for _ in range(repeats):
                t = _child_cpu()
                subprocess.run([path, "6", str(src), str(dst)], check=True, capture_output=True, timeout=600)
                enc.append(_child_cpu() - t)
                t = _child_cpu()
                subprocess.run([path, "d", str(dst), str(back)], check=True, capture_output=True, timeout=600)
                dec.append(_child_cpu() - t)
        except (OSError, subprocess.SubprocessError):
            return None, None, None
        if back.read_bytes() != data:
            raise AssertionError("lpaq1 did not round-trip")
        n = len(data)
        return (dst.stat().st_size, n / max(statistics.median(enc), 1e-9) / 1e6,
                n / max(statistics.median(dec), 1e-9) / 1e6)


def measure(name: str, data: bytes, repeats: int, lpaq1: str | None) -> dict:
    n = len(data)
    h = codelength.context_entropies(data, 3)
    row = {"file": name, "n": n, "H0": h[0] * n / 8, "H3": h[3] * n / 8}
    for coder, options in OURS:
        blob = codelength.compress(data, coder=coder, **options)
        if codelength.decompress(blob) != data:
            raise AssertionError(f"{coder} did not round-trip {name}")
        row[coder] = len(blob)
    row["cm_enc_mbs"], row["cm_dec_mbs"] = _cm_speed(data, repeats)
    row["bz2"] = len(bz2.compress(data, 9))
    row["xz"] = len(lzma.compress(data, preset=9 | lzma.PRESET_EXTREME))
    try:
        import zstandard
        row["zstd"] = len(zstandard.ZstdCompressor(level=19).compress(data))
    except ImportError:
        row["zstd"] = None
    if lpaq1:
        row["lpaq1"], row["lpaq1_enc_mbs"], row["lpaq1_dec_mbs"] = _lpaq1(lpaq1, data, repeats)
        if row["lpaq1"] is not None:
            row["ratio_enc"] = row["cm_enc_mbs"] / row["lpaq1_enc_mbs"]
            row["ratio_dec"] = row["cm_dec_mbs"] / row["lpaq1_dec_mbs"]
    return row


COLUMNS = ("H0", "H3", "huffman", "range", "rans", "adaptive", "cm", "bz2", "xz", "zstd", "lpaq1")


def markdown(rows) -> str:
    cols = [c for c in COLUMNS if any(r.get(c) is not None for r in rows)]
    speed = ["cm_enc_mbs", "cm_dec_mbs"] + (["lpaq1_enc_mbs", "lpaq1_dec_mbs", "ratio_enc", "ratio_dec"]
                                            if "lpaq1" in cols else [])
    head = ("| file | bytes | " + " | ".join(cols) + " | cm enc MB/s | cm dec MB/s |"
            + (" lpaq1 enc MB/s | lpaq1 dec MB/s | cm/lpaq1 enc | cm/lpaq1 dec |" if "lpaq1" in cols else ""))
    lines = [head, "|" + "---|" * (len(cols) + 2 + len(speed))]
    for r in rows:
        cells = []
        for c in cols:
            v = r.get(c)
            cells.append("-" if v is None else f"{v * 8 / r['n']:.3f} ({v:,.0f})")
        cells += ["-" if r.get(s) is None else f"{r[s]:.2f}" for s in speed]
        lines.append(f"| {r['file']} | {r['n']:,} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default=str(REPO.parent / "shared" / "corpus"))
    parser.add_argument("--files", default=",".join(FILES))
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--lpaq1", default=os.environ.get("LPAQ1"), help="path of an lpaq1 binary (optional)")
    parser.add_argument("--markdown", help="also write the table to this file")
    args = parser.parse_args(argv)
    rows = []
    for name in args.files.split(","):
        path = Path(args.corpus) / name
        if not path.is_file():
            print(f"skipped {name}: not in {args.corpus}", file=sys.stderr)
            continue
        rows.append(measure(name, path.read_bytes(), args.repeats, args.lpaq1))
    table = markdown(rows) if rows else "no corpus files found\n"
    sys.stdout.write("Cells: bits/byte (bytes). H0, H3: plug-in bounds, model cost not counted.\n" + table)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS of this process: {rss:.0f} MiB; load average {', '.join(f'{x:.1f}' for x in os.getloadavg())}")
    if args.markdown:
        Path(args.markdown).write_text(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
