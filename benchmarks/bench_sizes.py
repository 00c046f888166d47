"""Size against the bounds (group sizes of run.py, which composes the per-area scripts): bits per byte of
every coder beside the entropy bound it chases (H0 for static order-0 coders, H0 of its own blocks for
the block-adaptive Huffman coders, H_k for order-k context models), and zlib, bz2, lzma for context.

    python benchmarks/bench_sizes.py [--data corpus,iid] [--sample 1M] [--corpus DIR]

Whole outputs (container, model and payload) unless the "counted" column says otherwise, on
``--sample`` bytes (default 1 MiB; file sources at most their length) of each ``--data`` source.
"""
from __future__ import annotations

import bz2
import lzma
import sys
import zlib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402  (benchmarks/common.py: data, timing, the suite and its tables, shared by every script)

common.use_checkout()
import codelength  # noqa: E402

import bench_arith  # noqa: E402  (constriction's Categorical view of the data)
from bench_huffman import ZLIB_HUFFMAN_ONLY, dahuffman, huffman_bounds  # noqa: E402


def group_sizes(suite: common.Suite, spec: str) -> None:
    """Bits per byte of each coder beside its bound, on one source."""
    args = suite.args
    n = args.sample
    source = common.load_source(spec, n, args.corpus)
    if source.natural_size is not None and source.natural_size < n:
        source = common.load_source(spec, source.natural_size, args.corpus)
    data, array = source.data, source.array
    n = len(data)
    label = f"{source.name} ({common.size_label(n)})" if source.natural_size is None or n != source.natural_size \
        else f"{source.name} ({n:,} B)"
    h = codelength.context_entropies(data, 3)
    bounds = {"H0": float(h[0]), "H1": float(h[1]), "H2": float(h[2]), "H3": float(h[3])}
    block_bounds, block_counts = huffman_bounds(array)
    bounds.update(block_bounds)
    suite.sources.setdefault(source.name, source.description)
    suite.entropies.append({"source": label, "description": source.description, "bytes": n,
                            "known_entropy": source.known_entropy, **bounds, **block_counts})
    suite.log(f"sizes on {label}: H0..H3 = {', '.join(f'{v:.4f}' for v in h)}")

    def add(coder, size_bytes, bound, note="", coded_bytes=None):
        coded_bytes = coded_bytes or n
        bpb = 8 * size_bytes / coded_bytes
        value = bounds.get(bound) if bound else None
        suite.sizes.append({"source": label, "coder": coder, "bytes": coded_bytes, "size_bytes": size_bytes,
                            "bits_per_byte": bpb, "bound": bound, "bound_bits_per_byte": value,
                            "distance": None if value is None else bpb - value, "note": note})

    blob = codelength.compress(data)
    add("codelength huffman (native container)", len(blob), "H0 per native Huffman block", "whole stream")
    add("codelength Huffman-only DEFLATE", len(codelength.compress(data, format="deflate")), "H0 per DEFLATE block",
        "raw DEFLATE")
    add(ZLIB_HUFFMAN_ONLY, len(common.zlib_huffman_only(data)), "H0 per zlib block (32767 B)", "raw DEFLATE")
    if dahuffman is not None:
        add("dahuffman (one static code)", len(dahuffman.HuffmanCodec.from_data(data).encode(data)), "H0",
            "payload only, no code table")
    for coder, options, bound in (("codelength range", {"coder": "range"}, "H0"),
                                  ("codelength rANS", {"coder": "rans"}, "H0"),
                                  ("codelength adaptive order-0", {"coder": "adaptive", "order": 0}, "H0"),
                                  ("codelength adaptive order-1", {"coder": "adaptive", "order": 1}, "H1"),
                                  ("codelength adaptive order-2", {"coder": "adaptive", "order": 2}, "H2"),
                                  ("codelength adaptive order-3", {"coder": "adaptive", "order": 3}, "H3")):
        add(coder, len(codelength.compress(data, **options)), bound, "whole stream")
    if bench_arith.constriction is not None:
        cs = bench_arith.constriction.stream
        symbols, categorical = bench_arith.constriction_categorical(array)
        encoder = cs.queue.RangeEncoder()
        encoder.encode(symbols, categorical)
        add("constriction range (Categorical)", encoder.get_compressed().nbytes, "H0", "payload only, no model")
        coder = cs.stack.AnsCoder()
        coder.encode_reverse(symbols, categorical)
        add("constriction ANS (Categorical)", coder.get_compressed().nbytes, "H0", "payload only, no model")
    add("zlib -9 (LZ77 + Huffman)", len(zlib.compress(data, 9)), None, "for context")
    add("bz2 -9 (BWT)", len(bz2.compress(data, 9)), None, "for context")
    add("lzma -6 (LZMA)", len(lzma.compress(data)), None, "for context")


def render_sizes(suite: common.Suite) -> str:
    parts = []
    ent = [[e["source"], "" if e["known_entropy"] is None else f"{e['known_entropy']:.4f}", f"{e['H0']:.4f}",
            f"{e['H0 per 32 KiB block']:.4f}", f"{e['H1']:.4f}", f"{e['H2']:.4f}", f"{e['H3']:.4f}"]
           for e in suite.entropies]
    parts.append(common.markdown_table(["source", "known H", "H0", "H0 per 32 KiB block", "H1", "H2", "H3"], ent))
    parts.append("")
    rows = [[s["source"], s["coder"], f"{s['bits_per_byte']:.4f}", s["bound"] or "—",
             "" if s["bound_bits_per_byte"] is None else f"{s['bound_bits_per_byte']:.4f}",
             "" if s["distance"] is None else f"{s['distance']:+.4f}", s["note"]] for s in suite.sizes]
    parts.append(common.markdown_table(["source", "coder", "bits/byte", "bound", "bound bits/byte", "distance", "counted"],
                                rows, "llrlrrl"))
    return "\n".join(parts)



def main(argv=None) -> dict:
    parser = common.build_parser(__doc__, sizes="1")
    parser.add_argument("--sample", default=None, help="bytes per source (default: 1 MiB; file sources at most "
                                                       "their length)")
    args = common.finish_args(parser, parser.parse_args(argv))
    suite = common.Suite(args)
    for spec in args.data:
        group_sizes(suite, spec)
    print(render_sizes(suite))
    if suite.skipped:
        print("\nSkipped: " + "; ".join(suite.skipped))
    return {"entropies": suite.entropies, "sizes": suite.sizes, "skipped": suite.skipped}


if __name__ == "__main__":
    main()
