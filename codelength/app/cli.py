"""The ``codelength`` command: analyze, profile, compress, decompress, explain, demo.

Data goes to stdout, messages to stderr. Exit status: 0 success, 1 an input failed (the others are still
processed), 2 bad usage (argparse), 130 interrupted. ``main(argv)`` is the entry point (also of
``python -m codelength``) and returns the exit status instead of exiting, so tests can call it.
"""
from __future__ import annotations

import argparse
import errno
import json
import os
import re
import sys
import tempfile
import time

PROG = "codelength"
#: File name suffixes of the two output formats.
SUFFIXES = {"native": ".clen", "gzip": ".gz"}

_SIZE_UNITS = {"": 1, "b": 1, "k": 1 << 10, "kb": 1 << 10, "kib": 1 << 10, "m": 1 << 20, "mb": 1 << 20,
               "mib": 1 << 20, "g": 1 << 30, "gb": 1 << 30, "gib": 1 << 30}


class CommandError(Exception):
    """A failure of one input: printed as one line on stderr, the command goes on with the next input."""


def _size(text: str) -> int:
    """``4096``, ``64K``, ``64KiB``, ``1M``... as a positive number of bytes (binary units)."""
    match = re.fullmatch(r"\s*(\d+)\s*([a-zA-Z]*)\s*", text)
    if not match or match.group(2).lower() not in _SIZE_UNITS:
        raise argparse.ArgumentTypeError(f"not a size: {text!r} (use e.g. 4096, 64K, 1M)")
    value = int(match.group(1)) * _SIZE_UNITS[match.group(2).lower()]
    if value <= 0:
        raise argparse.ArgumentTypeError(f"size must be positive, got {text!r}")
    return value


def _size_or_zero(text: str) -> int:
    """:func:`_size`, or 0 (to turn something off)."""
    return 0 if text.strip() == "0" else _size(text)


def _integer(text: str, what: str, low: int, high: int | None = None) -> int:
    """``text`` as an int in ``[low, high]`` for argparse (ArgumentTypeError otherwise)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if value < low or (high is not None and value > high):
        bounds = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise argparse.ArgumentTypeError(f"{what} must be {bounds}, got {value}")
    return value


def _order(text: str) -> int:
    from ..stats.context import MAX_ORDER
    return _integer(text, "order", 0, MAX_ORDER)


def _block_size(text: str) -> int:
    from ..io.stream import MAX_BLOCK
    value = _size(text)
    if value > MAX_BLOCK:
        raise argparse.ArgumentTypeError(f"block size must be at most {MAX_BLOCK >> 20}M, got {text!r}")
    return value


def _threads(text: str) -> int:
    return _integer(text, "threads", 1, 64)


def _seed(text: str) -> int:
    return _integer(text, "seed", 0)


def _threshold(check: str):
    """An argparse type: a float that codelength.app.profile's function ``check`` accepts (imported when
    the option is given, so that the other commands do not load the profile module)."""
    def parse(text: str) -> float:
        from . import profile
        try:
            return getattr(profile, check)(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None
    return parse


def _error(command: str, message: str) -> None:
    print(f"{PROG}: {command}: {message}", file=sys.stderr, flush=True)


def _os_message(exc: OSError) -> str:
    name = exc.filename if exc.filename is not None else ""
    reason = exc.strerror or str(exc)
    return f"{name}: {reason}" if name else reason


# ---------------------------------------------------------------- progress

class Progress:
    """A tqdm progress bar on stderr; silent when disabled.

    Enabled only when stderr is a terminal and ``--quiet`` is not given; it appears after half a second
    so that short work draws nothing. Units are bytes of work (see :func:`codelength.app.report.analysis_work`).
    """

    def __init__(self, total: int | None, description: str, enabled: bool):
        self._bar = None
        self.done = 0
        self.total = total
        self.description = description
        if not enabled:
            return
        from tqdm import tqdm
        self._bar = tqdm(total=total, desc=description, unit="B", unit_scale=True, unit_divisor=1024,
                         file=sys.stderr, delay=0.5, leave=False, dynamic_ncols=True,
                         smoothing=0.05)  # averages over most of the run: the ETA holds steady

    def __call__(self, n) -> None:
        self.done += n
        if self._bar is not None:
            self._bar.update(n)

    def set_description(self, text: str) -> None:
        """Name the input being worked on (the bar shows its last 30 characters)."""
        self.description = text
        if self._bar is not None:
            self._bar.set_description_str(text[-30:], refresh=False)

    def close(self) -> None:
        """Remove the bar from the terminal (idempotent)."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None


def _progress_enabled(args) -> bool:
    return not getattr(args, "quiet", False) and _is_terminal(sys.stderr)


# ---------------------------------------------------------------- analyze

def _expand_inputs(inputs):
    """Yield ("file", path), ("stdin", "-"), or ("error", message) for each input, directories recursed."""
    for item in inputs:
        if item == "-":
            yield "stdin", "-"
        elif os.path.isdir(item):
            found = False
            problems: list = []
            for root, dirs, files in os.walk(item, onerror=problems.append):
                dirs.sort()
                for name in sorted(files):
                    path = os.path.join(root, name)
                    if os.path.isfile(path):
                        found = True
                        yield "file", path
                while problems:  # an unreadable subdirectory is an input that failed
                    exc = problems.pop(0)
                    yield "error", f"{exc.filename}: {exc.strerror or exc}"
            for exc in problems:
                yield "error", f"{exc.filename}: {exc.strerror or exc}"
            if not found:
                yield "note", f"{item}: directory has no files"
        elif os.path.exists(item):
            yield "file", item
        else:
            yield "error", f"{item}: No such file or directory"


def cmd_analyze(args) -> int:
    """``codelength analyze``: one report per input (text, --json lines or --csv rows) on stdout."""
    from . import report as rp
    if args.coder_limit is None:   # the defaults live in the report module, loaded by this command only
        args.coder_limit = rp.DEFAULT_CODER_LIMIT
    if args.rate_limit is None:
        args.rate_limit = rp.DEFAULT_RATE_LIMIT
    if args.scheduler or args.workers:  # the per-file reports as Dask tasks (codelength.app.dask_cli)
        from . import dask_cli
        return dask_cli.run(args)
    status = 0
    inputs = args.inputs
    sample_note = None
    if inputs.count("-") > 1:
        _error("analyze", "stdin (-) can be read only once")
        return 2
    if not inputs:
        sample = os.fspath(rp.sample_path())
        inputs = [sample]
        sample_note = "the bundled sample"
        if not args.quiet:
            print(f"{PROG}: no input given, so analysing the bundled sample codelength/{rp.SAMPLE_NAME} "
                  "(Alice's Adventures in Wonderland); pass FILE, DIR or - to analyse your own data",
                  file=sys.stderr)
    items = list(_expand_inputs(inputs))
    total = 0
    for kind, value in items:
        if kind == "file":
            try:
                total += rp.analysis_work(os.path.getsize(value), coders=not args.no_coders,
                                          coder_limit=args.coder_limit)
            except OSError:
                pass
    progress = Progress(total or None, "analyze", _progress_enabled(args))
    csv_header_done = False
    first_text = True
    try:
        for kind, value in items:
            if kind == "error":
                _error("analyze", value)
                status = 1
                continue
            if kind == "note":
                if not args.quiet:
                    _error("analyze", value)
                continue
            progress.set_description(os.path.basename(value) if kind == "file" else "stdin")
            if kind == "stdin":
                source, name = sys.stdin.buffer, "<stdin>"
            else:
                source, name = value, (os.path.basename(value) if sample_note else None)
            try:
                report = rp.analyze(source, order=args.order, coders=not args.no_coders,
                                    block_size=args.block_size or rp.DEFAULT_BLOCK_SIZE,
                                    profile=args.block_size is not None, coder_limit=args.coder_limit,
                                    name=name, progress=progress, bits=args.bits, rate_limit=args.rate_limit,
                                    **_coder_choice(args))
            except OSError as exc:
                _error("analyze", _os_message(exc) if exc.filename else f"{value}: {exc.strerror or exc}")
                status = 1
                continue
            except MemoryError:
                # the order-k statistics keep every distinct (k+1)-byte string; the coders a whole chunk
                _error("analyze", f"{value}: not enough memory (try a lower --order, a smaller --coder-limit "
                                  "or --no-coders)")
                status = 1
                continue
            progress.close()  # clear the bar before writing a result
            if args.json:
                _write_text(json.dumps(report.to_dict()) + "\n")
            elif args.csv:
                _write_text(rp.render_csv([report], header=not csv_header_done))
                csv_header_done = True
            else:
                if not first_text:
                    _write_text("\n")
                first_text = False
                _write_text(rp.render_text(report, note=sample_note))
            progress = Progress(None, "analyze", False) if progress.total is None else _continue(progress, args)
    finally:
        progress.close()
    return status


def _coder_choice(args) -> dict:
    """analyze's coder options from --coders, --no-stdlib, --threads and --no-sampling."""
    from . import report as rp
    library, stdlib = rp.LIBRARY_CODERS, rp.STDLIB_NAMES
    if args.coders is not None:
        library = tuple(c for c in args.coders if c in rp.LIBRARY_CODERS)
        stdlib = tuple(c for c in args.coders if c in rp.STDLIB_NAMES)
    if args.no_stdlib:
        stdlib = ()
    return {"library_coders": library, "stdlib_coders": stdlib, "threads": args.threads,
            "sample": not args.no_sampling}


def _coder_list(text: str) -> list:
    """``--coders huffman,rans,zlib``: known names, in the order given, each once."""
    from . import report as rp
    known = rp.LIBRARY_CODERS + rp.STDLIB_NAMES
    names = [n.strip().lower() for n in text.split(",") if n.strip()]
    unknown = [n for n in names if n not in known]
    if unknown or not names:
        raise argparse.ArgumentTypeError(f"unknown coder {', '.join(unknown) or '(none given)'}: choose from "
                                         f"{','.join(known)}")
    return list(dict.fromkeys(names))


def _threads(text: str) -> int:
    return _integer(text, "threads", 1, 64)


def _continue(progress: Progress, args) -> Progress:
    """A new bar that carries on from ``progress`` (the old one was cleared to print a result)."""
    fresh = Progress(progress.total, progress.description, _progress_enabled(args))
    if fresh._bar is not None:
        fresh._bar.update(progress.done)
    fresh.done = progress.done
    return fresh


# ---------------------------------------------------------------- profile

def cmd_profile(args) -> int:
    """``codelength profile``: the block entropy table (or --json) on stdout, optionally a PNG plot."""
    from . import profile as pf
    source = args.file
    if args.plot and source != "-" and os.path.exists(args.plot) and os.path.exists(source) \
            and os.path.samefile(args.plot, source):
        _error("profile", f"{source}: the plot would overwrite the input")
        return 1
    if args.plot and not args.force and os.path.lexists(args.plot):  # refuse before reading a large input
        _error("profile", f"{args.plot} already exists; not overwritten (use -f to overwrite)")
        return 1
    if source == "-":
        source_obj, size = sys.stdin.buffer, None
    else:
        if os.path.isdir(source):
            _error("profile", f"{source}: Is a directory")
            return 1
        try:
            size = os.path.getsize(source)
        except OSError as exc:
            _error("profile", f"{source}: {exc.strerror or exc}")
            return 1
        source_obj = source
    block_size = args.block_size    # None: at most 64 blocks, also for a stream of unknown size
    progress = Progress(size, "profile", _progress_enabled(args))
    try:
        profile = pf.entropy_profile(source_obj, block_size, jump_threshold=args.threshold,
                                     high_threshold=args.high, progress=progress)
    except OSError as exc:
        _error("profile", f"{source}: {exc.strerror or exc}")
        return 1
    finally:
        progress.close()
    if source == "-":
        profile.source = "<stdin>"
    if args.json:
        _write_text(json.dumps(profile.to_dict()) + "\n")
    else:
        unicode = _can_encode(sys.stdout, "\u2588\u25b2\u25bc\u258f")
        _write_text(pf.render_profile_text(profile, unicode=unicode))
    if args.plot:
        try:
            _atomic_write(args.plot, lambda tmp: pf.plot_profile(profile, tmp), force=args.force)
        except CommandError as exc:  # the plot file appeared meanwhile
            _error("profile", str(exc))
            return 1
        except pf.MissingOptionalDependency as exc:
            _error("profile", str(exc))
            return 1
        except OSError as exc:
            _error("profile", f"{args.plot}: {exc.strerror or exc}")
            return 1
        if not args.quiet:
            print(f"{PROG}: profile: plot written to {args.plot}", file=sys.stderr)
    return 0


def _can_encode(stream, text: str) -> bool:
    try:
        text.encode(getattr(stream, "encoding", None) or "ascii")
        return True
    except (UnicodeEncodeError, LookupError):
        return False


# ---------------------------------------------------------------- explain

def cmd_explain(args) -> int:
    """``codelength explain``: the bytes of FILE coloured by their cost under the cm coder."""
    from . import explain as ex
    source = args.file
    if args.html and not args.force and os.path.lexists(args.html):
        _error("explain", f"{args.html} already exists; not overwritten (use -f to overwrite)")
        return 1
    try:
        if source == "-":
            data = sys.stdin.buffer.read(args.limit)
        else:
            if os.path.isdir(source):
                _error("explain", f"{source}: Is a directory")
                return 1
            with open(source, "rb") as f:
                data = f.read(args.limit)     # a prefix's costs do not depend on what follows it
    except OSError as exc:
        _error("explain", f"{source}: {exc.strerror or exc}")
        return 1
    try:
        explanation = ex.explain(data, memory=args.memory)
    except ImportError as exc:
        _error("explain", f"the cm coder is not available in this build ({exc})")
        return 1
    except ValueError as exc:
        _error("explain", str(exc))
        return 1
    except MemoryError:
        _error("explain", f"{source}: not enough memory (try a smaller --memory)")
        return 1
    if args.html:
        title = f"codelength explain {source if source != '-' else '<stdin>'}"
        page = ex.render_html(explanation, title=title)

        def write(tmp):
            with open(tmp, "w", encoding="utf-8") as f:
                f.write(page)
        try:
            _atomic_write(args.html, write, force=args.force)
        except CommandError as exc:
            _error("explain", str(exc))
            return 1
        except OSError as exc:
            _error("explain", _os_message(exc))
            return 1
        _write_text(explanation.summary() + f"; wrote {args.html}\n")
        return 0
    if args.color == "auto":
        colour = _is_terminal(sys.stdout)
    else:
        colour = args.color == "always"
    _write_text(ex.render_terminal(explanation, colour=colour, limit=args.show))
    return 0


# ---------------------------------------------------------------- compress / decompress

def _atomic_write(path, write, *, force: bool, mode: int | None = None) -> None:
    """Create ``path`` through a temporary file in the same directory, renamed into place when complete.

    ``write(tmp_path)`` fills the temporary file. On any failure the temporary file is removed, so no
    half-written output is ever left; without ``force`` an existing ``path`` is refused.
    """
    path = os.fspath(path)
    if not force and os.path.lexists(path):
        raise CommandError(f"{path} already exists; not overwritten (use -f to overwrite)")
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=f".codelength-{os.getpid()}-", suffix=".tmp", dir=directory)
    os.close(fd)
    try:
        write(tmp)
        if mode is not None:
            os.chmod(tmp, mode)
        if not force and os.path.lexists(path):  # appeared while we worked
            raise CommandError(f"{path} already exists; not overwritten (use -f to overwrite)")
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def _is_terminal(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _stdout_is_terminal() -> bool:
    return _is_terminal(sys.stdout)


def _write_text(text: str) -> None:
    """Write ``text`` to stdout in full (see :func:`_write_stdout`), encoded as stdout would encode it."""
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is None:  # a text-only stream (e.g. io.StringIO): nothing can be cut short below it
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    _write_stdout(text.encode(sys.stdout.encoding or "utf-8", sys.stdout.errors or "strict"))


def _write_all(out, data: bytes) -> None:
    """Write all of ``data`` to the binary stream ``out``, or raise OSError.

    BufferedWriter.write returns a short count, without raising, when a pipe breaks or a disk fills up
    mid-write: writing the rest makes the error surface instead of a silently truncated output.
    """
    view = memoryview(data)
    while view:
        written = out.write(view)
        if not written:
            raise OSError(errno.EIO, "the output accepted no more data")
        view = view[written:]


def _write_stdout(data: bytes) -> None:
    """Write all of ``data`` to stdout, or raise OSError (BrokenPipeError when the reader went away)."""
    sys.stdout.flush()
    _write_all(sys.stdout.buffer, data)
    sys.stdout.buffer.flush()


def cmd_compress(args, decompressing: bool = False) -> int:
    """``codelength compress`` / ``decompress``: streaming, in :mod:`codelength.app.compress_cmd`."""
    from . import compress_cmd
    return compress_cmd.cmd_compress(args, decompressing)


# ---------------------------------------------------------------- demo

def cmd_demo(args) -> int:
    """``codelength demo``: the classroom tour of :mod:`codelength.demo` on stdout."""
    from . import demo
    try:
        return demo.run(plot_dir=args.plot, seed=args.seed, out=sys.stdout, quick=args.quick, overwrite=args.force,
                        message=args.message)
    except ValueError as exc:
        _error("demo", str(exc))
        return 1


# ---------------------------------------------------------------- parser

def build_parser() -> argparse.ArgumentParser:
    """The argparse parser of every subcommand."""
    from .. import __version__
    from ..io.oneshot import CODERS
    from ..coders.adaptive import DEFAULT_ADAPTIVE_ORDER

    parser = argparse.ArgumentParser(
        prog=PROG, description="Measure information and compress with entropy coders.",
        epilog="Run 'codelength COMMAND -h' for the options of a command. Exit status: 0 ok, 1 an input "
               "failed, 2 usage error.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    parser.subcommands = sub.choices  # name -> its parser, for usage errors in the subcommand's words

    p = sub.add_parser("analyze", aliases=["analyse"], help="entropy bounds and real compressed sizes of files",
                       description="One report per input: order-0 and order-k entropies with the ideal sizes "
                                   "they imply, block entropy, and the real sizes of this library's coders "
                                   "and of zlib, bz2 and lzma. With no input, the bundled sample is analysed.")
    p.add_argument("inputs", nargs="*", metavar="FILE|DIR|-", help="files, directories (recursed) or - for stdin")
    fmt = p.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true", help="one JSON object per input and line (keys in docs/cli.md)")
    fmt.add_argument("--csv", action="store_true", help="CSV: a header, then one row per input")
    p.add_argument("-O", "--order", type=_order, default=3, metavar="K",
                   help="highest context order of H1..HK (0-7, default 3); the adaptive coder runs at "
                        "order K too, so that it stands beside its bound HK")
    p.add_argument("--no-coders", action="store_true", help="bounds only, no compressors (fast)")
    p.add_argument("--coders", type=_coder_list, default=None, metavar="LIST",
                   help="comma-separated rows to run, e.g. huffman,rans,zlib (default: all)")
    p.add_argument("--no-stdlib", action="store_true", help="leave out zlib, bz2 and lzma")
    p.add_argument("--threads", type=_threads, default=2, metavar="N",
                   help="rows computed at once: statistics and coders run side by side (default 2)")
    p.add_argument("--no-sampling", action="store_true",
                   help="run slow coders (zlib, bz2, lzma, adaptive, cm) on all of a large input instead of "
                        "on evenly spaced sample blocks")
    p.add_argument("--block-size", type=_size, default=None, metavar="N",
                   help="block size of the block entropy, and include the block profile (default block: 64K)")
    p.add_argument("--coder-limit", type=_size, default=None, metavar="N",
                   help="largest piece handed to this library's coders at once; each writes one v2 "
                        "stream of the whole input whatever N (default 64M)")
    p.add_argument("-b", "--bits", action="store_true",
                   help="randomness figures over bits, not bytes (as ent -b)")
    p.add_argument("--rate-limit", type=_size_or_zero, default=None, metavar="N",
                   help="entropy-rate estimates on the first N bytes (default 1M; 0: off)")
    p.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar or notes on stderr")
    dist = p.add_mutually_exclusive_group()  # Dask (the codelength[dask] extra): one task per file, URLs too
    dist.add_argument("--scheduler", metavar="ADDRESS", help="run on a Dask cluster (e.g. tcp://host:8786); "
                      "inputs may also be fsspec URLs (s3://, gs://, https://, memory://)")
    dist.add_argument("--workers", type=lambda t: _integer(t, "--workers", 1, 256), default=None, metavar="N",
                      help="run on a local Dask cluster of N worker processes")
    p.add_argument("--connect-timeout", type=lambda t: _integer(t, "--connect-timeout", 1), default=10,
                   metavar="S", help="seconds to wait for --scheduler before giving up (default 10)")
    p.set_defaults(func=cmd_analyze)

    p = sub.add_parser("profile", help="entropy per block across a file, with jumps marked",
                       description="Order-0 entropy of each block (like binwalk's entropy graph); marks "
                                   "jumps and high-entropy (compressed or encrypted looking) regions.")
    p.add_argument("file", metavar="FILE|-")
    p.add_argument("-b", "--block-size", type=_size, default=None, metavar="N",
                   help="bytes per block, e.g. 4096 or 64K (default: a power of two giving at most 64 blocks)")
    p.add_argument("--json", action="store_true", help="JSON instead of the text table")
    p.add_argument("--plot", metavar="OUT.png", help="also write a PNG plot (needs matplotlib)")
    p.add_argument("-f", "--force", action="store_true", help="overwrite an existing plot file")
    p.add_argument("--threshold", type=_threshold("check_jump_threshold"), default=1.0, metavar="BITS",
                   help="smallest change between neighbouring blocks marked as a jump (default 1.0 bits/byte)")
    p.add_argument("--high", type=_threshold("check_high_threshold"), default=None, metavar="BITS",
                   help="entropy from which a block counts as high (default: 95%% of random for the block size)")
    p.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar or notes on stderr")
    p.set_defaults(func=cmd_profile)

    for name, decompressing in (("compress", False), ("decompress", True)):
        if decompressing:
            description = ("Decompress FILE.clen or FILE.gz -> FILE, checking every block's CRC-32; "
                           "concatenated streams decode to the concatenation of their contents. Inputs "
                           "are kept unless --rm; existing outputs are not overwritten without -f; "
                           "outputs appear only when complete. -t tests, -l lists, without writing.")
        else:
            description = (f"Compress files like gzip: FILE -> FILE{SUFFIXES['native']} (or "
                           f"{SUFFIXES['gzip']} with --format gzip), streaming in blocks, in bounded "
                           "memory for any input size. -1 (fast Huffman) .. -9 (strongest context "
                           "model) choose the coder; outputs appear only when complete.")
        p = sub.add_parser(name, help=f"{'decompress' if decompressing else 'compress'} files, gzip-like",
                           description=description)
        p.add_argument("files", nargs="*", metavar="FILE", help="inputs (default or -: stdin to stdout)")
        p.add_argument("-c", "--stdout", action="store_true",
                       help="write to stdout, keep the input (several inputs: concatenated)")
        p.add_argument("-o", "--output", metavar="OUT", help="write to OUT (one input only)")
        p.add_argument("-f", "--force", action="store_true",
                       help="overwrite existing outputs; follow symbolic links; compress a file that "
                            "already has the suffix; write compressed data to a terminal")
        p.add_argument("-k", "--keep", action="store_true", help="keep the input (the default)")
        p.add_argument("--rm", dest="remove", action="store_true", help="remove the input after success")
        p.add_argument("-S", "--suffix", metavar="SUF", help=f"suffix instead of {SUFFIXES['native']} / .gz")
        p.add_argument("-t", "--test", action="store_true", help="test the compressed inputs, write nothing")
        p.add_argument("-l", "--list", action="store_true",
                       help="list compressed size, original size, ratio and coder of each input")
        p.add_argument("-v", "--verbose", action="store_true", help="print sizes and ratio on stderr")
        p.add_argument("-q", "--quiet", action="store_true", help="no messages but errors")
        p.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
        for level in range(1, 10):  # decompress takes (and ignores) them too, as gzip -d does
            p.add_argument(f"-{level}", dest="level", action="store_const", const=level, help=argparse.SUPPRESS)
        if not decompressing:
            p.add_argument("-d", "--decompress", action="store_true", help="decompress instead")
            p.add_argument("--coder", choices=CODERS, default=None,
                           help="entropy coder (default huffman; overrides -1..-9)")
            p.add_argument("--order", type=_order, default=None, metavar="K",
                           help=f"context order of the adaptive coder (default {DEFAULT_ADAPTIVE_ORDER})")
            p.add_argument("--format", choices=("native", "gzip"), default="native",
                           help="native stream, or gzip (a Huffman-only DEFLATE stream any gunzip reads)")
            p.add_argument("--block-size", type=_block_size, default=None, metavar="N",
                           help="bytes per block, e.g. 256K or 4M (default 1M; 16M for cm; at most 16M)")
            p.add_argument("--split-size", type=_block_size, default=None, metavar="N",
                           help="Huffman: fixed code blocks of N bytes inside each block (default: "
                                "the adaptive split)")
            p.add_argument("-T", "--threads", type=_threads, default=1, metavar="N",
                           help="blocks compressed in parallel (default 1; the output is the same)")
            p.epilog = ("Levels: -1..-3 Huffman (fast, the default), -4..-7 adaptive context model of order "
                        "0..3, -8 order 3 and -9 order 4 mixing all lower orders (strongest, slowest).")
            p.set_defaults(func=cmd_compress, level=None)
        else:
            p.set_defaults(func=lambda a: cmd_compress(a, decompressing=True), format="native",
                           coder=None, order=None, block_size=None, split_size=None, threads=1)

    p = sub.add_parser("explain", help="each byte coloured by its real cost (context-mixing coder)",
                       description="Show where the information of a file is: each byte coloured by its cost "
                                   "-log2 q(x | past) under the cm coder (green: predicted, red: surprising). "
                                   "Terminal colours, or an HTML page with a legend.")
    p.add_argument("file", metavar="FILE|-")
    p.add_argument("--html", metavar="OUT.html", help="write an HTML page with a legend instead")
    p.add_argument("-f", "--force", action="store_true", help="overwrite an existing HTML file")
    p.add_argument("--color", "--colour", choices=("auto", "always", "never"), default="auto",
                   help="terminal colours (default: when stdout is a terminal; never: class digits 0-7)")
    p.add_argument("--limit", type=_size, default=1 << 20, metavar="N",
                   help="cost the first N bytes (default 1M)")
    p.add_argument("--show", type=_size, default=20000, metavar="N",
                   help="bytes shown on the terminal (default 20000)")
    p.add_argument("--memory", type=_size, default=None, metavar="N",
                   help="bytes of the coder's hash tables (default 256M)")
    p.set_defaults(func=cmd_explain)

    p = sub.add_parser("demo", help="a short tour of source coding for the classroom",
                       description="Code tables, Kraft sum, Shannon's source coding theorem in numbers, and "
                                   "the cost of a wrong model, every number computed on the spot.")
    p.add_argument("--plot", metavar="DIR", help="also write the pictures (PNG and SVG) into DIR (needs matplotlib)")
    p.add_argument("-f", "--force", action="store_true", help="overwrite existing plot files in DIR")
    p.add_argument("--seed", type=_seed, default=1, help="random seed of the sampled sources (default 1)")
    p.add_argument("--message", default="abracadabra", metavar="TEXT",
                   help="the message of the code table (default: abracadabra)")
    p.add_argument("--quick", action="store_true", help="smaller samples (for tests)")
    p.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    p.set_defaults(func=cmd_demo)
    return parser


class _ClosedStream:
    """Stands in for ``sys.stdin`` / ``sys.stdout`` when the command was started with it closed (``<&-``,
    ``>&-``, where Python sets it to None): using it raises OSError, reported as one line."""

    encoding = "utf-8"
    errors = "strict"

    def __init__(self, name: str):
        self.name = name

    def _closed(self, *args, **kwargs):
        raise OSError(errno.EBADF, f"{self.name} is closed")

    buffer = property(_closed)
    read = write = _closed

    def flush(self) -> None:  # also called at interpreter exit: nothing to flush
        pass

    def isatty(self) -> bool:
        return False


def _write_file_names_as_bytes(stream) -> None:
    """File names that are not valid UTF-8 reach Python as surrogate escapes: write them back as the
    original bytes instead of failing with UnicodeEncodeError on a strict UTF-8 stdout."""
    if getattr(stream, "errors", None) == "strict" and hasattr(stream, "reconfigure"):
        try:
            stream.reconfigure(errors="surrogateescape")
        except (ValueError, OSError):  # e.g. a closed or detached stream
            pass


#: glibc's malloc hands each freed chunk of 128 KiB or more back to the system (or trims it off the heap
#: top), and the next block's buffers fault those pages in again: piping 512 MiB through
#: ``compress --coder huffman`` spent 0.37-0.51 s of 1.8-2.0 s CPU in the kernel, page faults. The command
#: line (a program, not the library: importing codelength changes nothing) asks malloc to keep chunks up
#: to these sizes in its heap, where the next block reuses them: sys time fell to 0.10-0.17 s, wall time
#: by 20-30 %, peak RSS grew 1.5 MiB (docs/cli.md). A MALLOC_* variable in the environment wins.
_MMAP_THRESHOLD = 32 << 20
_TRIM_THRESHOLD = 64 << 20


def _keep_freed_blocks() -> bool:
    """On glibc, set malloc's mmap and trim thresholds for the command line; True if set."""
    if not sys.platform.startswith("linux") or any(k.startswith("MALLOC_") for k in os.environ):
        return False
    try:
        import ctypes
        libc = ctypes.CDLL(None)
        if not hasattr(libc, "gnu_get_libc_version"):  # musl and others: their own allocators
            return False
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes, mallopt.restype = (ctypes.c_int, ctypes.c_int), ctypes.c_int
    m_trim_threshold, m_mmap_threshold = -1, -3  # <malloc.h>
    return mallopt(m_mmap_threshold, _MMAP_THRESHOLD) == 1 and mallopt(m_trim_threshold, _TRIM_THRESHOLD) == 1


def main(argv=None) -> int:
    """Run the command line ``argv`` (default ``sys.argv[1:]``) and return the exit status."""
    for name in ("stdin", "stdout"):
        if getattr(sys, name) is None:
            setattr(sys, name, _ClosedStream(name))
    _write_file_names_as_bytes(sys.stdout)
    parser = build_parser()
    try:
        args, extra = parser.parse_known_args(argv)
        if extra:  # an unknown option of a subcommand: its own usage line, exit 2
            (parser.subcommands.get(args.command) or parser).error(f"unrecognized arguments: {' '.join(extra)}")
    except SystemExit as exc:  # argparse: --help, --version (0) or a usage error (2)
        return int(exc.code) if isinstance(exc.code, int) else 2
    if args.command is None:
        parser.print_help(sys.stderr)
        return 2
    if args.command in ("compress", "decompress"):
        from .compress_cmd import keeps_freed_blocks
        if keeps_freed_blocks(args):
            _keep_freed_blocks()
    if getattr(args, "order", None) is None and getattr(args, "coder", None) == "adaptive":
        args.order = 2
    previous = _catch_termination()
    try:
        return args.func(args)
    except KeyboardInterrupt:
        print(f"\n{PROG}: interrupted", file=sys.stderr)
        return 130
    except _Terminated as exc:  # SIGTERM / SIGHUP: cleaned up like SIGINT on the way out
        print(f"\n{PROG}: terminated by signal {exc.signum}", file=sys.stderr)
        return 128 + exc.signum
    except BrokenPipeError:
        # the reader went away (e.g. `| head`): stop quietly, like other Unix tools
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        except (OSError, ValueError):
            pass
        return 1
    except OSError as exc:  # e.g. a closed stdin or stdout; failures of one input are reported where they occur
        _error(args.command, exc.strerror or str(exc))
        return 1
    finally:
        _restore_signals(previous)


class _Terminated(BaseException):
    """SIGTERM or SIGHUP arrived: unwinds like KeyboardInterrupt, so every temporary output is removed."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


def _raise_terminated(signum, frame):
    raise _Terminated(signum)


def _catch_termination() -> dict:
    """Handle SIGTERM and SIGHUP like SIGINT (main thread only); return the handlers replaced."""
    import signal
    import threading
    previous = {}
    if threading.current_thread() is not threading.main_thread():
        return previous
    for name in ("SIGTERM", "SIGHUP"):
        signum = getattr(signal, name, None)
        if signum is not None:
            try:
                previous[signum] = signal.signal(signum, _raise_terminated)
            except (ValueError, OSError):
                pass
    return previous


def _restore_signals(previous: dict) -> None:
    import signal
    for signum, handler in previous.items():
        try:
            signal.signal(signum, handler if handler is not None else signal.SIG_DFL)
        except (ValueError, OSError):
            pass


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
