"""codelength benchmark suite: one command for speed, size against the entropy bounds, and scale.

    python benchmarks/run.py                                   # defaults: about 1.5 minutes on 2 cores
    python benchmarks/run.py --scale --plot --clock cpu        # the README table: adds 256 MiB inputs (about
                                                               # 5 minutes), writes results.png, CPU-time MB/s
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

This script only composes: each group lives in its area's script (counting, ideal, context, streaming in
bench_counting.py; huffman in bench_huffman.py; arith in bench_arith.py; sizes in bench_sizes.py), which
also runs alone with the measurements only it makes; bench_measures.py is run on its own. The shared
data, timing, peers (zlib Huffman-only among them), the suite and its speed table live in common.py.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402
from common import LARGE, size_label  # noqa: E402

common.use_checkout()
import numpy as np  # noqa: E402

import bench_arith  # noqa: E402
import bench_counting  # noqa: E402
import bench_huffman  # noqa: E402
import bench_sizes  # noqa: E402

GROUPS = ("counting", "ideal", "context", "huffman", "arith", "sizes", "streaming")
DEFAULT_RESULTS = Path(__file__).resolve().parent / "results"
#: the groups run at each size, and the script each comes from
PER_SIZE = {"counting": bench_counting.group_counting, "ideal": bench_counting.group_ideal,
            "context": bench_counting.group_context, "huffman": bench_huffman.group_huffman,
            "arith": bench_arith.group_arith}


# ------------------------------------------------------------------------------------------- output
def render(suite: common.Suite, machine: dict, command: str) -> str:
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
                common.render_speed([r for r in suite.speed if r["group"] != "streaming"]), ""]
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
                bench_sizes.render_sizes(suite), ""]
    streaming_speed = [r for r in suite.speed if r["group"] == "streaming"]
    if streaming_speed or suite.streaming:
        out += ["## Streaming and threads", ""]
        if streaming_speed:
            out += ["Wall-clock MB/s of file_counts on a file in the page cache (interleaved, as above):", "",
                    common.render_speed(streaming_speed), ""]
            one, two = (r["mbps"] for r in streaming_speed[:2])
            out += [f"2 threads / 1 thread: {two / one:.2f}x.", ""]
        if suite.streaming:
            out += ["Peak resident set size (VmHWM) of a fresh interpreter running one call on the file; "
                    "\"above baseline\" subtracts the peak of an interpreter that only imports numpy and "
                    "codelength. file_counts holds one 4 MiB buffer per thread whatever the file's size; "
                    "file_context_entropies holds its n-gram tables, which grow with the number of distinct "
                    "n-grams, not with the file (a repeated corpus adds none after its first pass).", "",
                    bench_counting.render_streaming(suite), ""]
    if suite.skipped:
        out += ["## Skipped", ""] + [f"- {s}" for s in suite.skipped] + [""]
    return "\n".join(out)



def plot(suite: common.Suite, path: Path) -> bool:
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
def build_parser():
    """The options of every script (common.build_parser) and run.py's own."""
    parser = common.build_parser(__doc__)
    add = parser.add_argument
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
    return parser


def parse_args(argv=None):
    parser = build_parser()
    args = common.finish_args(parser, parser.parse_args(argv))
    args.groups = [g.strip() for g in args.groups.split(",") if g.strip()]
    unknown = [g for g in args.groups if g not in GROUPS]
    if unknown:
        parser.error(f"unknown group(s) {', '.join(unknown)}; choose from {', '.join(GROUPS)}")
    return args


def main(argv=None) -> dict:
    args = parse_args(argv)
    command = "python benchmarks/run.py" + ("" if argv is None and len(sys.argv) == 1 else " " + " ".join(
        sys.argv[1:] if argv is None else argv))
    suite = common.Suite(args)
    started = time.perf_counter()
    machine = common.machine_info()
    primary = args.data[0]
    per_size = [g for g in args.groups if g in PER_SIZE]
    for source, is_slice in common.each_size(suite) if per_size else ():
        for group in per_size:
            PER_SIZE[group](suite, source.data, is_slice, source.name)
        del source
    if "arith" in args.groups:
        bench_arith.group_constriction(suite)
    if "sizes" in args.groups:
        for spec in args.data:
            bench_sizes.group_sizes(suite, spec)
    if "streaming" in args.groups:
        n = max(args.sizes)
        source = common.load_source(primary, n, args.corpus)
        suite.log(f"== streaming: a {size_label(n)} file of {source.name}")
        suite.sources.setdefault(source.name, source.description)
        bench_counting.group_streaming(suite, source.data, source.name)
    elapsed = time.perf_counter() - started
    if bench_huffman.dahuffman is None and ("huffman" in args.groups or "sizes" in args.groups):
        suite.skip("dahuffman: not installed (pip install dahuffman)")
    if bench_arith.constriction is None and ("arith" in args.groups or "sizes" in args.groups):
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
                           "codelength_over_this": common.ratio_of(r, suite.speed)}
                          for r in suite.speed if not r["codelength"]],
               "entropies": suite.entropies, "sizes": suite.sizes, "streaming": suite.streaming,
               "skipped": suite.skipped}
    common.write_json(args.out / "results.json", payload)
    print(markdown)
    suite.log(f"wrote {args.out / 'results.md'} and {args.out / 'results.json'}")
    return payload



if __name__ == "__main__":
    main()
