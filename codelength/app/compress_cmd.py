"""``codelength compress`` / ``decompress``: streaming, gzip conventions (docs/cli.md).

Each input is read and coded one block at a time, so memory is a few blocks whatever the input's
size (pipes included): compressing holds ``(threads + 1) * block_size`` bytes of input, decompressing
one block record and one decoded block. Outputs are written through
:class:`codelength.app.atomic.AtomicOutput`, so a partial output never appears, whatever stops the
command.
"""
from __future__ import annotations

import os
import stat
import sys
import time

from . import cli
from .atomic import AtomicOutput, OutputExists
from .cli import CommandError

#: Bytes read from an input at a time when decompressing.
READ_CHUNK = 1 << 18

#: -1 .. -9: coder and options, by measurement on the corpus (1.5 MB, 1 MiB blocks; bits/byte,
#: compress / decompress MB/s CPU): Huffman 5.124 (270-330 / 360-510), adaptive order 0 5.092 (66),
#: order 1 4.122 (18 / 14), order 2 3.605 (15 / 10), order 3 3.423 (13 / 7), order 3 mixed 3.014 (3),
#: order 4 mixed 2.910 (2 / 2). Left out as dominated: rANS and range 5.543 (static order 0 per 1 MiB
#: block loses to block-adaptive Huffman), order 4 unmixed 3.816, Huffman max_length 11 5.128.
LEVELS = {
    1: ("huffman", {}),
    2: ("huffman", {}),
    3: ("huffman", {}),
    4: ("adaptive", {"order": 0}),
    5: ("adaptive", {"order": 1}),
    6: ("adaptive", {"order": 2}),
    7: ("adaptive", {"order": 3}),
    8: ("adaptive", {"order": 3, "mix": True}),
    9: ("adaptive", {"order": 4, "mix": True}),
}


def keeps_freed_blocks(args) -> bool:
    """Whether ``compress``/``decompress`` with ``args`` should keep freed block buffers for reuse
    (cli._keep_freed_blocks): for the fast coders (``io.stream.FAST_CODERS``, 1 MiB blocks in 1-6 ms),
    where faulting each block's fresh buffers in again cost 20-30 % of the time; not for the adaptive
    and cm coders (15-1000 ms a block: the faults are under 1 %), where kept buffers would only add to
    the peak memory (-7 -T2 on 64 MiB: 68.1 MiB kept, 65.9 MiB not). Decompress: always, as the coder is
    not known before the stream is read."""
    if args.command != "compress":
        return True
    from ..io.stream import FAST_CODERS
    try:
        coder, _ = coder_choice(args)
    except CommandError:
        return False
    return coder in FAST_CODERS


def coder_choice(args):
    """(coder, options) from --coder/--order/--split-size and -1..-9 (an explicit --coder wins over a level)."""
    coder, options = _coder_and_order(args)
    split = getattr(args, "split_size", None)
    if split is not None:
        if coder != "huffman":
            raise CommandError(f"--split-size applies to the Huffman coder only (not {coder})")
        options["split_size"] = split
    return coder, options


def _coder_and_order(args):
    level = getattr(args, "level", None)
    if args.coder is None:
        coder, options = LEVELS[level] if level else ("huffman", {})
        options = dict(options)
        if args.order is not None:
            if coder != "adaptive":
                if args.order != 0:
                    raise CommandError(f"--order applies to the adaptive coder only (the {coder} coder is "
                                       "order 0)")
            else:
                options["order"] = args.order
                options.pop("mix", None) if args.order == 0 else None
        return coder, options
    coder = args.coder
    options = {}
    if coder == "adaptive":
        options["order"] = 2 if args.order is None else args.order
    elif args.order is not None and args.order != 0:
        raise CommandError(f"--order applies to the adaptive coder only (the {coder} coder is order 0)")
    return coder, options


def _output_name(path: str, args, decompressing: bool) -> str:
    if decompressing:
        for suffix in ([args.suffix] if args.suffix else []) + list(cli.SUFFIXES.values()):
            if path.endswith(suffix) and len(os.path.basename(path)) > len(suffix):
                return path[: -len(suffix)]
        raise CommandError(f"{path}: unknown suffix, not decompressed (use -o OUT or -c)")
    return path + (args.suffix or cli.SUFFIXES[args.format])


def _open_input(path: str, args, progress):
    if path == "-":
        return sys.stdin.buffer, None
    try:
        info = os.lstat(path)
    except OSError as exc:
        raise CommandError(f"{path}: {exc.strerror or exc}") from None
    if stat.S_ISLNK(info.st_mode) and not args.force:
        raise CommandError(f"{path}: is a symbolic link, not followed (use -f to follow it)")
    if os.path.isdir(path):
        raise CommandError(f"{path}: Is a directory")
    try:
        handle = open(path, "rb")
    except OSError as exc:
        raise CommandError(f"{path}: {exc.strerror or exc}") from None
    return handle, os.fstat(handle.fileno())


def _same_file(a: str, b: str) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


class _Sink:
    """Where the output goes: stdout, an atomic file, or nowhere (--test); counts the bytes."""

    def __init__(self, kind, target=None):
        self.kind, self.target, self.count = kind, target, 0

    def write(self, data: bytes) -> None:
        if not data:
            return
        self.count += len(data)
        if self.kind == "stdout":
            cli._write_all(sys.stdout.buffer, data)
        elif self.kind == "file":
            cli._write_all(self.target, data)


def _pump_compress(source, sink, coder, options, args, progress) -> int:
    from ..io.stream import Compressor, default_block_size
    block_size = args.block_size or default_block_size(coder)
    total = 0
    if args.format == "gzip":
        # one gzip member per block: every gunzip reads concatenated members as one stream
        from ..io import deflate
        if coder != "huffman":
            raise CommandError("--format gzip is the Huffman-only DEFLATE stream: use it with --coder huffman")
        while True:
            chunk = source.read(block_size)
            if not chunk and total:
                break
            total += len(chunk)
            progress(len(chunk))
            sink.write(deflate.compress(chunk, "gzip"))
            if not chunk:
                break
        return total
    compressor = Compressor(coder, block_size=block_size, threads=args.threads, **options)
    while True:
        chunk = source.read(block_size)
        if not chunk:
            break
        total += len(chunk)
        progress(len(chunk))
        sink.write(compressor.compress(chunk))
    sink.write(compressor.flush())
    return total


def _pump_decompress(source, sink, name, progress):
    """Decode every stream of ``source`` into ``sink``; return (input bytes, coders seen)."""
    from ..io.stream import Decompressor
    from ..errors import CorruptDataError
    d = Decompressor()
    started = False
    total = 0
    coders = []
    pending = b""
    try:
        while True:
            if d.eof:
                if d.coder not in coders:
                    coders.append(d.coder)
                pending = d.unused_data
                if not pending:
                    pending = source.read(READ_CHUNK)
                    total += len(pending)
                    progress(len(pending))
                if not pending:
                    break
                d = Decompressor()
                started = False
            if d.needs_input and not pending:
                pending = source.read(READ_CHUNK)
                total += len(pending)
                progress(len(pending))
                if not pending:
                    if started or not coders:
                        what = "truncated" if started else "empty input"
                        raise CorruptDataError(f"{what}: the stream ends before its end marker")
                    break
            started = started or bool(pending)
            out = d.decompress(pending, 1 << 20)
            pending = b""
            if d.kind not in (None, 0):
                raise CommandError(f"{name}: the stream holds an integer array, not bytes: read it with "
                                   "codelength.decompress() in Python")
            sink.write(out)
    except CorruptDataError as exc:
        raise CommandError(f"{name}: corrupt or not a codelength stream: {exc}") from None
    return total, coders


def _list_one(path, source, name):
    """-l: compressed size, original size, ratio and coder of one input (decoded, not written)."""
    sink = _Sink("none")
    total, coders = _pump_decompress(source, sink, name, lambda n: None)
    ratio = 100.0 * (1 - total / sink.count) if sink.count else 0.0
    return total, sink.count, ratio, ",".join(c or "?" for c in coders)


def process_one(path: str, args, decompressing: bool, listing: list | None = None) -> None:
    """Compress, decompress (``-t``: test, ``-l``: list) one input; CommandError for its failure."""
    testing = getattr(args, "test", False)
    to_stdout = args.stdout or path == "-"
    if decompressing and path == "-" and not args.force and cli._is_terminal(sys.stdin):
        raise CommandError("compressed data not read from a terminal (use -f to force)")
    if not decompressing and path != "-" and not args.force and not to_stdout and args.output is None:
        for suffix in {args.suffix or cli.SUFFIXES[args.format]} | set(cli.SUFFIXES.values()):
            if path.endswith(suffix):
                raise CommandError(f"{path}: already has the {suffix} suffix, unchanged (use -f to compress "
                                   "it again)")
    out_path = None
    writing = not (testing or listing is not None)
    if writing and args.output is None and not to_stdout:
        if path != "-" and not os.path.isfile(path) and os.path.exists(path) and not args.force:
            raise CommandError(f"{path}: not a regular file; name the output with -o or -c (or force with -f)")
        out_path = _output_name(path, args, decompressing)  # check the name before reading a big input
    elif writing and args.output is not None:
        out_path = args.output
    if out_path is not None and (out_path.endswith(os.sep) or os.path.isdir(out_path)):
        raise CommandError(f"{out_path}: is a directory; -o names the output file")
    name = "<stdin>" if path == "-" else path
    source, info = _open_input(path, args, None)
    try:
        if listing is not None:
            listing.append((name,) + _list_one(path, source, name))
            return
        if out_path is not None and path != "-" and _same_file(out_path, path):
            raise CommandError(f"{path}: output {out_path} is the input file itself; not overwritten")
        if writing and out_path is None and not decompressing and cli._stdout_is_terminal() and not args.force:
            raise CommandError("compressed data not written to a terminal (use -c with a redirect, -o, or -f)")
        if not decompressing:
            coder, options = coder_choice(args)
        progress = cli.Progress(info.st_size if info is not None and stat.S_ISREG(info.st_mode) else None,
                                os.path.basename(name), cli._progress_enabled(args))
        start = time.perf_counter()
        output = None
        try:
            if out_path is not None:
                try:
                    output = AtomicOutput(out_path, force=args.force)
                except OutputExists:
                    raise CommandError(f"{out_path} already exists; not overwritten (use -f to overwrite)") \
                        from None
                except OSError as exc:
                    raise CommandError(f"{out_path}: {exc.strerror or exc}") from None
                sink = _Sink("file", output.file)
            elif testing:
                sink = _Sink("none")
            else:
                sys.stdout.flush()
                sink = _Sink("stdout")
            try:
                if decompressing:
                    size_in, _ = _pump_decompress(source, sink, name, progress)
                else:
                    size_in = _pump_compress(source, sink, coder, options, args, progress)
            except ImportError as exc:
                raise CommandError(f"{name}: the coder is not available in this build ({exc})") from None
            except ValueError as exc:
                if isinstance(exc, CommandError):
                    raise
                raise CommandError(f"{coder if not decompressing else 'decompress'} coder: {exc}") from None
            except OSError as exc:
                raise CommandError(_describe_os_error(exc, name, out_path)) from None
            if sink.kind == "stdout":
                sys.stdout.buffer.flush()
            if output is not None:
                mode = times = None
                if info is not None and stat.S_ISREG(info.st_mode):
                    mode, times = stat.S_IMODE(info.st_mode), (info.st_atime_ns, info.st_mtime_ns)
                try:
                    output.commit(mode=mode, times_ns=times)
                except OutputExists:
                    raise CommandError(f"{out_path} already exists; not overwritten (use -f to overwrite)") \
                        from None
                except OSError as exc:
                    raise CommandError(f"{out_path}: {exc.strerror or exc}") from None
                output = None
        finally:
            progress.close()
            if output is not None:
                output.discard()
    finally:
        if source is not sys.stdin.buffer:
            source.close()
    seconds = time.perf_counter() - start
    if args.remove and path != "-" and out_path is not None:
        if _same_file(path, out_path):
            raise CommandError(f"{path}: is the output {out_path} too; not removed")
        try:
            os.unlink(path)
        except OSError as exc:
            raise CommandError(f"{path}: {out_path} written, but the input not removed: "
                               f"{exc.strerror or exc}") from None
    if args.verbose:
        target = out_path or ("(test)" if testing else "stdout")
        size_out = sink.count
        if decompressing:
            what = f"the compressed size was {100.0 * size_in / max(size_out, 1):.1f} % of it"
        else:
            what = f"{100.0 * size_out / max(size_in, 1):.1f} % of the original"
        print(f"{name}: {size_in:,} -> {size_out:,} bytes ({what}) in {seconds:.2f} s -> {target}",
              file=sys.stderr)


def _describe_os_error(exc: OSError, name: str, out_path) -> str:
    if isinstance(exc, BrokenPipeError):
        raise exc
    where = exc.filename or out_path or name
    return f"{where}: {exc.strerror or exc}"


def cmd_compress(args, decompressing: bool = False) -> int:
    """``codelength compress`` / ``decompress``: each input to its output, gzip-like (see the module doc)."""
    decompressing = decompressing or getattr(args, "decompress", False) or getattr(args, "test", False) \
        or getattr(args, "list", False)
    verb = "decompress" if decompressing else "compress"
    files = args.files or ["-"]
    if args.output is not None and len(files) > 1:
        cli._error(verb, "-o names one output: give one input file")
        return 2
    if files.count("-") > 1:
        cli._error(verb, "stdin (-) can be read only once")
        return 2
    if not decompressing:
        try:
            coder_choice(args)
        except CommandError as exc:
            cli._error(verb, str(exc))
            return 1
    listing = [] if getattr(args, "list", False) else None
    status = 0
    for path in files:
        try:
            process_one(path, args, decompressing, listing)
        except CommandError as exc:
            cli._error(verb, str(exc))
            status = 1
        except MemoryError:
            cli._error(verb, f"{path}: not enough memory (try a smaller --block-size or --threads 1)")
            status = 1
    if listing:
        lines = [f"{'compressed':>15} {'uncompressed':>15} {'ratio':>7}  {'coder':<10} name"]
        for name, size_in, size_out, ratio, coders in listing:
            lines.append(f"{size_in:>15,} {size_out:>15,} {ratio:>6.1f}%  {coders:<10} {name}")
        if len(listing) > 1:
            cin = sum(x[1] for x in listing)
            cout = sum(x[2] for x in listing)
            ratio = 100.0 * (1 - cin / cout) if cout else 0.0
            lines.append(f"{cin:>15,} {cout:>15,} {ratio:>6.1f}%  {'':<10} (totals)")
        cli._write_text("\n".join(lines) + "\n")
    return status
