"""Bits per byte of every coder beside the bounds, per corpus file: the README's size table.

    python benchmarks/sizes_table.py [CORPUS_DIR]     (default: ../shared/corpus beside the checkout)

Whole streams, header and model included; every coder's output is decoded again and compared.
"""
import bz2
import lzma
import sys
import zlib
from pathlib import Path

import codelength as cl

corpus = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[2] / "shared" / "corpus"
names = ["alice29.txt", "asyoulik.txt", "lcet10.txt", "plrabn12.txt", "html", "paper-100k.pdf", "fireworks.jpeg"]
print("| file | bytes | H0 | H0 per 32 KiB block | H1 | H2 | H3 | Huffman | gzip (ours) | zlib Huffman-only | range | rANS | adaptive o2 | adaptive o3 | adaptive o3 mix | zlib -9 | bz2 -9 | lzma |")
print("|---|---:|" + "---:|" * 16)
for name in names:
    d = (corpus / name).read_bytes()
    n = len(d)
    bpb = lambda size: f"{8 * size / n:.3f}"
    h = cl.context_entropies(d, 3)
    blocks = [d[i:i + 32768] for i in range(0, n, 32768)]
    hblock = sum(len(b) * cl.empirical_entropy(b) for b in blocks) / n
    z = zlib.compressobj(9, zlib.DEFLATED, 31, 9, zlib.Z_HUFFMAN_ONLY)
    zh = len(z.compress(d) + z.flush())
    row = [name, f"{n:,}", f"{h[0]:.3f}", f"{hblock:.3f}", f"{h[1]:.3f}", f"{h[2]:.3f}", f"{h[3]:.3f}",
           bpb(len(cl.compress(d))), bpb(len(cl.compress(d, format="gzip"))), bpb(zh),
           bpb(len(cl.compress(d, coder="range"))), bpb(len(cl.compress(d, coder="rans"))),
           bpb(len(cl.compress(d, coder="adaptive", order=2))), bpb(len(cl.compress(d, coder="adaptive", order=3))),
           bpb(len(cl.compress(d, coder="adaptive", order=3, mix=True))),
           bpb(len(zlib.compress(d, 9))), bpb(len(bz2.compress(d, 9))), bpb(len(lzma.compress(d)))]
    for coder, opts in [("huffman", {}), ("range", {}), ("rans", {}), ("adaptive", {"order": 3, "mix": True})]:
        assert cl.decompress(cl.compress(d, coder=coder, **opts)) == d
    print("| " + " | ".join(row) + " |")
