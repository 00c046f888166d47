"""Huffman coding: native coder and Huffman-only DEFLATE vs zlib Huffman-only, the pure-Python twin and
dahuffman (when installed).

    python benchmarks/bench_huffman.py [--sizes 1,64] [--repeats 5] [--corpus DIR]

Data: the files of ../shared/corpus concatenated and repeated up to each size (skewed random bytes when
the corpus is absent). Speeds are medians of --repeats runs (after one untimed warm-up call), in MB/s of
original data; ratios are taken between medians of this one run. The pure-Python twin and dahuffman are
slow: they are timed once on a 64 KiB slice and reported per byte like the rest.

A fresh output array costs a page fault per 4 KiB page on first touch (in this VM about as much as the
decoding itself on 64 MiB), hence the second decode row, which decodes into a reused buffer.

Sizes are in bits per byte beside three entropies: H0 (order-0 entropy of the whole input), H0 per
32 KiB block (mean of the blocks' own order-0 entropies, what a coder that adapts every 32 KiB could
reach) and H0 per block of the native coder's own adaptive split.
"""
from __future__ import annotations

import argparse
import statistics
import time
import zlib
from pathlib import Path

import numpy as np

import codelength
from codelength import _huffman, deflate, huffman
from codelength.reference import huffman as twin

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
MiB = 1 << 20
TWIN_BYTES = 64 * 1024


def load_data(size: int, corpus: Path = CORPUS) -> bytes:
    """``size`` bytes of real data (corpus files repeated) or, without a corpus, skewed random bytes."""
    files = sorted(p for p in corpus.glob("*") if p.is_file() and p.name != "README.md") if corpus.is_dir() else []
    if files:
        seed = b"".join(p.read_bytes() for p in files)
    else:
        rng = np.random.default_rng(0)
        seed = rng.geometric(0.05, size=4 * MiB).clip(0, 255).astype(np.uint8).tobytes()
    return (seed * (size // len(seed) + 1))[:size]


def timed(fn, repeats: int, warmup: bool = True):
    """(median seconds, result of the last call), after one untimed warm-up call."""
    times = []
    result = fn() if warmup else None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def entropy_of_blocks(array: np.ndarray, lengths) -> float:
    """Mean bits per byte of the blocks' own order-0 entropies: sum_b N_b H0(b) / N."""
    lengths = np.asarray(lengths, dtype=np.int64)
    block_index = np.repeat(np.arange(lengths.size), lengths)
    counts = np.bincount(block_index * 256 + array, minlength=lengths.size * 256).reshape(-1, 256)
    totals = counts.sum(axis=1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(counts > 0, counts * np.log2(totals / np.maximum(counts, 1)), 0.0)
    return float(terms.sum() / array.size)


def zlib_huffman_only(data: bytes, wbits: int = -15) -> bytes:
    compressor = zlib.compressobj(6, zlib.DEFLATED, wbits, 9, zlib.Z_HUFFMAN_ONLY)
    return compressor.compress(data) + compressor.flush()


def run(size_mib: int, repeats: int, corpus: Path) -> dict:
    data = load_data(size_mib * MiB, corpus)
    array = np.frombuffer(data, dtype=np.uint8)
    n = len(data)
    reps = repeats if size_mib <= 16 else max(3, repeats // 2)
    out = {"size_mib": size_mib, "rows": []}

    def add(name, seconds, nbytes, size_bytes=None):
        out["rows"].append({"name": name, "mbps": nbytes / seconds / 1e6,
                            "bits_per_byte": None if size_bytes is None else size_bytes * 8 / nbytes})
        return nbytes / seconds / 1e6

    t, (param, model, payload) = timed(lambda: huffman.encode(array, 256), reps)
    enc = add("native encode (backend)", t, n, len(model) + len(payload))
    t, symbols = timed(lambda: huffman.decode(param, model, payload, n, 256), reps)
    assert symbols.tobytes() == data
    dec = add("native decode (backend; fresh output array each call)", t, n)
    del symbols
    reused = np.empty(n, dtype=np.uint8)
    model_view, payload_view = np.frombuffer(model, np.uint8), np.frombuffer(payload, np.uint8)
    t, rc = timed(lambda: _huffman.decode_native(model_view, payload_view, reused, 256), reps)
    assert rc == 0 and reused.tobytes() == data
    add("native decode (kernel into a reused buffer: no page faults)", t, n)
    t, blob = timed(lambda: codelength.compress(data), reps)
    add("codelength.compress (container, CRC)", t, n, len(blob))
    t, back = timed(lambda: codelength.decompress(blob), reps)
    assert back == data
    add("codelength.decompress (container, CRC)", t, n)

    t, ours = timed(lambda: deflate.compress(data, "deflate"), reps)
    ours_enc = add("Huffman-only DEFLATE encode (codelength)", t, n, len(ours))
    t, theirs = timed(lambda: zlib_huffman_only(data), reps)
    zlib_enc = add("zlib Huffman-only encode", t, n, len(theirs))
    t, _ = timed(lambda: zlib.decompress(theirs, -15), reps)
    zlib_dec = add("zlib inflate of zlib's stream", t, n)
    t, back = timed(lambda: zlib.decompress(ours, -15), reps)
    assert back == data
    add("zlib inflate of codelength's DEFLATE stream", t, n)

    small = data[:TWIN_BYTES]
    small_array = array[:TWIN_BYTES]
    t_k, _ = timed(lambda: huffman.encode(small_array, 256), repeats)
    t, (p2, m2, pl2) = timed(lambda: twin.encode(small, 256), 1, False)
    twin_enc = add("pure-Python twin encode (64 KiB slice; same bytes as the kernel)", t, len(small),
                   len(m2) + len(pl2))
    t_kd, _ = timed(lambda: huffman.decode(p2, m2, pl2, len(small), 256), repeats)
    t, _ = timed(lambda: twin.decode(p2, m2, pl2, len(small), 256), 1, False)
    twin_dec = add("pure-Python twin decode (64 KiB slice)", t, len(small))
    out["twin_ratio"] = (len(small) / t_k / 1e6 / twin_enc, len(small) / t_kd / 1e6 / twin_dec)
    try:
        import dahuffman
        codec = dahuffman.HuffmanCodec.from_data(small)
        t, coded = timed(lambda: codec.encode(small), 1, False)
        add("dahuffman encode (64 KiB slice; size without its code table)", t, len(small), len(coded))
        t, _ = timed(lambda: codec.decode(coded), 1, False)
        add("dahuffman decode (64 KiB slice)", t, len(small))
    except ImportError:
        pass

    blocks = huffman.block_lengths(array, 256)
    fixed = [32768] * (n // 32768) + ([n % 32768] if n % 32768 else [])
    out.update({
        "h0": entropy_of_blocks(array, [n]),
        "h0_32k": entropy_of_blocks(array, fixed),
        "h0_native_blocks": entropy_of_blocks(array, blocks),
        "native_blocks": int(len(blocks)),
        "native_bpb": (len(model) + len(payload)) * 8 / n,
        "deflate_bpb": len(ours) * 8 / n,
        "zlib_bpb": len(theirs) * 8 / n,
        "speedups": {"native encode / zlib encode": enc / zlib_enc,
                     "DEFLATE encode / zlib encode": ours_enc / zlib_enc,
                     "native decode / zlib inflate": dec / zlib_dec},
    })
    return out


def render(result: dict) -> str:
    lines = [f"### {result['size_mib']} MiB",
             "",
             "| what | MB/s (median) | bits/byte |",
             "|---|---:|---:|"]
    for r in result["rows"]:
        bpb = "" if r["bits_per_byte"] is None else f"{r['bits_per_byte']:.4f}"
        lines.append(f"| {r['name']} | {r['mbps']:.1f} | {bpb} |")
    lines += ["",
              f"H0 (global) {result['h0']:.4f}, H0 per 32 KiB block {result['h0_32k']:.4f}, "
              f"H0 per native block {result['h0_native_blocks']:.4f} ({result['native_blocks']} blocks) bits/byte",
              f"native {result['native_bpb']:.4f}, codelength DEFLATE {result['deflate_bpb']:.4f}, "
              f"zlib Huffman-only {result['zlib_bpb']:.4f} bits/byte "
              f"(DEFLATE / zlib size = {result['deflate_bpb'] / result['zlib_bpb']:.4f})"]
    lines += [f"{k}: {v:.2f}x" for k, v in result["speedups"].items()]
    lines.append(f"kernel vs pure-Python twin (64 KiB): encode {result['twin_ratio'][0]:.0f}x, "
                 f"decode {result['twin_ratio'][1]:.0f}x")
    return "\n".join(lines)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1,64", help="sizes in MiB, comma-separated (default 1,64)")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    args = parser.parse_args(argv)
    for size in (int(s) for s in args.sizes.split(",")):
        print(render(run(size, args.repeats, args.corpus)))
        print()


if __name__ == "__main__":
    main()
