"""Arithmetic coders: speed and size of the range coder, rANS and the adaptive models.

    python benchmarks/bench_arith.py [--size-mib 16] [--repeats 3] [--corpus DIR] [--json FILE]

1. Order-0 data: ``--size-mib`` MiB of i.i.d. bytes drawn from the order-0 distribution of alice29.txt
   (a geometric distribution without the corpus). Encode/decode MB/s of each coder (median of
   --repeats runs, wall clock and CPU time: the machine is shared, CPU time is the steadier figure),
   payload overhead against the ideal code length of the quantised model and against n * H0.
2. The same data through constriction 0.5 (Rust; optional: skipped when not installed), its range
   coder and ANS coder with a Categorical model of the same (unquantised) probabilities.
3. The pure-Python twins on a 64 KiB slice; ratio kernel / twin from medians of this run.
4. Corpus text files: bits per byte of adaptive order 0..3, mixed orders 0..2 and 0..3, and the static
   range coder (whole streams) beside the empirical H0..H3 and zlib -9; adaptive order-2 speed on text.
5. H(p, q) in real bytes: alice29.txt coded under beliefs q (itself, uniform, asyoulik's H0 model).
"""
from __future__ import annotations

import argparse
import json
import statistics
import time
import zlib
from pathlib import Path

import numpy as np

import codelength
from codelength import arithmetic as ar
from codelength.reference import arith as ref

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
MiB = 1 << 20


def order0_data(size: int, corpus: Path) -> tuple[np.ndarray, np.ndarray]:
    """i.i.d. bytes from the order-0 distribution of alice29.txt (or a geometric one); and that p."""
    path = corpus / "alice29.txt"
    if path.is_file():
        c = np.bincount(np.frombuffer(path.read_bytes(), np.uint8), minlength=256).astype(float)
    else:
        c = 0.9 ** np.arange(256)
    p = c / c.sum()
    rng = np.random.default_rng(2026)
    return rng.choice(256, size=size, p=p).astype(np.uint8), p


def timed(fn, repeats: int):
    """Result of the last call, median wall seconds, median CPU seconds."""
    wall, cpu, out = [], [], None
    for _ in range(repeats):
        w, c = time.perf_counter(), time.process_time()
        out = fn()
        cpu.append(time.process_time() - c)
        wall.append(time.perf_counter() - w)
    return out, statistics.median(wall), statistics.median(cpu)


def mbps(nbytes, seconds):
    return nbytes / seconds / 1e6 if seconds > 0 else float("inf")


def bench_order0(data: np.ndarray, repeats: int) -> list[dict]:
    n = data.size
    model = ar.StaticModel.from_data(data)
    ideal = ar.ideal_code_length(data, model) / 8
    counts = np.bincount(data, minlength=256)
    nz = counts[counts > 0]
    nh0 = float(np.sum(nz * np.log2(n / nz))) / 8
    rows = []

    def add(name, enc, dec, check=True):
        payload, tw_e, tc_e = timed(enc, repeats)
        out, tw_d, tc_d = timed(lambda: dec(payload), repeats)
        if check:
            assert np.array_equal(np.asarray(out).reshape(-1), data), name
        size = len(payload) if not isinstance(payload, tuple) else len(payload[1])
        rows.append({"coder": name, "enc_wall": mbps(n, tw_e), "dec_wall": mbps(n, tw_d),
                     "enc_cpu": mbps(n, tc_e), "dec_cpu": mbps(n, tc_d), "payload": size,
                     "over_ideal_pct": 100 * (size - ideal) / ideal, "over_nH0_pct": 100 * (size - nh0) / nh0})

    for s in (1, 4):
        add(f"range, {s} stream(s)", lambda s=s: ar.range_encode(data, model, s, check=False),
            lambda p, s=s: ar.range_decode(p, model, n, s))
    for s in (1, 2, 4):
        add(f"rANS, {s} state(s)", lambda s=s: ar.rans_encode(data, model, s, check=False),
            lambda p, s=s: ar.rans_decode(p, model, n, s))
    add("adaptive order-0", lambda: ar.adaptive_encode(data, 0), lambda p: ar.adaptive_decode(p[0], p[1], n, 0))
    add("adaptive order-2 (CM)", lambda: ar.adaptive_encode(data, 2), lambda p: ar.adaptive_decode(p[0], p[1], n, 2))
    qcost = ar.quantization_cost(counts, model.probabilities(256) * model.total)
    for r in rows:
        r.update(ideal=ideal, nH0=nh0, scale_bits=model.scale_bits, quantization_cost_bits=qcost)
    return rows


def bench_constriction(data: np.ndarray, p: np.ndarray, repeats: int) -> list[dict]:
    try:
        import constriction
    except ImportError:
        return []
    cm = constriction.stream.model
    n = data.size
    symbols = data.astype(np.int32)
    used = np.flatnonzero(np.bincount(data, minlength=256))
    q = np.bincount(data, minlength=256)[used] / n         # the empirical distribution of the used symbols
    remap = np.zeros(256, np.int32)
    remap[used] = np.arange(used.size, dtype=np.int32)
    symbols = remap[data]
    model = cm.Categorical(q, perfect=False)
    nz = q[q > 0]
    nh0 = float(-np.sum(nz * np.log2(nz))) * n / 8
    rows = []

    def range_enc():
        e = constriction.stream.queue.RangeEncoder()
        e.encode(symbols, model)
        return e.get_compressed()

    def ans_enc():
        e = constriction.stream.stack.AnsCoder()
        e.encode_reverse(symbols, model)
        return e.get_compressed()

    for name, enc, dec in (
            ("constriction range", range_enc,
             lambda c: constriction.stream.queue.RangeDecoder(c).decode(model, n)),
            ("constriction ANS", ans_enc, lambda c: constriction.stream.stack.AnsCoder(c).decode(model, n))):
        comp, tw_e, tc_e = timed(enc, repeats)
        out, tw_d, tc_d = timed(lambda: dec(comp), repeats)
        assert np.array_equal(out, symbols)
        size = comp.nbytes
        rows.append({"coder": name, "enc_wall": mbps(n, tw_e), "dec_wall": mbps(n, tw_d), "enc_cpu": mbps(n, tc_e),
                     "dec_cpu": mbps(n, tc_d), "payload": size, "over_nH0_pct": 100 * (size - nh0) / nh0})
    return rows


def bench_twins(data: np.ndarray, repeats: int) -> list[dict]:
    """Encode and decode of kernel and twin on the same 64 KiB (the twin is the kernel's definition)."""
    small = data[:64 * 1024]
    n = small.size
    model = ar.StaticModel.from_data(small)
    t = ar._Tables(model)
    bits = model.scale_bits
    freq, cum = t.freq.tolist(), np.concatenate((t.cum, [model.total])).tolist()
    syms, raw = small.tolist(), small.tobytes()
    reps = max(1, repeats // 2)
    p_range = {s: ar.range_encode(small, model, s) for s in (1, 4)}
    p_rans = ar.rans_encode(small, model, 4)
    m0, p0 = ar.adaptive_encode(small, 0)
    m2, p2 = ar.adaptive_encode(small, 2)
    cases = [
        ("range, 1 stream", lambda: ref.range_encode(syms, freq, cum, bits),
         lambda: ar.range_encode(small, model, check=False),
         lambda: ref.range_decode(p_range[1], freq, cum, bits, n), lambda: ar.range_decode(p_range[1], model, n)),
        ("range, 4 streams", lambda: ref.range_encode(syms, freq, cum, bits, 4),
         lambda: ar.range_encode(small, model, 4, check=False),
         lambda: ref.range_decode(p_range[4], freq, cum, bits, n, 4),
         lambda: ar.range_decode(p_range[4], model, n, 4)),
        ("rANS, 4 states", lambda: ref.rans_encode(syms, freq, cum, bits, 4),
         lambda: ar.rans_encode(small, model, 4, check=False),
         lambda: ref.rans_decode(p_rans, freq, cum, bits, n, 4), lambda: ar.rans_decode(p_rans, model, n, 4)),
        ("adaptive order-0", lambda: ref.adaptive0_encode(syms, 256), lambda: ar.adaptive_encode(small, 0),
         lambda: ref.adaptive0_decode(p0, 256, n), lambda: ar.adaptive_decode(m0, p0, n, 0)),
        ("adaptive order-2 (CM)", lambda: ref.context_encode(raw, 2, 22), lambda: ar.adaptive_encode(small, 2),
         lambda: ref.context_decode(p2, 2, 22, n), lambda: ar.adaptive_decode(m2, p2, n, 2)),
    ]
    rows = []
    for name, twin_enc, kernel_enc, twin_dec, kernel_dec in cases:
        _, _, te_twin = timed(twin_enc, reps)
        _, _, te_k = timed(kernel_enc, max(5, repeats))
        _, _, td_twin = timed(twin_dec, reps)
        _, _, td_k = timed(kernel_dec, max(5, repeats))
        rows.append({"coder": name, "twin_enc": mbps(n, te_twin), "kernel_enc": mbps(n, te_k),
                     "enc_ratio": te_twin / te_k, "twin_dec": mbps(n, td_twin), "kernel_dec": mbps(n, td_k),
                     "dec_ratio": td_twin / td_k})
    return rows


def bench_corpus(corpus: Path, repeats: int) -> tuple[list[dict], dict | None]:
    rows = []
    texts = [p for p in (corpus / name for name in ("alice29.txt", "asyoulik.txt", "lcet10.txt", "plrabn12.txt"))
             if p.is_file()]
    for path in texts:
        data = path.read_bytes()
        n = len(data)
        r = {"file": path.name, "bytes": n}
        for k in range(4):
            r[f"H{k}"] = codelength.context_entropy(data, k)
        for k in range(4):
            r[f"adaptive{k}"] = 8 * len(codelength.compress(data, coder="adaptive", order=k)) / n
        for k in (2, 3):
            r[f"mix{k}"] = 8 * len(codelength.compress(data, coder="adaptive", order=k, mix=True)) / n
        r["range"] = 8 * len(codelength.compress(data, coder="range")) / n
        r["zlib9"] = 8 * len(zlib.compress(data, 9)) / n
        rows.append(r)
    speed = None
    if texts:
        text = b"".join(p.read_bytes() for p in texts)
        text = np.frombuffer((text * (16 * MiB // len(text) + 1))[:16 * MiB], np.uint8)
        payload, tw_e, tc_e = timed(lambda: ar.adaptive_encode(text, 2), repeats)
        _, tw_d, tc_d = timed(lambda: ar.adaptive_decode(payload[0], payload[1], text.size, 2), repeats)
        speed = {"enc_wall": mbps(text.size, tw_e), "dec_wall": mbps(text.size, tw_d),
                 "enc_cpu": mbps(text.size, tc_e), "dec_cpu": mbps(text.size, tc_d)}
        payload, tw_e, tc_e = timed(lambda: ar.adaptive_encode(text, 2, mix=True), 1)
        _, tw_d, tc_d = timed(lambda: ar.adaptive_decode(payload[0], payload[1], text.size, 2), 1)
        speed.update(mix_enc_cpu=mbps(text.size, tc_e), mix_dec_cpu=mbps(text.size, tc_d))
    return rows, speed


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
        model = ar.StaticModel.from_probabilities(q, occurring=np.flatnonzero(used))
        row = {"belief": name, "nH_bits": h, "nHpq_bits": cross, "KL_bits_per_byte": (cross - h) / n,
               "ideal_quantised_bits": ar.ideal_code_length(data, model)}
        for coder in ("range", "rans"):
            frame = codelength.container.unpack(codelength.compress(data, coder=coder, model=q))
            row[f"{coder}_payload_bits"] = 8 * len(frame.payload)
        rows.append(row)
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size-mib", type=int, default=16)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)

    data, p = order0_data(args.size_mib * MiB, args.corpus)
    report = {"size_mib": args.size_mib, "repeats": args.repeats}
    print(f"== order-0 data: {args.size_mib} MiB i.i.d. bytes (medians of {args.repeats}; MB/s wall | cpu)")
    rows = bench_order0(data, args.repeats)
    print(f"   quantised model 2**{rows[0]['scale_bits']}: quantisation cost {rows[0]['quantization_cost_bits']:.0f} bits "
          f"({100 * rows[0]['quantization_cost_bits'] / 8 / rows[0]['nH0']:.4f} %); ideal {rows[0]['ideal']:.0f} B, "
          f"n*H0 {rows[0]['nH0']:.0f} B")
    peers = bench_constriction(data, p, args.repeats)
    for r in rows + peers:
        over = f"{r['over_ideal_pct']:+.4f} % vs ideal, " if "over_ideal_pct" in r else ""
        print(f"   {r['coder']:<24} enc {r['enc_wall']:7.1f} | {r['enc_cpu']:7.1f}   dec {r['dec_wall']:7.1f} | "
              f"{r['dec_cpu']:7.1f}   payload {r['payload']:>10} B ({over}{r['over_nH0_pct']:+.4f} % vs n*H0)")
    report["order0"], report["constriction"] = rows, peers
    if peers:
        by = {r["coder"]: r for r in rows + peers}
        cr, ca = by["constriction range"], by["constriction ANS"]
        for name in ("range, 1 stream(s)", "range, 4 stream(s)"):
            print(f"   {name} / constriction range: enc {by[name]['enc_cpu'] / cr['enc_cpu']:.2f}x, "
                  f"dec {by[name]['dec_cpu'] / cr['dec_cpu']:.2f}x (cpu)")
        for name in ("rANS, 2 state(s)", "rANS, 4 state(s)"):
            print(f"   {name} / constriction ANS: enc {by[name]['enc_cpu'] / ca['enc_cpu']:.2f}x, "
                  f"dec {by[name]['dec_cpu'] / ca['dec_cpu']:.2f}x (cpu)")
    else:
        print("   constriction not installed: peer comparison skipped (pip install constriction)")

    print("== pure-Python twins (64 KiB slice; cpu MB/s, kernel / twin)")
    twins = bench_twins(data, args.repeats)
    for r in twins:
        print(f"   {r['coder']:<24} enc twin {r['twin_enc']:7.3f} kernel {r['kernel_enc']:6.1f} x{r['enc_ratio']:<5,.0f}"
              f"  dec twin {r['twin_dec']:7.3f} kernel {r['kernel_dec']:6.1f} x{r['dec_ratio']:,.0f}")
    report["twins"] = twins

    corpus_rows, text_speed = bench_corpus(args.corpus, args.repeats)
    if corpus_rows:
        print("== corpus text, bits per byte (whole streams incl. header/model)")
        print("   file            H0     H1     H2     H3   | adapt0 adapt1 adapt2 adapt3  mix2   mix3   range  zlib-9")
        for r in corpus_rows:
            print(f"   {r['file']:<13} {r['H0']:.3f}  {r['H1']:.3f}  {r['H2']:.3f}  {r['H3']:.3f} | "
                  f"{r['adaptive0']:.3f}  {r['adaptive1']:.3f}  {r['adaptive2']:.3f}  {r['adaptive3']:.3f}  "
                  f"{r['mix2']:.3f}  {r['mix3']:.3f}  {r['range']:.3f}  {r['zlib9']:.3f}")
        print(f"   adaptive order-2 on 16 MiB of corpus text: enc {text_speed['enc_wall']:.1f} | "
              f"{text_speed['enc_cpu']:.1f}  dec {text_speed['dec_wall']:.1f} | {text_speed['dec_cpu']:.1f} MB/s; "
              f"mixed: enc {text_speed['mix_enc_cpu']:.1f}  dec {text_speed['mix_dec_cpu']:.1f} MB/s (cpu)")
    report["corpus"], report["text_order2_speed"] = corpus_rows, text_speed
    cross = cross_entropy_experiment(args.corpus)
    if cross:
        print("== H(p, q) in real bytes: alice29.txt coded order-0 under a belief q (payload only)")
        for r in cross:
            print(f"   {r['belief']:<24} n H(p) {r['nH_bits'] / 8:7.0f} B  n H(p,q) {r['nHpq_bits'] / 8:7.0f} B  "
                  f"KL {r['KL_bits_per_byte']:.4f} bit/B  n H(p,q_quantised) {r['ideal_quantised_bits'] / 8:7.0f} B  "
                  f"range {r['range_payload_bits'] / 8:7.0f} B "
                  f"({100 * (r['range_payload_bits'] / r['nHpq_bits'] - 1):+.3f} % vs n H(p,q))  rans "
                  f"{r['rans_payload_bits'] / 8:7.0f} B ({100 * (r['rans_payload_bits'] / r['nHpq_bits'] - 1):+.3f} %)")
    report["cross_entropy"] = cross
    if args.json:
        args.json.write_text(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
