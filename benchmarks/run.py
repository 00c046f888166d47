"""codelength benchmark suite: one command for speed, size against the entropy bounds, and scale.

    python benchmarks/run.py                                   # defaults: about 1.5 minutes on 2 cores
    python benchmarks/run.py --scale --plot --clock cpu        # the README table: adds 256 MiB inputs (about
                                                               # 6 minutes), writes results.png, CPU-time MB/s
    python benchmarks/run.py --data ../shared/corpus,iid --sizes 1,16 --repeats 5 --groups counting,huffman

Groups (``--groups``, comma-separated; default all):
  counting   byte counts and order-0 entropy: codelength / numpy.bincount / collections.Counter /
             scipy.stats.entropy / the pure-Python twin
  ideal      ideal code lengths of the data under its order-0 model: codelength / numpy / twin
  context    H_0..H_3 (codelength.context_entropies): codelength / numpy (bincount, unique) / twin
  huffman    Huffman encode and decode: codelength native coder and Huffman-only DEFLATE / zlib Huffman-only /
             dahuffman / twin
  arith      range coder, rANS, adaptive order-0 and order-2 coders: codelength / twin; and on i.i.d.
             order-0 data (``--peer-size``, 16 MiB): the static range and ANS coders against constriction
  sizes      bits per byte of every coder beside the bound it chases (H0, H0 per block, H_k) and zlib, bz2,
             lzma for context, for each ``--data`` source
  streaming  file_counts on 1 vs 2 threads, and the peak RSS (in a fresh process) of the streamed
             file_counts / file_context_entropies against the file size

Every speed is the median of ``--repeats`` timed calls (min and max beside it), in MB/s (10**6 bytes/s) of
input. The implementations of one operation are timed interleaved (A, B, C, A, B, C, ...) on the same bytes,
so load from elsewhere hits them alike, and ratios ("codelength / this") divide their medians. The slow
implementations (pure-Python twins, dahuffman) are timed only on the first ``--twin-bytes`` of the data and
reported per byte like the rest. Speeds use the first ``--data`` source; sizes use every source.
Results: Markdown printed and written to ``--out``/results.md, every raw figure in results.json, and with
``--plot`` results.png. A peer that is not installed is skipped with a line saying so.

The per-area scripts (bench_counting.py, bench_huffman.py, bench_arith.py, bench_measures.py) run these
groups (via :func:`build_parser`, :func:`finish_args`, :class:`Suite` and :func:`each_size`) plus the
measurements only they make, and print the same speed table; the shared data, timing and peers
(zlib Huffman-only among them) live in common.py.
"""
from __future__ import annotations

import argparse
import bz2
import collections
import lzma
import math
import os
import sys
import tempfile
import time
import zlib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402
from common import KiB, MiB, fmt_mbps, fmt_mib, fmt_ratio, markdown_table, size_label  # noqa: E402

common.use_checkout()
import numpy as np  # noqa: E402

import codelength  # noqa: E402
from codelength.coders import adaptive as adaptive_coder, model as static_model, range as range_coder, rans as rans_coder  # noqa: E402
from codelength.coders import huffman  # noqa: E402
from codelength.reference import arith as ref_arith  # noqa: E402
from codelength.reference import counting as ref_counting  # noqa: E402
from codelength.reference import huffman as ref_huffman  # noqa: E402

GROUPS = ("counting", "ideal", "context", "huffman", "arith", "sizes", "streaming")
DEFAULT_RESULTS = Path(__file__).resolve().parent / "results"
LARGE = 16 * MiB  # above this: fewer repeats, no warm-up call, no slow numpy peers


def _optional(module: str):
    try:
        return __import__(module)
    except ImportError:
        return None


scipy_stats = None
if _optional("scipy") is not None:
    import scipy.stats as scipy_stats  # noqa: E402
dahuffman = _optional("dahuffman")
constriction = _optional("constriction")  # its submodules (stream.queue, stream.stack, ...) are attributes


# --------------------------------------------------------------------------------------------- state
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
        measured = common.measure_interleaved([i.fn for i in impls], n, repeats, warmup, clock)
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


# -------------------------------------------------------------------------------------------- groups
def numpy_context_entropies(array: np.ndarray, max_order: int = 3) -> list[float]:
    """H_0..H_max_order with NumPy: (k+1)-grams packed into integers, counted by bincount (k <= 1) or
    sorting (numpy.unique); H_k = (sum_ctx C log C - sum_gram c log c) / N."""
    out = []
    for k in range(max_order + 1):
        n = array.size - k
        if n <= 0:
            out.append(0.0)
            continue
        keys = np.zeros(n, dtype=np.uint32)
        for j in range(k + 1):
            keys = (keys << np.uint32(8)) | array[j:j + n]
        if k <= 1:
            grams = np.bincount(keys, minlength=256 ** (k + 1))
            contexts = grams.reshape(-1, 256).sum(axis=1)
        else:
            values, grams = np.unique(keys, return_counts=True)
            _, starts = np.unique(values >> np.uint32(8), return_index=True)  # values are sorted
            contexts = np.add.reduceat(grams, starts)
        grams = grams[grams > 0].astype(float)
        contexts = contexts[contexts > 0].astype(float)
        out.append(float(((contexts * np.log2(contexts)).sum() - (grams * np.log2(grams)).sum()) / n))
    return out


TWIN = "pure-Python twin"


def group_counting(suite: Suite, data: bytes, is_slice: bool, source: str) -> None:
    n = len(data)
    array = np.frombuffer(data, dtype=np.uint8)
    got = suite.compare("counting", "byte counts", [
        Impl("codelength.counts", lambda: codelength.counts(data), ours=True),
        Impl("numpy.bincount", lambda: np.bincount(array, minlength=256)),
        Impl("collections.Counter", lambda: collections.Counter(data)) if n <= LARGE else None,
        Impl(TWIN, lambda: ref_counting.counts(data), slow=True) if is_slice else None], n, source)
    assert np.array_equal(got["codelength.counts"], got["numpy.bincount"])
    if TWIN in got:
        assert list(got["codelength.counts"]) == got[TWIN]
    if scipy_stats is None:
        suite.skip("scipy.stats.entropy: scipy not installed (pip install scipy)")
    got = suite.compare("counting", "order-0 entropy of data", [
        Impl("codelength.empirical_entropy", lambda: codelength.empirical_entropy(data), ours=True),
        Impl("numpy (bincount + formula)", lambda: common.numpy_entropy(array)),
        Impl("scipy.stats.entropy(numpy.bincount)",
             lambda: float(scipy_stats.entropy(np.bincount(array, minlength=256), base=2)))
        if scipy_stats is not None else None,
        Impl(TWIN, lambda: ref_counting.empirical_entropy(data), slow=True) if is_slice else None], n, source)
    h = got.pop("codelength.empirical_entropy")
    assert all(abs(h - other) < 1e-9 for other in got.values()), got


def group_ideal(suite: Suite, data: bytes, is_slice: bool, source: str) -> None:
    n = len(data)
    array = np.frombuffer(data, dtype=np.uint8)
    model = codelength.counts(data)
    model_list = model.tolist()

    def with_numpy():
        with np.errstate(divide="ignore"):
            table = np.log2(model.sum() / model)
        lengths = table[array]
        return lengths, float(lengths.sum())

    got = suite.compare("ideal", "ideal code lengths (order-0 model)", [
        Impl("codelength.ideal_code_lengths", lambda: codelength.ideal_code_lengths(data, model), ours=True),
        Impl("numpy (table[data], sum)", with_numpy),
        Impl(TWIN, lambda: ref_counting.ideal_code_lengths(data, model_list), slow=True) if is_slice else None],
        n, source)
    total = got.pop("codelength.ideal_code_lengths").total_bits
    assert all(math.isclose(total, other[1], rel_tol=1e-9) for other in got.values())


def group_context(suite: Suite, data: bytes, is_slice: bool, source: str) -> None:
    n = len(data)
    array = np.frombuffer(data, dtype=np.uint8)
    got = suite.compare("context", "H_0..H_3 (context_entropies)", [
        Impl("codelength.context_entropies", lambda: codelength.context_entropies(data, 3), ours=True),
        Impl("numpy (bincount, unique)", lambda: numpy_context_entropies(array, 3)) if n <= LARGE else None,
        Impl(TWIN, lambda: ref_counting.context_entropies(data, 3), slow=True) if is_slice else None], n, source)
    ours = got.pop("codelength.context_entropies")
    assert all(np.allclose(ours, other, atol=1e-9) for other in got.values()), got


#: labels of the Huffman rows that other scripts look up
HUFFMAN_NATIVE = "codelength.compress (native Huffman)"
HUFFMAN_DEFLATE = "codelength Huffman-only DEFLATE"
ZLIB_HUFFMAN_ONLY = "zlib Huffman-only (level 9)"


def group_huffman(suite: Suite, data: bytes, is_slice: bool, source: str) -> dict:
    """Huffman encode and decode through compress()/decompress(), zlib and the slow peers.

    Returns ``{implementation label: its output}`` of the encode rows (the streams, for further use).
    """
    n = len(data)
    native, ours_deflate, zlib_ho = HUFFMAN_NATIVE, HUFFMAN_DEFLATE, ZLIB_HUFFMAN_ONLY
    if is_slice and dahuffman is None:
        suite.skip("dahuffman: not installed (pip install dahuffman)")
    with_dahuffman = is_slice and dahuffman is not None
    enc = suite.compare("huffman", "encode", [
        Impl(native, lambda: codelength.compress(data), ours=True),
        Impl(ours_deflate, lambda: codelength.compress(data, format="deflate"), ours=True),
        Impl(zlib_ho, lambda: common.zlib_huffman_only(data), ref=ours_deflate),
        Impl(TWIN, lambda: ref_huffman.encode(data, 256), ref=native, slow=True) if is_slice else None,
        Impl("dahuffman (from_data + encode)", lambda: dahuffman.HuffmanCodec.from_data(data).encode(data),
             ref=native, slow=True) if with_dahuffman else None], n, source)
    for impl, blob in enc.items():
        if impl != TWIN:
            suite.annotate(impl, out_bytes=len(blob))
    blob, theirs = enc[native], enc[zlib_ho]
    if zlib.decompress(enc[ours_deflate], -15) != data:
        raise AssertionError("codelength's DEFLATE stream does not inflate to the input")
    if is_slice:
        param, model, payload = huffman.encode(np.frombuffer(data, dtype=np.uint8), 256)
        assert enc[TWIN] == (param, model, payload), "twin and kernel disagree"
    codec = dahuffman.HuffmanCodec.from_data(data) if with_dahuffman else None
    dec = suite.compare("huffman", "decode", [
        Impl("codelength.decompress (native Huffman)", lambda: codelength.decompress(blob), ours=True),
        Impl("zlib inflate (of zlib's stream)", lambda: zlib.decompress(theirs, -15)),
        Impl(TWIN, lambda: ref_huffman.decode(param, model, payload, n, 256), slow=True) if is_slice else None,
        Impl("dahuffman", lambda: codec.decode(enc["dahuffman (from_data + encode)"]), slow=True)
        if with_dahuffman else None], n, source)
    assert all(bytes(out) == data for out in dec.values())
    return enc


def _twin_tables(model: static_model.StaticModel):
    """Dense freq and cum (with the total appended) lists of a byte model, as the twins take them."""
    freq = np.zeros(256, dtype=np.int64)
    freq[model.symbols.astype(np.intp)] = model.freqs
    cum = np.concatenate(([0], np.cumsum(freq)))
    return freq.tolist(), cum.tolist()


#: coder label, compress() options
ARITH_CODERS = (("range coder", {"coder": "range"}), ("rANS", {"coder": "rans"}),
                ("adaptive order-0", {"coder": "adaptive", "order": 0}),
                ("adaptive order-2 context model", {"coder": "adaptive", "order": 2}))


def _arith_twins(data: bytes) -> dict:
    """label -> (twin encode, kernel payload, twin decode) for the slice (the payload the twin must match)."""
    array = np.frombuffer(data, dtype=np.uint8)
    n = len(data)
    model = static_model.StaticModel.from_data(array)
    freq, cum = _twin_tables(model)
    bits, symbols, streams = model.scale_bits, array.tolist(), static_model.default_streams(n)
    values = np.flatnonzero(codelength.counts(data))
    lookup = np.zeros(256, dtype=np.int64)
    lookup[values] = np.arange(values.size)
    ranks, k = lookup[array].tolist(), int(values.size)
    table_bits = adaptive_coder.DEFAULT_TABLE_BITS
    return {
        "range coder": (lambda: ref_arith.range_encode(symbols, freq, cum, bits, streams),
                        range_coder.range_encode(array, model, streams),
                        lambda p: ref_arith.range_decode(p, freq, cum, bits, n, streams)),
        "rANS": (lambda: ref_arith.rans_encode(symbols, freq, cum, bits, static_model.RANS_STREAMS),
                 rans_coder.rans_encode(array, model, static_model.RANS_STREAMS),
                 lambda p: ref_arith.rans_decode(p, freq, cum, bits, n, static_model.RANS_STREAMS)),
        # the order-0 twin codes ranks among the symbols that occur
        "adaptive order-0": (lambda: ref_arith.adaptive0_encode(ranks, k), adaptive_coder.adaptive_encode(array, 0)[1],
                             lambda p: values[ref_arith.adaptive0_decode(p, k, n)]),
        "adaptive order-2 context model": (lambda: ref_arith.context_encode(data, 2, table_bits),
                                           adaptive_coder.adaptive_encode(array, 2, table_bits)[1],
                                           lambda p: ref_arith.context_decode(p, 2, table_bits, n)),
    }


def group_arith(suite: Suite, data: bytes, is_slice: bool, source: str) -> None:
    n = len(data)
    twins = _arith_twins(data) if is_slice else {}
    for label, options in ARITH_CODERS:
        twin_encode, payload, twin_decode = twins.get(label, (None, None, None))
        enc = suite.compare("arith", f"{label} encode", [
            Impl("codelength.compress", lambda options=options: codelength.compress(data, **options), ours=True),
            Impl(TWIN, twin_encode, slow=True) if twin_encode else None], n, source)
        blob = enc["codelength.compress"]
        suite.annotate("codelength.compress", out_bytes=len(blob))
        if twin_encode:
            assert bytes(enc[TWIN]) == bytes(payload), label
        dec = suite.compare("arith", f"{label} decode", [
            Impl("codelength.decompress", lambda blob=blob: codelength.decompress(blob), ours=True),
            Impl(TWIN, lambda: twin_decode(payload), slow=True) if twin_decode else None], n, source)
        for out in dec.values():
            out = out if isinstance(out, (bytes, bytearray)) else np.asarray(out).astype(np.uint8).tobytes()
            assert out == data, label


def constriction_categorical(array: np.ndarray):
    """constriction's view of a byte array: (symbols as ranks among the bytes that occur, a Categorical model
    of their empirical probabilities)."""
    c = codelength.counts(array)
    used = np.flatnonzero(c)
    remap = np.zeros(256, dtype=np.int32)
    remap[used] = np.arange(used.size, dtype=np.int32)
    return remap[array], constriction.stream.model.Categorical(c[used] / array.size, perfect=False)


def group_constriction(suite: Suite, range_streams=(1, 4), rans_states=(1, 4)):
    """Static range and ANS coders on i.i.d. order-0 data: codelength's kernels (on each number of
    streams/states) against constriction, which is paired with the first. Each encode row gets its output
    size and the overhead of that over the ideal code length of the quantised model and over n H0.

    Returns ``(source, model)``: the data and codelength's static model of it.
    """
    n = suite.args.peer_size
    source = common.load_source("iid", n, suite.args.corpus)
    array = source.array
    suite.sources.setdefault("iid", source.description + f" (entropy {source.known_entropy:.4f} bits/byte)")
    g = "arith vs constriction"
    model = static_model.StaticModel.from_data(array)
    h0_bytes = common.entropy_of_blocks(array, [n]) * n / 8
    ideal_bytes = static_model.ideal_code_length(array, model) / 8
    suite.log(f"== i.i.d. order-0 data for the coder peers: {size_label(n)}, H = {source.known_entropy:.4f} bits/byte")
    if constriction is None:
        suite.skip("constriction: not installed (pip install constriction)")
    else:
        cs = constriction.stream
        symbols, categorical = constriction_categorical(array)

    def constriction_range():
        encoder = cs.queue.RangeEncoder()
        encoder.encode(symbols, categorical)
        return encoder.get_compressed()

    def constriction_ans():
        coder = cs.stack.AnsCoder()
        coder.encode_reverse(symbols, categorical)
        return coder.get_compressed()

    for kind, unit, counts, encode, decode, peer in (
            ("static range coder", "stream", range_streams, range_coder.range_encode, range_coder.range_decode, "RangeEncoder"),
            ("static ANS", "state", rans_states, rans_coder.rans_encode, rans_coder.rans_decode, "AnsCoder")):
        name, dname = encode.__name__, decode.__name__
        label = {k: f"{k} {unit}" + ("s" if k > 1 else "") for k in counts}
        peer_encode = constriction_range if peer == "RangeEncoder" else constriction_ans
        enc = suite.compare(g, f"{kind} encode", [
            *(Impl(f"codelength {name} ({label[k]})", lambda k=k: encode(array, model, k, check=False), ours=True)
              for k in counts),
            Impl(f"constriction {peer} (Categorical)", peer_encode, ref=f"codelength {name} ({label[counts[0]]})")
            if constriction is not None else None], n, "iid")
        for impl, out in enc.items():
            size = out.nbytes if isinstance(out, np.ndarray) else len(out)
            suite.annotate(impl, out_bytes=size, over_nH0_pct=100 * (size - h0_bytes) / h0_bytes,
                           over_ideal_pct=100 * (size - ideal_bytes) / ideal_bytes)
        peer_decoder = "RangeDecoder" if peer == "RangeEncoder" else peer
        if constriction is not None:
            theirs = enc[f"constriction {peer} (Categorical)"]
            peer_decode = ((lambda: cs.queue.RangeDecoder(theirs).decode(categorical, n)) if peer == "RangeEncoder"
                           else (lambda: cs.stack.AnsCoder(theirs).decode(categorical, n)))
        dec = suite.compare(g, f"{kind} decode", [
            *(Impl(f"codelength {dname} ({label[k]})",
                   lambda k=k, p=enc[f"codelength {name} ({label[k]})"]: decode(p, model, n, k), ours=True)
              for k in counts),
            Impl(f"constriction {peer_decoder} (Categorical)", peer_decode,
                 ref=f"codelength {dname} ({label[counts[0]]})")
            if constriction is not None else None], n, "iid")
        for impl, out in dec.items():
            assert np.array_equal(out, symbols if impl.startswith("constriction") else array), impl
    return source, model


# ---------------------------------------------------------------------------------------------- sizes
def huffman_bounds(array: np.ndarray) -> tuple[dict, dict]:
    """The bounds of block-adaptive order-0 coders: H0 of each block (mean bits/byte) for the blocks of
    32 KiB, of codelength's native and DEFLATE splits and of zlib's 32767-literal blocks; and the number of
    blocks of the two codelength splits."""
    n = array.size
    native_blocks = huffman.block_lengths(array, 256)
    try:
        deflate_blocks = huffman.block_lengths(array, 256, None, ref_huffman.DEFLATE_HEADER_BITS)
    except (AttributeError, TypeError):
        deflate_blocks = native_blocks
    bounds = {
        "H0 per 32 KiB block": common.entropy_of_blocks(array, common.fixed_blocks(n, 32 * KiB)),
        "H0 per native Huffman block": common.entropy_of_blocks(array, native_blocks),
        "H0 per DEFLATE block": common.entropy_of_blocks(array, deflate_blocks),
        "H0 per zlib block (32767 B)": common.entropy_of_blocks(array, common.fixed_blocks(n, 32767)),
    }
    return bounds, {"native_blocks": len(native_blocks), "deflate_blocks": len(deflate_blocks)}


def group_sizes(suite: Suite, spec: str) -> None:
    """Bits per byte of each coder beside its bound, on one source."""
    args = suite.args
    n = args.sample
    source = common.load_source(spec, n, args.corpus)
    if source.natural_size is not None and source.natural_size < n:
        source = common.load_source(spec, source.natural_size, args.corpus)
    data, array = source.data, source.array
    n = len(data)
    label = f"{source.name} ({size_label(n)})" if source.natural_size is None or n != source.natural_size \
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
    if constriction is not None:
        cs = constriction.stream
        symbols, categorical = constriction_categorical(array)
        encoder = cs.queue.RangeEncoder()
        encoder.encode(symbols, categorical)
        add("constriction range (Categorical)", encoder.get_compressed().nbytes, "H0", "payload only, no model")
        coder = cs.stack.AnsCoder()
        coder.encode_reverse(symbols, categorical)
        add("constriction ANS (Categorical)", coder.get_compressed().nbytes, "H0", "payload only, no model")
    add("zlib -9 (LZ77 + Huffman)", len(zlib.compress(data, 9)), None, "for context")
    add("bz2 -9 (BWT)", len(bz2.compress(data, 9)), None, "for context")
    add("lzma -6 (LZMA)", len(lzma.compress(data)), None, "for context")


# ------------------------------------------------------------------------------------------ streaming
def time_file_counts(suite: Suite, path: str, n: int, source: str) -> None:
    """file_counts of an ``n``-byte file on 1 and on 2 threads (wall clock: CPU time adds up over threads)."""
    got = suite.compare("streaming", "file_counts (file in page cache)", [
        Impl("codelength.file_counts, 1 thread", lambda: codelength.file_counts(path, threads=1), ours=True),
        Impl("codelength.file_counts, 2 threads", lambda: codelength.file_counts(path, threads=2), ours=True)],
        n, source)
    one, two = got.values()
    assert np.array_equal(one, two)


def group_streaming(suite: Suite, data: bytes, source: str) -> None:
    """file_counts on 1 vs 2 threads (timed here), and peak RSS of the streamed paths in fresh processes."""
    n = len(data)
    with tempfile.TemporaryDirectory(dir=suite.args.tmpdir) as tmp:
        path = os.path.join(tmp, "data.bin")
        with open(path, "wb") as handle:
            handle.write(data)
        time_file_counts(suite, path, n, source)
        del data
        children = [
            ("python + numpy + codelength imported (baseline)", "pass"),
            ("file_counts(path), 1 thread", f"codelength.file_counts({path!r}, threads=1)"),
            ("file_counts(path), 2 threads", f"codelength.file_counts({path!r}, threads=2)"),
            ("file_context_entropies(path, max_order=3)", f"codelength.file_context_entropies({path!r}, 3)"),
            ("in memory, for contrast: counts(open(path).read())",
             f"codelength.counts(open({path!r}, 'rb').read())"),
        ]
        baseline = None
        for label, code in children:
            try:
                result = common.peak_rss_child(code)
            except (RuntimeError, OSError) as exc:
                suite.skip(f"peak RSS of {label}: {exc}")
                continue
            if baseline is None:
                baseline = result["peak_rss"]
            row = {"op": label, "file_bytes": n, "seconds": result["seconds"], "peak_rss": result["peak_rss"],
                   "above_baseline": result["peak_rss"] - baseline,
                   "mbps": n / result["seconds"] / 1e6 if code != "pass" and result["seconds"] > 0 else None}
            suite.streaming.append(row)
            suite.log(f"  streaming {label:52} peak RSS {fmt_mib(row['peak_rss'])} "
                      f"(+{fmt_mib(row['above_baseline'])}) for a {fmt_mib(n)} file")


# ------------------------------------------------------------------------------------------- output
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


def render_sizes(suite: Suite) -> str:
    parts = []
    ent = [[e["source"], "" if e["known_entropy"] is None else f"{e['known_entropy']:.4f}", f"{e['H0']:.4f}",
            f"{e['H0 per 32 KiB block']:.4f}", f"{e['H1']:.4f}", f"{e['H2']:.4f}", f"{e['H3']:.4f}"]
           for e in suite.entropies]
    parts.append(markdown_table(["source", "known H", "H0", "H0 per 32 KiB block", "H1", "H2", "H3"], ent))
    parts.append("")
    rows = [[s["source"], s["coder"], f"{s['bits_per_byte']:.4f}", s["bound"] or "—",
             "" if s["bound_bits_per_byte"] is None else f"{s['bound_bits_per_byte']:.4f}",
             "" if s["distance"] is None else f"{s['distance']:+.4f}", s["note"]] for s in suite.sizes]
    parts.append(markdown_table(["source", "coder", "bits/byte", "bound", "bound bits/byte", "distance", "counted"],
                                rows, "llrlrrl"))
    return "\n".join(parts)


def render_streaming(suite: Suite) -> str:
    rows = [[s["op"], fmt_mib(s["file_bytes"]), f"{s['seconds']:.3f}", fmt_mbps(s["mbps"]), fmt_mib(s["peak_rss"]),
             fmt_mib(s["above_baseline"])] for s in suite.streaming]
    return markdown_table(["fresh process runs", "file", "seconds", "MB/s", "peak RSS", "above baseline"], rows)


def render(suite: Suite, machine: dict, command: str) -> str:
    m = machine
    out = [f"# codelength benchmarks, {m['date_utc']}", "",
           f"Command: `{command}`", "",
           f"Machine: {m['cpu']}, {m['usable_cpus']} usable of {m['logical_cpus']} logical CPUs, "
           f"{m['memory_gib']} GiB; {m['os']}; Python {m['python']}, NumPy {m['numpy']}, Cython {m['cython']}, "
           f"codelength {m['codelength']} (git {m['git']}); peers: scipy {m['scipy']}, constriction "
           f"{m['constriction']}, dahuffman {m['dahuffman']}, zlib {m['zlib']}.", ""]
    if suite.sources:
        out += ["Data: " + "; ".join(f"**{k}**: {v}" for k, v in suite.sources.items()) + ".", ""]
    if suite.speed:
        clock = "process CPU time" if suite.args.clock == "cpu" else "wall-clock time"
        out += ["## Speed", "",
                f"MB/s of input (10^6 bytes/s, from {clock}): median of {suite.args.repeats} timed calls (min–max), "
                f"{suite.args.twin_repeats} for the pure-Python twins and dahuffman, which run only on the "
                f"first {size_label(suite.args.twin_bytes)}; inputs above 16 MiB get "
                f"{max(3, (suite.args.repeats + 1) // 2)} calls. "
                "The implementations of an operation run interleaved (A, B, A, B, ...) on the same bytes; "
                "\"codelength ÷ this\" divides their medians (at the largest size both ran "
                "at); codelength's coders are timed through compress()/decompress() (model, container, CRC-32), "
                "the twins on the bare coder.", "",
                render_speed([r for r in suite.speed if r["group"] != "streaming"]), ""]
        if max(r["bytes"] for r in suite.speed) > LARGE:
            out += ["Not run above 16 MiB: collections.Counter and the NumPy context entropies.", ""]
        if any(r["group"] == "arith vs constriction" for r in suite.speed):
            out += ["\"arith vs constriction\": i.i.d. bytes (source iid), codelength's static models through the "
                    "low-level range_encode/rans_encode (no container), constriction with a Categorical model of the "
                    "same empirical probabilities; each constriction row is paired with codelength on one "
                    "stream/state.", ""]
    if suite.entropies:
        out += ["## Size against the bounds", "",
                "Bits per byte of the whole output (container, model and payload unless noted) beside the "
                "entropy bound each coder chases: H0 for static order-0 coders, H0 of its own blocks for the "
                "block-adaptive Huffman coders, H_k for order-k context models (the empirical conditional "
                "entropy, which no adaptive coder that learns as it goes can be expected to reach on small "
                "inputs). Adaptive coders can go below a static bound where the statistics drift (the corpus "
                "concatenates text, HTML, JPEG and PDF). \"distance\" = bits/byte − bound.", "",
                render_sizes(suite), ""]
    streaming_speed = [r for r in suite.speed if r["group"] == "streaming"]
    if streaming_speed or suite.streaming:
        out += ["## Streaming and threads", ""]
        if streaming_speed:
            out += ["Wall-clock MB/s of file_counts on a file in the page cache (interleaved, as above):", "",
                    render_speed(streaming_speed), ""]
            one, two = (r["mbps"] for r in streaming_speed[:2])
            out += [f"2 threads / 1 thread: {two / one:.2f}x.", ""]
        if suite.streaming:
            out += ["Peak resident set size (VmHWM) of a fresh interpreter running one call on the file; "
                    "\"above baseline\" subtracts the peak of an interpreter that only imports numpy and "
                    "codelength. file_counts holds one 4 MiB buffer per thread whatever the file's size; "
                    "file_context_entropies holds its n-gram tables, which grow with the number of distinct "
                    "n-grams, not with the file (a repeated corpus adds none after its first pass).", "",
                    render_streaming(suite), ""]
    if suite.skipped:
        out += ["## Skipped", ""] + [f"- {s}" for s in suite.skipped] + [""]
    return "\n".join(out)


def plot(suite: Suite, path: Path) -> bool:
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        suite.skip("plot: matplotlib not installed (pip install matplotlib)")
        return False
    fig, axes = plt.subplots(1, 2, figsize=(15, 7))
    sizes = [s for s in suite.sizes if s["source"] == suite.sizes[0]["source"]] if suite.sizes else []
    if sizes:
        ax = axes[0]
        y = np.arange(len(sizes))
        ax.barh(y, [s["bits_per_byte"] for s in sizes], color="tab:blue", label="bits/byte")
        bounded = [(i, s["bound_bits_per_byte"]) for i, s in enumerate(sizes) if s["bound_bits_per_byte"] is not None]
        ax.scatter([b for _, b in bounded], [i for i, _ in bounded], marker="|", s=300, color="black", zorder=3,
                   label="its bound")
        ax.set_yticks(y, [s["coder"] for s in sizes], fontsize=8)
        ax.invert_yaxis()
        ax.set_xlabel("bits per byte")
        ax.set_title(f"size vs bound: {sizes[0]['source']}")
        ax.legend(loc="lower right")
    speed = [r for r in suite.speed if r["group"] != "streaming"]
    if speed:
        ax = axes[1]
        best = {}
        for r in speed:  # each implementation at the largest size it ran
            key = (r["op"], r["impl"])
            if key not in best or r["bytes"] > best[key]["bytes"]:
                best[key] = r
        rows = list(best.values())
        y = np.arange(len(rows))
        ax.barh(y, [r["mbps"] for r in rows], color=["tab:green" if r["codelength"] else "tab:gray" for r in rows],
                xerr=[[r["mbps"] - r["mbps_min"] for r in rows], [r["mbps_max"] - r["mbps"] for r in rows]])
        ax.set_xscale("log")
        ax.set_yticks(y, [f"{r['op']}: {r['impl']} ({size_label(r['bytes'])})" for r in rows], fontsize=6)
        ax.invert_yaxis()
        ax.set_xlabel("MB/s (log scale; green: codelength)")
        ax.set_title("throughput per implementation")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


# --------------------------------------------------------------------------------------------- main
def build_parser(description: str = __doc__, suite: bool = True, **defaults) -> argparse.ArgumentParser:
    """The command line of run.py; with ``suite=False`` only the options the per-area scripts share with it
    (data, sizes, repeats, slow implementations, clock). ``defaults`` override option defaults by dest."""
    parser = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    add = parser.add_argument
    add("--data", default="corpus,iid",
        help="comma-separated sources: 'corpus' (../shared/corpus), a directory, a file, or a generated source of "
             f"known entropy ({', '.join(common.GENERATED)}); speeds use the first, sizes all (default corpus,iid)")
    add("--corpus", type=Path, default=common.CORPUS, help="the corpus directory of 'corpus'")
    add("--sizes", default="1,16",
        help="input sizes for the speed groups, MiB by default, K/M/G suffixes allowed (default %(default)s)")
    add("--repeats", type=int, default=5, help="timed calls per figure (default %(default)s)")
    add("--twin-bytes", default="64K", help="bytes the slow implementations run on (default %(default)s)")
    add("--twin-repeats", type=int, default=3, help="timed calls of the slow ones (default %(default)s)")
    add("--clock", choices=("wall", "cpu"), default="wall",
        help="seconds behind the MB/s: wall clock (default) or process CPU time, steadier on a shared machine "
             "(the threaded file_counts rows always use wall time); results.json keeps both")
    add("--quiet", action="store_true", help="no progress lines on stderr")
    if suite:
        add("--scale", action="store_true", help="add 256 MiB to --sizes (a few more minutes)")
        add("--peer-size", default=None,
            help="bytes of i.i.d. data for the constriction comparison (default 16M, at most the largest --sizes)")
        add("--sample", default=None,
            help="bytes per source for the size table (default: the smallest --sizes; file sources at most their "
                 "length)")
        add("--groups", default=",".join(GROUPS), help=f"comma-separated, of {', '.join(GROUPS)}")
        add("--out", type=Path, default=DEFAULT_RESULTS, help="output directory (default benchmarks/results)")
        add("--tmpdir", default=None, help="where the streaming group writes its temporary file")
        add("--plot", action="store_true", help="write results.png (needs matplotlib)")
    parser.set_defaults(**defaults)
    return parser


def finish_args(parser: argparse.ArgumentParser, args: argparse.Namespace) -> argparse.Namespace:
    """Turn the parsed strings into sizes and lists, fill what a per-area parser leaves out, check."""
    for name, value in (("scale", False), ("peer_size", None), ("sample", None), ("groups", ""), ("tmpdir", None)):
        if not hasattr(args, name):
            setattr(args, name, value)
    args.sizes = sorted({common.parse_size(s) for s in str(args.sizes).split(",") if s.strip()})
    if args.scale:
        args.sizes = sorted(set(args.sizes) | {256 * MiB})
    args.twin_bytes = common.parse_size(args.twin_bytes)
    largest = max(args.sizes)
    args.peer_size = common.parse_size(args.peer_size) if args.peer_size else min(16 * MiB, largest)
    args.sample = common.parse_size(args.sample) if args.sample else min(args.sizes)
    args.groups = [g.strip() for g in args.groups.split(",") if g.strip()]
    unknown = [g for g in args.groups if g not in GROUPS]
    if unknown:
        parser.error(f"unknown group(s) {', '.join(unknown)}; choose from {', '.join(GROUPS)}")
    args.data = [d.strip() for d in args.data.split(",") if d.strip()]
    if args.repeats < 1 or args.twin_repeats < 1:
        parser.error("--repeats and --twin-repeats must be at least 1")
    return args


def parse_args(argv=None):
    parser = build_parser()
    return finish_args(parser, parser.parse_args(argv))


def each_size(suite: Suite, spec: str | None = None, with_slice: bool = True):
    """Yield ``(source, is_slice)``: ``spec`` (default the first ``--data``) at each ``--sizes`` and, when
    ``with_slice``, at ``--twin-bytes``, the size the slow implementations run on (``is_slice``), smallest
    first."""
    args = suite.args
    spec = spec or args.data[0]
    for n in sorted(set(args.sizes) | ({args.twin_bytes} if with_slice else set())):
        source = common.load_source(spec, n, args.corpus)
        suite.sources.setdefault(source.name, source.description.replace(", repeated", "") + ", repeated to each size")
        suite.log(f"== {size_label(n)} of {source.name}: {source.description}")
        yield source, n == args.twin_bytes


PER_SIZE = {"counting": group_counting, "ideal": group_ideal, "context": group_context, "huffman": group_huffman,
            "arith": group_arith}


def main(argv=None) -> dict:
    args = parse_args(argv)
    command = "python benchmarks/run.py" + ("" if argv is None and len(sys.argv) == 1 else " " + " ".join(
        sys.argv[1:] if argv is None else argv))
    suite = Suite(args)
    started = time.perf_counter()
    machine = common.machine_info()
    primary = args.data[0]
    per_size = [g for g in args.groups if g in PER_SIZE]
    for source, is_slice in each_size(suite) if per_size else ():
        for group in per_size:
            PER_SIZE[group](suite, source.data, is_slice, source.name)
        del source
    if "arith" in args.groups:
        group_constriction(suite)
    if "sizes" in args.groups:
        for spec in args.data:
            group_sizes(suite, spec)
    if "streaming" in args.groups:
        n = max(args.sizes)
        source = common.load_source(primary, n, args.corpus)
        suite.log(f"== streaming: a {size_label(n)} file of {source.name}")
        suite.sources.setdefault(source.name, source.description)
        group_streaming(suite, source.data, source.name)
    elapsed = time.perf_counter() - started
    if dahuffman is None and ("huffman" in args.groups or "sizes" in args.groups):
        suite.skip("dahuffman: not installed (pip install dahuffman)")
    if constriction is None and ("arith" in args.groups or "sizes" in args.groups):
        suite.skip("constriction: not installed (pip install constriction)")
    args.out.mkdir(parents=True, exist_ok=True)
    if args.plot and plot(suite, args.out / "results.png"):
        suite.log(f"plot: {args.out / 'results.png'}")
    markdown = render(suite, machine, command)
    markdown += f"\nTotal run time {elapsed:.0f} s.\n"
    common.write_text(args.out / "results.md", markdown)
    payload = {"command": command, "machine": machine, "elapsed_s": elapsed,
               "args": {k: v for k, v in vars(args).items()}, "speed": suite.speed,
               "ratios": [{"group": r["group"], "op": r["op"], "impl": r["impl"], "bytes": r["bytes"],
                           "codelength_over_this": ratio_of(r, suite.speed)}
                          for r in suite.speed if not r["codelength"]],
               "entropies": suite.entropies, "sizes": suite.sizes, "streaming": suite.streaming,
               "skipped": suite.skipped}
    common.write_json(args.out / "results.json", payload)
    print(markdown)
    suite.log(f"wrote {args.out / 'results.md'} and {args.out / 'results.json'}")
    return payload


if __name__ == "__main__":
    main()
