"""Huffman coding: group huffman of run.py (which composes the per-area scripts) plus what only this
script measures.

    python benchmarks/bench_huffman.py [--sizes 1,64] [--repeats 5] [--data corpus] [--corpus DIR] [--clock cpu]
                                       [--huff0 PATH/TO/fse]

Group "huffman": codelength.compress/decompress (native Huffman, container and
CRC) and Huffman-only DEFLATE against zlib Huffman-only (common.zlib_huffman_only, level 9) and zlib inflate;
on the --twin-bytes slice (64 KiB) the pure-Python twin and dahuffman (when installed).

Only here (group "huffman backend"): the bare backend (huffman.encode/decode, no container), against the
twin on the same bytes of the slice; the kernel decoding into a reused buffer; zlib inflating codelength's
DEFLATE stream. A fresh output array costs a page fault per 4 KiB page on first touch (in this VM about as
much as the decoding itself on 64 MiB), hence the reused-buffer row.

Sizes, in bits per byte beside three entropies: H0 (order-0 entropy of the whole input), H0 per 32 KiB
block (mean of the blocks' own order-0 entropies, what a coder that adapts every 32 KiB could reach) and
H0 per block of the native coder's own adaptive split.

Peer huff0 (``--huff0``: the ``fse`` program of Cyan4973/FiniteStateEntropy, built from its public source
outside this repository, e.g. ``make -C programs fse``): ``fse -b -h -B32768`` on the same bytes (written to a
temporary file), run ``--repeats`` times; each run prints the best of its own loops in CPU time (``clock()``),
the row keeps the median of those runs. Its blocks are 32 KiB, its own container, its own timer: the ratio
against it is a guide, the zlib rows (timed here, interleaved with ours) are the measure.

Data and timing as in run.py (common.load_source, interleaved medians with min–max; inputs above 16 MiB get
fewer repeats and no warm-up).
"""
from __future__ import annotations

import re
import statistics
import subprocess
import sys
import tempfile
import zlib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402  (benchmarks/common.py: data, timing, the suite and its tables, shared by every script)
from common import TWIN, Impl  # noqa: E402

common.use_checkout()
import numpy as np  # noqa: E402

import codelength  # noqa: E402
from codelength.coders import _huffman, huffman  # noqa: E402
from codelength.reference import huffman as twin  # noqa: E402

dahuffman = common.optional("dahuffman")

#: labels of the Huffman rows that other scripts look up
HUFFMAN_NATIVE = "codelength.compress (native Huffman)"
HUFFMAN_DEFLATE = "codelength Huffman-only DEFLATE"
ZLIB_HUFFMAN_ONLY = "zlib Huffman-only (level 9)"
DECOMPRESS = "codelength.decompress (native Huffman)"
INFLATE = "zlib inflate (of zlib's stream)"


def group_huffman(suite: common.Suite, data: bytes, is_slice: bool, source: str) -> dict:
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
        Impl(TWIN, lambda: twin.encode(data, 256), ref=native, slow=True) if is_slice else None,
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
        Impl(DECOMPRESS, lambda: codelength.decompress(blob), ours=True),
        Impl(INFLATE, lambda: zlib.decompress(theirs, -15)),
        Impl(TWIN, lambda: twin.decode(param, model, payload, n, 256), slow=True) if is_slice else None,
        Impl("dahuffman", lambda: codec.decode(enc["dahuffman (from_data + encode)"]), slow=True)
        if with_dahuffman else None], n, source)
    assert all(bytes(out) == data for out in dec.values())
    return enc


def huffman_bounds(array: np.ndarray) -> tuple[dict, dict]:
    """The bounds of block-adaptive order-0 coders: H0 of each block (mean bits/byte) for the blocks of
    32 KiB, of codelength's native and DEFLATE splits and of zlib's 32767-literal blocks; and the number of
    blocks of the two codelength splits."""
    n = array.size
    native_blocks = huffman.block_lengths(array, 256)
    try:
        deflate_blocks = huffman.block_lengths(array, 256, None, twin.DEFLATE_HEADER_BITS)
    except (AttributeError, TypeError):
        deflate_blocks = native_blocks
    bounds = {
        "H0 per 32 KiB block": common.entropy_of_blocks(array, common.fixed_blocks(n, 32 * common.KiB)),
        "H0 per native Huffman block": common.entropy_of_blocks(array, native_blocks),
        "H0 per DEFLATE block": common.entropy_of_blocks(array, deflate_blocks),
        "H0 per zlib block (32767 B)": common.entropy_of_blocks(array, common.fixed_blocks(n, 32767)),
    }
    return bounds, {"native_blocks": len(native_blocks), "deflate_blocks": len(deflate_blocks)}


HUFF0 = "huff0 (fse -b -h; best of its loops, CPU)"


def _run_huff0(program: str, path: str, block: int) -> tuple[float, float] | None:
    """One ``fse -b -h`` run: (encode, decode) MB/s, or None when its own round-trip check fails."""
    out = subprocess.run([program, "-b", "-h", "-i3", f"-B{block}", path], capture_output=True, text=True)
    text = (out.stdout + out.stderr).replace("\r", "\n")
    if "Error decompressing" in text:
        return None
    found = re.findall(r"([0-9.]+) MB/s *, *([0-9.]+) MB/s", text)
    if out.returncode or not found:
        raise RuntimeError(f"unexpected output of {program}: {text!r}")
    return tuple(map(float, found[-1]))


def group_huff0(suite: common.Suite, data: bytes, source: str, program: str) -> None:
    """huff0's encode and decode MB/s on ``data`` (see the module docstring), as rows of group "huffman".

    Blocks of 32 KiB; where huff0 (FiniteStateEntropy at 9f30e09) fails its own round trip on a block (it
    does on one 32 KiB block of lcet10.txt in the corpus mix: "Corrupted block detected"), 64 KiB blocks,
    named in the row."""
    n = len(data)
    runs = []
    with tempfile.NamedTemporaryFile(suffix=".bin") as f:
        f.write(data)
        f.flush()
        block = 32768
        for _ in range(suite.repeats(n)):
            run = _run_huff0(program, f.name, block)
            if run is None and block == 32768:
                suite.skip(f"huff0 with 32 KiB blocks on {common.size_label(n)} of {source}: its own round trip "
                           "fails on a block (Corrupted block detected); 64 KiB blocks instead")
                block = 65536
                run = _run_huff0(program, f.name, block)
            if run is None:
                suite.skip(f"huff0 on {common.size_label(n)} of {source}: its own round trip fails")
                return
            runs.append(run)
    label = f"{HUFF0[:-1]}, {block // 1024} KiB blocks)"
    for op, values in (("encode", [r[0] for r in runs]), ("decode", [r[1] for r in runs])):
        suite.speed.append({"group": "huffman", "op": op, "impl": label, "codelength": False, "huff0": True,
                            "ref": HUFFMAN_NATIVE if op == "encode" else DECOMPRESS, "source": source, "bytes": n,
                            "clock": "cpu (its own)", "mbps": statistics.median(values), "mbps_min": min(values),
                            "mbps_max": max(values)})
        suite.log(f"  huffman   {op:38} {label:42} {common.size_label(n):>8} "
                  f"{common.fmt_mbps(statistics.median(values)):>9} MB/s")


GROUP = "huffman backend"
BACKEND_ENCODE = "huffman.encode (bare backend)"
BACKEND_DECODE = "huffman.decode (bare backend, fresh output array)"
REUSED_DECODE = "_huffman.decode_native (kernel, into a reused buffer: no page faults)"
INFLATE_OURS = "zlib inflate of codelength's DEFLATE stream"


def group_backend(suite: common.Suite, data: bytes, is_slice: bool, source: str, streams: dict) -> int:
    """The bare backend's encode and decode (and the twin's, on the slice); zlib inflating codelength's
    DEFLATE stream (from ``streams``, the encode outputs of group_huffman). Returns the backend's
    output bytes (model + payload)."""
    n = len(data)
    array = np.frombuffer(data, dtype=np.uint8)
    enc = suite.compare(GROUP, "encode", [
        Impl(BACKEND_ENCODE, lambda: huffman.encode(array, 256), ours=True),
        Impl(TWIN, lambda: twin.encode(data, 256), ref=BACKEND_ENCODE, slow=True) if is_slice else None],
        n, source)
    param, model, payload = enc[BACKEND_ENCODE]
    suite.annotate(BACKEND_ENCODE, out_bytes=len(model) + len(payload))
    if is_slice:
        assert enc[TWIN] == (param, model, payload), "twin and kernel disagree"
    reused = np.empty(n, dtype=np.uint8)
    model_view, payload_view = np.frombuffer(model, np.uint8), np.frombuffer(payload, np.uint8)
    dec = suite.compare(GROUP, "decode", [
        Impl(BACKEND_DECODE, lambda: huffman.decode(param, model, payload, n, 256), ours=True),
        Impl(REUSED_DECODE, lambda: _huffman.decode_native(model_view, payload_view, reused, 256), ours=True),
        Impl(TWIN, lambda: twin.decode(param, model, payload, n, 256), ref=BACKEND_DECODE, slow=True)
        if is_slice else None], n, source)
    assert dec[BACKEND_DECODE].tobytes() == data
    assert dec[REUSED_DECODE] == 0 and reused.tobytes() == data
    if is_slice:
        assert bytes(dec[TWIN]) == data
    ours = streams[HUFFMAN_DEFLATE]
    inflated = suite.compare(GROUP, "inflate", [Impl(INFLATE_OURS, lambda: zlib.decompress(ours, -15))], n, source)
    assert inflated[INFLATE_OURS] == data
    return len(model) + len(payload)


def sizes_row(data: bytes, streams: dict, backend_bytes: int) -> dict:
    """Bits per byte of each Huffman output beside the order-0 bounds (whole input, 32 KiB, native blocks)."""
    array = np.frombuffer(data, dtype=np.uint8)
    n = array.size
    bounds, blocks = huffman_bounds(array)
    return {"bytes": n, "H0": common.entropy_of_blocks(array, [n]), **bounds, **blocks,
            "native backend": 8 * backend_bytes / n,
            "native compress()": 8 * len(streams[HUFFMAN_NATIVE]) / n,
            "codelength DEFLATE": 8 * len(streams[HUFFMAN_DEFLATE]) / n,
            "zlib Huffman-only": 8 * len(streams[ZLIB_HUFFMAN_ONLY]) / n}


#: issue 11's targets: (what, numerator row, denominator row or None for MB/s, target). Rows are (op, impl).
TARGETS = [
    ("compress / zlib Huffman-only encode", ("encode", HUFFMAN_NATIVE), ("encode", ZLIB_HUFFMAN_ONLY), 7.0),
    ("decompress / zlib inflate", ("decode", DECOMPRESS), ("decode", INFLATE), 6.0),
    ("compress / bare backend encode (wrapper cost)", ("encode", HUFFMAN_NATIVE), ("encode", BACKEND_ENCODE), 0.9),
    ("decompress / bare backend decode (wrapper cost)", ("decode", DECOMPRESS), ("decode", BACKEND_DECODE), 0.9),
    ("bare backend encode, MB/s", ("encode", BACKEND_ENCODE), None, 1000.0),
    ("bare kernel decode (reused buffer), MB/s", ("decode", REUSED_DECODE), None, 1500.0),
]

#: not targets, for orientation: ours over huff0 (when --huff0 is given)
AGAINST_HUFF0 = [
    ("compress / huff0 encode", ("encode", HUFFMAN_NATIVE), ("encode", HUFF0)),
    ("decompress / huff0 decode", ("decode", DECOMPRESS), ("decode", HUFF0)),
    ("bare backend encode / huff0 encode", ("encode", BACKEND_ENCODE), ("encode", HUFF0)),
    ("bare kernel decode (reused buffer) / huff0 decode", ("decode", REUSED_DECODE), ("decode", HUFF0)),
    ("huff0 encode / zlib Huffman-only encode", ("encode", HUFF0), ("encode", ZLIB_HUFFMAN_ONLY)),
    ("huff0 decode / zlib inflate", ("decode", HUFF0), ("decode", INFLATE)),
]


def speedups(rows: list[dict], n: int) -> dict:
    """Ratios of median MB/s on ``n`` bytes: codelength's coders over zlib's, and each of issue 11's targets
    (``targets``: what -> (value, target, met))."""
    mbps = {(r["op"], HUFF0 if r.get("huff0") else r["impl"]): r["mbps"] for r in rows if r["bytes"] == n}
    zlib_encode = mbps[("encode", ZLIB_HUFFMAN_ONLY)]
    zlib_inflate = mbps[("decode", INFLATE)]
    targets = {}
    for what, top, bottom, target in TARGETS:
        if top in mbps and (bottom is None or bottom in mbps):
            value = mbps[top] / mbps[bottom] if bottom else mbps[top]
            targets[what] = (value, target, value >= target)
    against = {what: mbps[top] / mbps[bottom] for what, top, bottom in AGAINST_HUFF0 if top in mbps and bottom in mbps}
    return {"native encode (backend) / zlib encode": mbps[("encode", BACKEND_ENCODE)] / zlib_encode,
            "DEFLATE encode / zlib encode": mbps[("encode", HUFFMAN_DEFLATE)] / zlib_encode,
            "native decode (backend) / zlib inflate": mbps[("decode", BACKEND_DECODE)] / zlib_inflate,
            "targets": targets, "huff0": against}


def render_targets(ratios: dict, sizes: list[dict]) -> str:
    """Issue 11's targets, one row per size: the value in this run, the target, met or not; and the DEFLATE
    writer's size against zlib Huffman-only (target: no larger)."""
    rows = []
    for n, values in ratios.items():
        for what, (value, target, met) in values["targets"].items():
            shown = f"{value:,.0f}" if "MB/s" in what else common.fmt_ratio(value)
            goal = f">= {target:,.0f}" if "MB/s" in what else f">= {common.fmt_ratio(target)}"
            rows.append([common.size_label(n), what, shown, goal, "yes" if met else "no"])
    for s in sizes:
        ratio = s["codelength DEFLATE"] / s["zlib Huffman-only"]
        rows.append([common.size_label(s["bytes"]), "DEFLATE size / zlib Huffman-only size", f"{ratio:.4f}",
                     "<= 1", "yes" if ratio <= 1 else "no"])
    return common.markdown_table(["size", "target (issue 11)", "this run", "target", "met"], rows)


def render_sizes(sizes: list[dict]) -> str:
    header = ["size", "H0", "H0 per 32 KiB block", "H0 per native block (blocks)", "native backend",
              "native compress()", "codelength DEFLATE", "zlib Huffman-only", "DEFLATE ÷ zlib size"]
    rows = [[common.size_label(s["bytes"]), f"{s['H0']:.4f}", f"{s['H0 per 32 KiB block']:.4f}",
             f"{s['H0 per native Huffman block']:.4f} ({s['native_blocks']})", f"{s['native backend']:.4f}",
             f"{s['native compress()']:.4f}", f"{s['codelength DEFLATE']:.4f}", f"{s['zlib Huffman-only']:.4f}",
             f"{s['codelength DEFLATE'] / s['zlib Huffman-only']:.4f}"] for s in sizes]
    return common.markdown_table(header, rows)


def main(argv=None) -> dict:
    parser = common.build_parser(__doc__, sizes="1,64", data="corpus")
    parser.add_argument("--huff0", metavar="PATH", help="the fse program of FiniteStateEntropy: huff0 rows beside ours")
    args = common.finish_args(parser, parser.parse_args(argv))
    suite = common.Suite(args)
    sizes, ratios = [], {}
    for source, is_slice in common.each_size(suite):
        data = source.data
        streams = group_huffman(suite, data, is_slice, source.name)
        backend_bytes = group_backend(suite, data, is_slice, source.name, streams)
        if args.huff0 and not is_slice:
            group_huff0(suite, data, source.name, args.huff0)
        if not is_slice or len(data) in args.sizes:
            sizes.append(sizes_row(data, streams, backend_bytes))
            ratios[len(data)] = speedups(suite.speed, len(data))
        del source, data, streams
    print(common.render_speed(suite.speed))
    print()
    print("Bits per byte (native backend: model + payload; compress(): the whole container):")
    print()
    print(render_sizes(sizes))
    print()
    for n, values in ratios.items():
        print(f"{common.size_label(n)}: " + ", ".join(f"{k} {common.fmt_ratio(v)}" for k, v in values.items()
                                                        if k not in ("targets", "huff0")))
        if values["huff0"]:
            print(f"{common.size_label(n)}, against huff0: " + ", ".join(f"{k} {common.fmt_ratio(v)}"
                                                                      for k, v in values["huff0"].items()))
    print()
    print("Targets (issue 11), from this run:")
    print()
    print(render_targets(ratios, sizes))
    if suite.skipped:
        print("\nSkipped: " + "; ".join(suite.skipped))
    return {"speed": suite.speed, "sizes": sizes, "speedups": ratios}


if __name__ == "__main__":
    main()
