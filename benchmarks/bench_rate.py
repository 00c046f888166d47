"""Entropy-rate estimators and ent's randomness figures: speed (MB/s, CPU time) and peak memory.

    python benchmarks/bench_rate.py [--size 1M] [--repeats 3] [--corpus DIR]

For each estimator of codelength.entropy_rate (lz78, kontoyiannis, block) and for randomness_tests (bytes
and bit mode) on the first --size bytes of the corpus files concatenated: the median CPU time of --repeats
calls (MB/s of the input) and the peak RSS (VmHWM, Linux) of a fresh process doing one call (MiB, including
the interpreter, NumPy and the data: the baseline rows). Values are printed too.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))

CASES = {
    "baseline (no call)": "0.0",
    "baseline + scipy": "__import__('scipy.special').special.chdtrc(1, 1.0)",
    "lz78": "codelength.entropy_rate(data, 'lz78')",
    "kontoyiannis": "codelength.entropy_rate(data, 'kontoyiannis')",
    "block": "codelength.entropy_rate(data, 'block')",
    "randomness": "codelength.randomness_tests(data).chi_square",
    "randomness --bits": "codelength.randomness_tests(data, bits=True).chi_square",
}


def _load(corpus: Path, size: int) -> bytes:
    out = bytearray()
    files = sorted(p for p in corpus.iterdir() if p.is_file() and p.suffix != ".md")
    while len(out) < size and files:
        for p in files:
            out += p.read_bytes()
            if len(out) >= size:
                break
    return bytes(out[:size])


def _size(text: str) -> int:
    units = {"": 1, "k": 1 << 10, "m": 1 << 20}
    text = text.strip().lower()
    unit = text[-1] if text[-1] in "km" else ""
    return int(float(text[:-1] if unit else text) * units[unit])


def _peak_rss(expression: str, corpus: Path, size: int) -> float:
    # VmHWM of the child's own address space: ru_maxrss would carry the parent's peak across fork + exec
    code = (f"import sys; sys.path.insert(0, {str(REPO)!r}); import codelength\n"
            f"sys.path.insert(0, {str(HERE)!r}); from bench_rate import _load\n"
            f"from pathlib import Path\ndata = _load(Path({str(corpus)!r}), {size})\n"
            f"value = {expression}\n"
            "status = open('/proc/self/status').read()\n"
            "print(int(status.split('VmHWM:')[1].split()[0]) / 1024)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env=dict(os.environ, PYTHONPATH=str(REPO)))
    return float(out.stdout.split()[-1])


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=_size, default=1 << 20)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "corpus")
    parser.add_argument("--json", type=Path, help="also write the rows as JSON")
    args = parser.parse_args(argv)
    import codelength
    data = _load(args.corpus, args.size)
    n = len(data)
    rows = []
    print(f"{n:,} bytes of {args.corpus}")
    print(f"{'case':<20}{'value':>12}{'CPU s':>10}{'MB/s':>10}{'peak MiB':>10}")
    for name, expression in CASES.items():
        times = []
        for _ in range(args.repeats):
            t = time.process_time()
            value = eval(expression, {"codelength": codelength, "data": data})
            times.append(time.process_time() - t)
        median = sorted(times)[len(times) // 2]
        peak = _peak_rss(expression, args.corpus, args.size)
        rows.append({"case": name, "value": value, "cpu_seconds": median, "mb_per_s": n / 1e6 / median,
                     "peak_rss_mib": peak, "bytes": n})
        print(f"{name:<20}{value:>12.4f}{median:>10.3f}{n / 1e6 / median:>10.1f}{peak:>10.0f}")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))
    return {"rows": rows}


if __name__ == "__main__":
    main()
