"""Fixed costs of the core coders (issue 11): small inputs, the wrappers at 16 MiB, range vs constriction.

    python benchmarks/bench_small.py [--size-mib 16] [--repeats 5] [--calls 200] [--corpus DIR] [--json FILE]

1. Per call, CPU microseconds (median of --repeats runs of --calls calls, time.process_time) of
   ``codelength.compress`` / ``decompress`` of 100 B and 1 KiB of alice29.txt (from byte 5000) for each core
   coder (huffman, range, rans, adaptive) beside ``zlib.compress(x, 6)`` / ``zlib.decompress`` and zstd -3
   (when ``zstandard`` is installed); ratios to zlib -6 in the same run (target: <= 5x). The cm coder is
   shown for information (no target).
2. Wrappers at --size-mib of i.i.d. bytes with alice29's byte frequencies (benchmarks/common.py "iid"):
   ``compress``/``decompress`` against the bare kernels on the same 1 MiB blocks (their tables built
   outside the timing): range (4 streams), rANS (32 states), adaptive order 2 (target: within 10 %).
3. Range encode through the public call (``compress(coder="range")``) and the bare 4-stream kernel against
   constriction's RangeEncoder with a Categorical model (target: >= 1.5x), same data, same run.

CPU time, because the machine may be shared: the ratios within one run are the figures to read.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
import zlib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

common.use_checkout()

import numpy as np  # noqa: E402

import codelength  # noqa: E402
from codelength.coders import _adaptive, _range, _rans, model as static_model  # noqa: E402

CORE = ("huffman", "range", "rans", "adaptive")
BLOCK = 1 << 20


def cpu_us(fn, calls: int, repeats: int) -> float:
    """Median CPU microseconds of one call over ``repeats`` runs of ``calls`` calls."""
    times = []
    for _ in range(repeats):
        start = time.process_time()
        for _ in range(calls):
            fn()
        times.append((time.process_time() - start) / calls * 1e6)
    return float(np.median(times))


def small_rows(corpus: Path, calls: int, repeats: int, sizes=(100, 1024), with_cm: bool = True,
               coders=CORE) -> list[dict]:
    """CPU µs per call (medians of ``repeats`` runs of ``calls`` calls) of compress/decompress of ``sizes``
    bytes of alice29.txt (i.i.d. bytes without the corpus) for ``coders`` (and cm), beside zlib -6 and
    zstd -3 when installed; the target is within 5x zlib -6."""
    path = corpus / "alice29.txt"
    text = path.read_bytes() if path.is_file() else np.random.default_rng(0).integers(0, 64, 8192, np.uint8).tobytes()
    zstandard = common.optional("zstandard")
    rows = []
    for size in sizes:
        data = text[5000:5000 + size]
        peers = [("zlib -6", lambda: zlib.compress(data, 6), zlib.decompress)]
        if zstandard is not None:
            zc, zd = zstandard.ZstdCompressor(level=3), zstandard.ZstdDecompressor()
            peers.append(("zstd -3", lambda: zc.compress(data), zd.decompress))
        for coder in tuple(coders) + (("cm",) if with_cm else ()):
            peers.append((coder, lambda coder=coder: codelength.compress(data, coder=coder), codelength.decompress))
        for name, encode, decode in peers:
            blob = encode()
            assert decode(blob) == data, name
            n = max(1, calls // 20) if name == "cm" else calls
            rows.append({"size": size, "impl": name, "encode_us": cpu_us(encode, n, repeats),
                         "decode_us": cpu_us(lambda: decode(blob), n, repeats)})
    return rows


def render_small(rows: list[dict]) -> str:
    base = {r["size"]: r for r in rows if r["impl"] == "zlib -6"}
    table = []
    for r in rows:
        e, d = r["encode_us"] / base[r["size"]]["encode_us"], r["decode_us"] / base[r["size"]]["decode_us"]
        verdict = "" if r["impl"] in ("zlib -6", "zstd -3", "cm") else ("met" if max(e, d) <= 5 else "NOT met")
        table.append([f"{r['size']} B", r["impl"], f"{r['encode_us']:.1f}", f"{r['decode_us']:.1f}",
                      f"{e:.1f}x / {d:.1f}x", verdict])
    return common.markdown_table(["input", "coder", "encode µs/call", "decode µs/call", "÷ zlib -6 (enc / dec)",
                                  "<= 5x"], table)


def _interleaved(fns: dict, repeats: int) -> dict:
    """Median CPU seconds of each function, the functions taking turns in every repeat
    (:func:`common.measure_interleaved`, no warm-up)."""
    timed = common.measure_interleaved(list(fns.values()), 0, [repeats] * len(fns), [False] * len(fns), clock="cpu")
    return {k: timing.median for k, (timing, _) in zip(fns, timed)}


def wrapper_rows(data: bytes, repeats: int) -> list[dict]:
    """compress/decompress against the bare kernels on the same blocks (default options)."""
    array = np.frombuffer(data, dtype=np.uint8)
    blocks = [array[i:i + BLOCK] for i in range(0, array.size, BLOCK)]
    rows = []
    for coder in ("range", "rans", "adaptive"):
        blob = codelength.compress(data, coder=coder)
        assert codelength.decompress(blob) == data
        parts = codelength.io.stream.blocks(blob)
        prepared = []
        for block, part in zip(blocks, parts):
            if coder == "adaptive":
                out = np.empty(block.size, np.uint8)
                prepared.append((block, part, out))
                continue
            model, streams = static_model.StaticModel.from_bytes(part["model"], 256)
            tables = static_model._Tables(model)
            out = np.empty(block.size, np.uint8)
            payload = np.frombuffer(part["payload"], np.uint8)
            if coder == "range":
                lengths, start = static_model._read_varints(part["payload"][:5 * (streams - 1)], 0, streams - 1)
                offsets = np.concatenate(([0], np.cumsum(lengths), [len(payload) - start])).astype(np.int64)
                extra = (offsets, start, tables.slot_symbol(np.uint8))
            else:
                extra = None
            prepared.append((block, part, out, model, streams, tables, payload, extra))

        def bare_encode():
            for item in prepared:
                block = item[0]
                if coder == "adaptive":
                    _adaptive.context_encode(block, 2, 22)
                elif coder == "range":
                    _range.range_encode(block, item[5].freq, item[5].cum, item[3].scale_bits, item[4])
                else:
                    _rans.rans16_encode(block, item[5].freq, item[5].cum, item[3].scale_bits)

        def bare_decode():
            for item in prepared:
                if coder == "adaptive":
                    _adaptive.context_decode(np.frombuffer(item[1]["payload"], np.uint8), 2, 22, item[2])
                elif coder == "range":
                    offsets, start, slots = item[7]
                    _range.range_decode(item[6][start:], offsets, item[5].freq, item[5].cum, slots,
                                        item[3].scale_bits, item[2])
                else:
                    _rans.rans16_decode(item[6], item[5].freq, item[3].scale_bits, item[2])

        t = _interleaved({"compress": lambda: codelength.compress(data, coder=coder), "bare encode": bare_encode,
                          "decompress": lambda: codelength.decompress(blob), "bare decode": bare_decode}, repeats)
        mb = len(data) / 1e6
        for op, wrapped, bare in (("encode", "compress", "bare encode"), ("decode", "decompress", "bare decode")):
            rows.append({"coder": coder, "op": op, "wrapper_mbps": mb / t[wrapped], "bare_mbps": mb / t[bare],
                         "over_pct": 100 * (t[wrapped] / t[bare] - 1)})
    return rows


def render_wrappers(rows: list[dict]) -> str:
    return common.markdown_table(
        ["coder", "op", "compress/decompress MB/s", "bare kernels MB/s", "wrapper over bare", "<= 10 %"],
        [[r["coder"], r["op"], f"{r['wrapper_mbps']:.0f}", f"{r['bare_mbps']:.0f}", f"{r['over_pct']:+.1f} %",
          "met" if r["over_pct"] <= 10 else "NOT met"] for r in rows])


def constriction_rows(data: bytes, repeats: int) -> list[dict] | None:
    constriction = common.optional("constriction")
    if constriction is None:
        return None
    array = np.frombuffer(data, dtype=np.uint8)
    c = codelength.counts(array)
    used = np.flatnonzero(c)
    remap = np.zeros(256, dtype=np.int32)
    remap[used] = np.arange(used.size, dtype=np.int32)
    symbols = remap[array]
    categorical = constriction.stream.model.Categorical(c[used] / array.size, perfect=False)
    model = static_model.StaticModel.from_data(array)
    tables = static_model._Tables(model)

    def theirs():
        encoder = constriction.stream.queue.RangeEncoder()
        encoder.encode(symbols, categorical)
        return encoder.get_compressed()

    t = _interleaved({"compress": lambda: codelength.compress(data, coder="range"),
                      "bare": lambda: _range.range_encode(array, tables.freq, tables.cum, model.scale_bits, 4),
                      "constriction": theirs}, repeats)
    mb = len(data) / 1e6
    return [{"impl": "codelength compress(coder='range')", "mbps": mb / t["compress"],
             "ratio": t["constriction"] / t["compress"]},
            {"impl": "codelength bare range kernel (4 streams, one model)", "mbps": mb / t["bare"],
             "ratio": t["constriction"] / t["bare"]},
            {"impl": "constriction RangeEncoder (Categorical)", "mbps": mb / t["constriction"], "ratio": 1.0}]


def render_constriction(rows: list[dict]) -> str:
    return common.markdown_table(["range encode", "MB/s", "÷ constriction", ">= 1.5x"],
                                 [[r["impl"], f"{r['mbps']:.0f}", f"{r['ratio']:.2f}x",
                                   "" if r["impl"].startswith("constriction") else
                                   ("met" if r["ratio"] >= 1.5 else "NOT met")] for r in rows])


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-mib", type=float, default=16)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--corpus", type=Path, default=common.CORPUS)
    parser.add_argument("--no-cm", action="store_true", help="leave the cm coder out of the small-input table")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    print(common.machine_info().get("cpu", ""), "| load average", open("/proc/loadavg").read().split()[:3]
          if Path("/proc/loadavg").exists() else "")
    small = small_rows(args.corpus, args.calls, args.repeats, with_cm=not args.no_cm)
    print("\n## Per call, CPU µs (median of %d runs of %d calls)\n" % (args.repeats, args.calls))
    print(render_small(small))
    source = common.load_source("iid", int(args.size_mib * (1 << 20)), args.corpus)
    wrappers = wrapper_rows(source.data, args.repeats)
    print(f"\n## Wrappers vs bare kernels, {common.size_label(len(source.data))} {source.description}, "
          f"CPU MB/s (median of {args.repeats})\n")
    print(render_wrappers(wrappers))
    peer = constriction_rows(source.data, args.repeats)
    print("\n## Range encode vs constriction (same data, same run)\n")
    print(render_constriction(peer) if peer else "constriction: not installed (pip install constriction)")
    report = {"small": small, "wrappers": wrappers, "constriction": peer, "args": {k: str(v) for k, v in vars(args).items()}}
    if args.json:
        args.json.write_text(json.dumps(report, indent=1))
    return report


if __name__ == "__main__":
    main()
