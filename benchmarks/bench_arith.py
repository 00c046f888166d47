"""Arithmetic coders: group arith of run.py (which composes the per-area scripts) on order-0 data plus what only this script measures.

    python benchmarks/bench_arith.py [--size-mib 16] [--repeats 3] [--corpus DIR] [--clock cpu] [--json FILE]

1. Order-0 data: ``--size-mib`` (alias ``--sizes``; MiB by default, K/M suffixes allowed) of i.i.d. bytes
   with the byte frequencies of alice29.txt (common.load_source("iid")). Through group_constriction
   (group "arith vs constriction"): the static range coder on 1 and 4 streams and rANS on 1 and 4 byte-wise
   states and the wide rANS (32 states) against constriction 0.5's range and ANS coders with a Categorical
   model of the same empirical probabilities (skipped when not installed) and zlib Huffman-only; then the
   table of issue 11's targets (ratios within the run) and the fixed cost per call of 100 B and 1 KiB
   inputs beside zlib -6 and zstd -3. Only here (group "arith, order-0 data"): the
   adaptive order-0 and order-2 coders on the same data; the payload overhead of every coder against the
   ideal code length of the quantised model and against n * H0; the quantisation cost of the model.
2. The pure-Python twins on the first --twin-bytes (64 KiB) of that data: group_arith (kernels through
   compress()/decompress() against the twins on the bare coder, payloads checked bit-identical).
3. Corpus text files: bits per byte of adaptive order 0..3, mixed orders 0..2 and 0..3, and the static
   range coder (whole streams) beside the empirical H0..H3 and zlib -9; adaptive order-2 speed, plain and
   mixed, on the text files repeated to the same size.
4. H(p, q) in real bytes: alice29.txt coded under beliefs q (itself, uniform, asyoulik's H0 model).

Timing as in run.py: medians of --repeats interleaved calls (min–max), MB/s of input, wall clock or with
--clock cpu process CPU time (the machine is shared: CPU time is the steadier figure); --json keeps both.
"""
from __future__ import annotations

import sys
import zlib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402  (benchmarks/common.py: data, timing, the suite and its tables, shared by every script)
from common import TWIN, Impl  # noqa: E402
import bench_small  # noqa: E402  (the fixed cost per call: one timing loop for both scripts)

common.use_checkout()

import numpy as np  # noqa: E402

import codelength  # noqa: E402
from codelength.coders import adaptive as adaptive_coder, model as static_model  # noqa: E402
from codelength.coders import range as range_coder, rans as rans_coder  # noqa: E402
from codelength.reference import arith as ref_arith  # noqa: E402

constriction = common.optional("constriction")  # its submodules (stream.queue, stream.stack, ...) are attributes

TEXTS = ("alice29.txt", "asyoulik.txt", "lcet10.txt", "plrabn12.txt")
ORDER0 = "arith, order-0 data"


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


def group_arith(suite: common.Suite, data: bytes, is_slice: bool, source: str) -> None:
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


def group_constriction(suite: common.Suite, range_streams=(1, 4), rans_states=(1, 4, 32)):
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
    suite.log(f"== i.i.d. order-0 data for the coder peers: {common.size_label(n)}, H = {source.known_entropy:.4f} bits/byte")
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

    data = source.data
    zlib_stream = common.zlib_huffman_only(data)

    for kind, unit, counts, encode, decode, peer in (
            ("static range coder", "stream", range_streams, range_coder.range_encode, range_coder.range_decode, "RangeEncoder"),
            ("static ANS", "state", rans_states, rans_coder.rans_encode, rans_coder.rans_decode, "AnsCoder")):
        name, dname = encode.__name__, decode.__name__
        label = {k: f"{k} {unit}" + ("s" if k > 1 else "") for k in counts}
        peer_encode = constriction_range if peer == "RangeEncoder" else constriction_ans
        enc = suite.compare(g, f"{kind} encode", [
            *(Impl(f"codelength {name} ({label[k]})", lambda k=k: encode(array, model, k, check=False), ours=True)
              for k in counts),
            Impl(f"constriction {peer} (Categorical)", peer_encode, ref=f"codelength {name} ({label[counts[-1]]})")
            if constriction is not None else None,
            Impl(ZLIB_HUFFMAN, lambda: common.zlib_huffman_only(data), ref=f"codelength {name} ({label[counts[-1]]})")],
            n, "iid")
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
                 ref=f"codelength {dname} ({label[counts[-1]]})")
            if constriction is not None else None,
            Impl(ZLIB_HUFFMAN, lambda: zlib.decompress(zlib_stream, -15), ref=f"codelength {dname} ({label[counts[-1]]})")],
            n, "iid")
        for impl, out in dec.items():
            if impl == ZLIB_HUFFMAN:
                assert out == data
                continue
            assert np.array_equal(out, symbols if impl.startswith("constriction") else array), impl
    return source, model


ZLIB_HUFFMAN = "zlib Huffman-only (level 9, memLevel 9)"

#: issue 11's targets on the order-0 data: (label, (op, impl), (op, impl of the reference), least ratio)
TARGETS = (
    ("wide rANS decode / zlib Huffman-only decode", ("static ANS decode", "codelength rans_decode (32 states)"),
     ("static ANS decode", ZLIB_HUFFMAN), 4.0),
    ("wide rANS decode / 4-state rANS decode (the default before)", ("static ANS decode", "codelength rans_decode (32 states)"),
     ("static ANS decode", "codelength rans_decode (4 states)"), 2.0),
    ("wide rANS encode / 4-state rANS encode (the default before)", ("static ANS encode", "codelength rans_encode (32 states)"),
     ("static ANS encode", "codelength rans_encode (4 states)"), 1.5),
    ("range encode (4 streams) / constriction RangeEncoder", ("static range coder encode", "codelength range_encode (4 streams)"),
     ("static range coder encode", "constriction RangeEncoder (Categorical)"), 1.5),
    ("range encode (1 stream) / constriction RangeEncoder", ("static range coder encode", "codelength range_encode (1 stream)"),
     ("static range coder encode", "constriction RangeEncoder (Categorical)"), 1.5),
)


def render_targets(suite: common.Suite) -> str:
    """The targets' ratios within this run (CPU or wall medians as timed), met or not."""
    rate = {(r["op"], r["impl"]): r["mbps"] for r in suite.speed if r["group"] == "arith vs constriction"}
    rows = []
    for label, ours, peer, least in TARGETS:
        if ours in rate and peer in rate:
            x = rate[ours] / rate[peer]
            rows.append([label, f"{rate[ours]:.0f} / {rate[peer]:.0f}", f"{x:.2f}x", f">= {least:g}x",
                         "met" if x >= least else "NOT met"])
    return common.markdown_table(["target", "MB/s (ours / reference)", "ratio", "target", ""], rows)


def render_small(rows: list[dict]) -> str:
    base = {r["size"]: r for r in rows if r["impl"] == "zlib -6"}
    table = [[f"{r['size']} B", r["impl"], f"{r['encode_us']:.1f}", f"{r['decode_us']:.1f}",
              f"{r['encode_us'] / base[r['size']]['encode_us']:.1f}x / {r['decode_us'] / base[r['size']]['decode_us']:.1f}x"]
             for r in rows]
    return common.markdown_table(["input", "implementation", "encode µs/call", "decode µs/call",
                                  "÷ zlib -6 (target <= 5x)"], table)


def group_adaptive_order0(suite: common.Suite, source: common.Source, model: static_model.StaticModel) -> None:
    """Adaptive order-0 and order-2 coders (bare kernels) on the order-0 data of group_constriction;
    their payloads annotated with the same overheads as the static coders' rows."""
    array, n = source.array, len(source.data)
    h0_bytes = common.entropy_of_blocks(array, [n]) * n / 8
    ideal_bytes = static_model.ideal_code_length(array, model) / 8
    for label, order in (("adaptive order-0", 0), ("adaptive order-2 (CM)", 2)):
        enc = suite.compare(ORDER0, f"{label} encode", [
            Impl(f"codelength adaptive_encode (order {order})", lambda order=order: adaptive_coder.adaptive_encode(array, order),
                 ours=True)], n, source.name)
        (impl, (model_section, payload)), = enc.items()
        size = len(payload)
        suite.annotate(impl, out_bytes=size, over_nH0_pct=100 * (size - h0_bytes) / h0_bytes,
                       over_ideal_pct=100 * (size - ideal_bytes) / ideal_bytes)
        dec = suite.compare(ORDER0, f"{label} decode", [
            Impl(f"codelength adaptive_decode (order {order})",
                 lambda order=order: adaptive_coder.adaptive_decode(model_section, payload, n, order), ours=True)],
            n, source.name)
        assert all(np.array_equal(out, array) for out in dec.values()), label


def render_payloads(suite: common.Suite, source: common.Source, model: static_model.StaticModel) -> str:
    """Payload bytes of each coder on the order-0 data and its overhead over the ideal length and n H0."""
    array, n = source.array, len(source.data)
    counts = np.bincount(array, minlength=256)
    qcost = static_model.quantization_cost(counts, model.probabilities(256) * model.total)
    nh0 = common.entropy_of_blocks(array, [n]) * n / 8
    rows = [[r["impl"], f"{r['out_bytes']:,}",
             "" if r.get("over_ideal_pct") is None else f"{r['over_ideal_pct']:+.4f} %", f"{r['over_nH0_pct']:+.4f} %"]
            for r in suite.speed if "over_nH0_pct" in r and r["bytes"] == n]
    return (f"Quantised model 2**{model.scale_bits}: quantisation cost {qcost:.0f} bits ({100 * qcost / 8 / nh0:.4f} %"
            f" of n H0); ideal code length {static_model.ideal_code_length(array, model) / 8:,.0f} B, n H0 {nh0:,.0f} B.\n\n"
            + common.markdown_table(["coder (payload only)", "payload bytes", "over ideal", "over n H0"], rows))


def corpus_sizes(corpus: Path) -> list[dict]:
    """Bits per byte of the adaptive, mixed and range coders and zlib -9 on each corpus text, beside H0..H3."""
    rows = []
    for path in (corpus / name for name in TEXTS):
        if not path.is_file():
            continue
        data = path.read_bytes()
        n = len(data)
        r = {"file": path.name, "bytes": n}
        for k, h in enumerate(codelength.context_entropies(data, 3)):
            r[f"H{k}"] = float(h)
        for k in range(4):
            r[f"adaptive{k}"] = 8 * len(codelength.compress(data, coder="adaptive", order=k)) / n
        for k in (2, 3):
            r[f"mix{k}"] = 8 * len(codelength.compress(data, coder="adaptive", order=k, mix=True)) / n
        r["range"] = 8 * len(codelength.compress(data, coder="range")) / n
        r["zlib9"] = 8 * len(zlib.compress(data, 9)) / n
        rows.append(r)
    return rows


def render_corpus(rows: list[dict]) -> str:
    keys = ["H0", "H1", "H2", "H3", "adaptive0", "adaptive1", "adaptive2", "adaptive3", "mix2", "mix3", "range",
            "zlib9"]
    return common.markdown_table(["file", *keys], [[r["file"], *(f"{r[k]:.3f}" for k in keys)] for r in rows])


def group_text_order2(suite: common.Suite, corpus: Path, n: int) -> None:
    """Adaptive order-2 encode and decode, plain and mixed (orders 0..2), on the corpus texts repeated to n."""
    texts = [corpus / name for name in TEXTS if (corpus / name).is_file()]
    if not texts:
        suite.skip("corpus text speed: no corpus texts in " + str(corpus))
        return
    text = np.frombuffer(common.repeat_to(b"".join(p.read_bytes() for p in texts), n), np.uint8)
    label = f"corpus texts ({', '.join(p.name for p in texts)}) repeated"
    suite.sources.setdefault("texts", label)
    enc = suite.compare("arith, corpus text", "adaptive order-2 encode", [
        Impl("codelength adaptive_encode (order 2)", lambda: adaptive_coder.adaptive_encode(text, 2), ours=True),
        Impl("codelength adaptive_encode (order 2, mixed 0..2)", lambda: adaptive_coder.adaptive_encode(text, 2, mix=True),
             ours=True)], n, "texts")
    dec = suite.compare("arith, corpus text", "adaptive order-2 decode", [
        Impl(impl.replace("encode", "decode"), lambda m=m, p=p: adaptive_coder.adaptive_decode(m, p, n, 2), ours=True)
        for impl, (m, p) in enc.items()], n, "texts")
    assert all(np.array_equal(out, text) for out in dec.values())


def cross_entropy_experiment(corpus: Path) -> list[dict]:
    """Code alice29.txt under beliefs q: the payload against n H(p_hat, q) = n H(p_hat) + n KL(p_hat || q)."""
    path = corpus / "alice29.txt"
    if not path.is_file():
        return []
    data = path.read_bytes()
    n = len(data)
    c = np.bincount(np.frombuffer(data, np.uint8), minlength=256).astype(float)
    p_hat = c / n
    beliefs = {"q = p_hat": p_hat, "q = uniform": np.full(256, 1 / 256)}
    other = corpus / "asyoulik.txt"
    if other.is_file():
        d = np.bincount(np.frombuffer(other.read_bytes(), np.uint8), minlength=256).astype(float)
        beliefs["q = asyoulik H0, add-1/2"] = (d + 0.5) / (d + 0.5).sum()
    rows = []
    used = c > 0
    h = float(-np.sum(c[used] * np.log2(p_hat[used])))
    for name, q in beliefs.items():
        qn = q / q.sum()
        with np.errstate(divide="ignore"):
            cross = float(-np.sum(c[used] * np.log2(qn[used])))
        model = static_model.StaticModel.from_probabilities(q, occurring=np.flatnonzero(used))
        row = {"belief": name, "nH_bits": h, "nHpq_bits": cross, "KL_bits_per_byte": (cross - h) / n,
               "ideal_quantised_bits": static_model.ideal_code_length(data, model)}
        for coder in ("range", "rans"):
            blocks = codelength.io.stream.blocks(codelength.compress(data, coder=coder, model=q))
            row[f"{coder}_payload_bits"] = 8 * sum(len(b["payload"]) for b in blocks)
        rows.append(row)
    return rows


def main(argv=None) -> dict:
    parser = common.build_parser(__doc__, sizes="16", repeats=3, data="iid")
    parser.add_argument("--size-mib", dest="sizes", help="alias of --sizes (one size: the largest is used)")
    parser.add_argument("--json", type=Path, help="write every row and table here")
    args = common.finish_args(parser, parser.parse_args(argv))
    args.peer_size = n = max(args.sizes)
    suite = common.Suite(args)
    source, model = group_constriction(suite, range_streams=(1, 4), rans_states=(1, 4, 32))
    group_adaptive_order0(suite, source, model)
    payloads = render_payloads(suite, source, model)
    slice_ = source.data[:args.twin_bytes]
    suite.log(f"== pure-Python twins on the first {common.size_label(len(slice_))}")
    group_arith(suite, slice_, True, source.name)
    del source
    corpus_rows = corpus_sizes(args.corpus)
    group_text_order2(suite, args.corpus, n)
    cross = cross_entropy_experiment(args.corpus)

    small = bench_small.small_rows(args.corpus, 200, max(3, args.repeats), coders=("range", "rans"), with_cm=False)

    print(common.render_speed(suite.speed))
    print("\nTargets (issue 11), ratios within this run:\n")
    print(render_targets(suite))
    print("\nSmall inputs, CPU µs per call (medians):\n")
    print(render_small(small))
    print()
    print(payloads)
    if corpus_rows:
        print("\nCorpus texts, bits per byte (whole streams incl. header/model):\n")
        print(render_corpus(corpus_rows))
    if cross:
        print("\nH(p, q) in real bytes: alice29.txt coded order-0 under a belief q (payload only):\n")
        for r in cross:
            print(f"   {r['belief']:<24} n H(p) {r['nH_bits'] / 8:7.0f} B  n H(p,q) {r['nHpq_bits'] / 8:7.0f} B  "
                  f"KL {r['KL_bits_per_byte']:.4f} bit/B  n H(p,q_quantised) {r['ideal_quantised_bits'] / 8:7.0f} B  "
                  f"range {r['range_payload_bits'] / 8:7.0f} B "
                  f"({100 * (r['range_payload_bits'] / r['nHpq_bits'] - 1):+.3f} % vs n H(p,q))  rans "
                  f"{r['rans_payload_bits'] / 8:7.0f} B ({100 * (r['rans_payload_bits'] / r['nHpq_bits'] - 1):+.3f} %)")
    if suite.skipped:
        print("\nSkipped: " + "; ".join(suite.skipped))
    report = {"args": vars(args), "sources": suite.sources, "speed": suite.speed, "corpus": corpus_rows, "small": small,
              "cross_entropy": cross, "skipped": suite.skipped}
    if args.json:
        common.write_json(args.json, report)
    return report


if __name__ == "__main__":
    main()
