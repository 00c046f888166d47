"""``codelength analyze --scheduler ADDRESS`` / ``--workers N``: the per-file reports computed on Dask.

Each file (local path, file of a directory, or URL read through fsspec) is one task running exactly the
single-machine :func:`codelength.analyze`, so the reports, and the text, ``--json`` and ``--csv`` output,
are those of ``codelength analyze`` without the options; they are printed in input order. Progress (bytes of
the files finished, from the Dask client as tasks complete) goes to stderr like the single-machine bar.

``--scheduler`` connects to a running ``dask scheduler`` (``tcp://host:8786``) and gives up after
``--connect-timeout`` seconds; ``--workers N`` starts a LocalCluster of N worker processes (one thread each)
for the run.
"""
from __future__ import annotations

import json
import os
import sys

from .. import dask as cdask


class CommandFailure(Exception):
    """An input that could not be submitted (not found, not one file): reported in its place in the output."""


def _inputs(args, cli):
    """[(name, kind, value)] with kind "file" (local), "url" (fsspec) or "error"/"note" (a message)."""
    out = []
    local = []
    for item in args.inputs:
        if item == "-":
            out.append(("error", "stdin (-) cannot be analysed on Dask workers: give files or URLs"))
        elif "://" in item and not item.startswith("file://"):
            out.append(("url", item))
        else:
            local.append(item)
    out += list(cli._expand_inputs(local))
    return out


def _connect(args):
    """A distributed Client (and the cluster it started, or None); OSError for an unreachable scheduler."""
    cdask._require_dask()
    try:
        import distributed
    except ImportError as exc:
        raise ImportError(f"--scheduler/--workers need the distributed scheduler: `{cdask._EXTRA_HINT}`") from exc
    if args.scheduler:
        timeout = f"{args.connect_timeout}s"
        return distributed.Client(args.scheduler, timeout=timeout, set_as_default=False), None
    # dashboard on a free port: None still means 8787, and a busy 8787 printed a UserWarning
    cluster = distributed.LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True,
                                       dashboard_address=":0", silence_logs=50)
    return distributed.Client(cluster, set_as_default=False), cluster


def run(args) -> int:
    """Analyze the inputs on Dask; the exit status as :func:`codelength.app.cli.cmd_analyze`."""
    from . import cli
    from . import report as rp
    if not args.inputs:
        args.inputs = [os.fspath(rp.sample_path())]
    items = _inputs(args, cli)
    status = 0
    for kind, value in items:
        if kind == "error":
            cli._error("analyze", value)
            status = 1
        elif kind == "note" and not args.quiet:
            cli._error("analyze", value)
    jobs = [(kind, value) for kind, value in items if kind in ("file", "url")]
    try:
        client, cluster = _connect(args)
    except ImportError as exc:
        cli._error("analyze", str(exc))
        return 1
    except (OSError, TimeoutError) as exc:
        cli._error("analyze", f"cannot reach the Dask scheduler at {args.scheduler}: {exc}")
        return 1
    options = dict(order=args.order, coders=not args.no_coders,
                   block_size=args.block_size or rp.DEFAULT_BLOCK_SIZE, profile=args.block_size is not None,
                   coder_limit=args.coder_limit, bits=args.bits, rate_limit=args.rate_limit)
    try:
        futures, sizes = [], []
        for kind, value in jobs:
            try:
                [(fs, path, size, name)] = cdask._expand_paths(value, None)
                task = cdask.delayed_analyze(fs, path, name, options)
                futures.append(client.compute(task))
                sizes.append(size)
            except FileNotFoundError:
                futures.append(CommandFailure(f"{value}: No such file or directory"))
                sizes.append(0)
            except (OSError, ValueError) as exc:
                futures.append(CommandFailure(f"{value}: {exc}"))
                sizes.append(0)
        _wait_with_progress(client, futures, sizes, args, cli)
        csv_header_done = False
        first_text = True
        for (kind, value), future in zip(jobs, futures):
            if isinstance(future, CommandFailure):
                cli._error("analyze", str(future))
                status = 1
                continue
            try:
                report = future.result()
            except OSError as exc:
                cli._error("analyze", cli._os_message(exc) if exc.filename else f"{value}: {exc.strerror or exc}")
                status = 1
                continue
            except MemoryError:
                cli._error("analyze", f"{value}: not enough memory on the worker (try a lower --order, a smaller "
                                      "--coder-limit or --no-coders)")
                status = 1
                continue
            except Exception as exc:  # a worker-side failure of one input: the others still stand
                cli._error("analyze", f"{value}: {type(exc).__name__}: {exc}")
                status = 1
                continue
            if args.json:
                cli._write_text(json.dumps(report.to_dict()) + "\n")
            elif args.csv:
                cli._write_text(rp.render_csv([report], header=not csv_header_done))
                csv_header_done = True
            else:
                if not first_text:
                    cli._write_text("\n")
                first_text = False
                cli._write_text(rp.render_text(report))
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    return status


def _wait_with_progress(client, futures, sizes, args, cli) -> None:
    """Wait for every future, updating the bar with each finished file's size as the client hears of it."""
    import distributed
    running = {f: size for f, size in zip(futures, sizes) if not isinstance(f, Exception)}
    bar = cli.Progress(sum(running.values()) or None, f"analyze on {len(client.scheduler_info()['workers'])} "
                       "workers", cli._progress_enabled(args))
    try:
        for future in distributed.as_completed(list(running), loop=client.loop):
            bar(running[future])
    finally:
        bar.close()
