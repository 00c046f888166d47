#!/usr/bin/env python3
"""Regenerate the console examples of README.md from what the commands print.

Every ```console block of the README whose lines start with ``$ `` is an example: each ``$ COMMAND``
line is run by bash, in README order, in one scratch directory, and the lines after it (up to the next
``$`` line or the end of the block) are what it printed, stdout and stderr together, in the order
printed. ``codelength`` on those lines is this checkout's command line (``python3 -m codelength`` with
this checkout first on ``PYTHONPATH``). Blocks without ``$`` lines (install commands, usage lines) are
left alone. The scratch directory holds what the examples name:

- ``alice.txt``: the bundled sample (Alice's Adventures in Wonderland, the corpus's alice29.txt);
- ``corpus/`` and each corpus file by name (``paper-100k.pdf``, ...): the standard corpus, from
  ``../shared/corpus`` beside the checkout or ``--corpus DIR``.

An HTML comment on the line before a block changes how it is run (the comment does not render):

- ``<!-- example: setup COMMAND -->`` runs COMMAND first, its output not shown (files an example needs);
- ``<!-- example: varies REGEX -->`` marks output that differs from run to run (timings): ``--check``
  compares the block with every match of REGEX replaced by the same placeholder, so nothing else in it
  may change. Use it for timings only; several such comments may precede one block.

    python tools/readme_examples.py            # run every example and rewrite README.md in place
    python tools/readme_examples.py --check    # exit 1, with a diff, if an example is stale (CI runs this)
"""
from __future__ import annotations

import argparse
import difflib
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
CORPUS = ROOT.parent / "shared" / "corpus"
MARKER = re.compile(r"^<!--\s*example:\s*(setup|varies)\s+(.*?)\s*-->\s*$")
TIMEOUT = 300


@dataclass
class Block:
    start: int                     # index of the ```console line
    end: int                       # index of the closing ``` line
    setup: list[str] = field(default_factory=list)
    varies: list[str] = field(default_factory=list)
    commands: list[str] = field(default_factory=list)


def find_blocks(lines: list[str]) -> list[Block]:
    blocks, i = [], 0
    while i < len(lines):
        if lines[i].strip() == "```console":
            j = i + 1
            while j < len(lines) and lines[j].strip() != "```":
                j += 1
            if j == len(lines):
                raise SystemExit(f"README.md:{i + 1}: console block never closed")
            commands = [line[2:] for line in lines[i + 1:j] if line.startswith("$ ")]
            if commands:
                block = Block(i, j, commands=commands)
                k = i - 1
                while k >= 0 and (m := MARKER.match(lines[k])):
                    (block.setup if m.group(1) == "setup" else block.varies).insert(0, m.group(2))
                    k -= 1
                blocks.append(block)
            i = j + 1
        else:
            i += 1
    return blocks


def scratch_directory(corpus: Path) -> Path:
    work = Path(tempfile.mkdtemp(prefix="codelength-readme-"))
    shutil.copy(ROOT / "codelength" / "data" / "sample.txt", work / "alice.txt")
    if corpus.is_dir():
        shutil.copytree(corpus, work / "corpus")
        for f in sorted(corpus.iterdir()):
            if f.is_file():
                shutil.copy(f, work / f.name)
    bin_dir = work / ".bin"
    bin_dir.mkdir()
    shim = bin_dir / "codelength"
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m codelength "$@"\n')
    shim.chmod(0o755)
    return work


def environment(work: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COLUMNS", "LINES"))}
    env.update(PATH=f"{work / '.bin'}{os.pathsep}{env.get('PATH', '')}", PYTHONPATH=str(ROOT),
               PYTHONUNBUFFERED="1", PYTHONIOENCODING="utf-8", LC_ALL="C.UTF-8", TERM="dumb",
               PYTHONHASHSEED="0", HOME=str(work))
    env.pop("NO_COLOR", None)
    return env


def run(command: str, work: Path, env: dict[str, str]) -> list[str]:
    result = subprocess.run(["bash", "-c", command], cwd=work, env=env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=TIMEOUT)
    text = result.stdout.decode("utf-8", "replace")
    return [line.rstrip() for line in text.splitlines()]


def regenerate(lines: list[str], corpus: Path) -> tuple[list[str], list[Block]]:
    """The README with every console example's output replaced by what it prints now."""
    blocks = find_blocks(lines)
    needs_corpus = any(re.search(r"\bcorpus/|paper-100k\.pdf|fireworks\.jpeg", " ".join(b.commands + b.setup))
                       for b in blocks)
    if needs_corpus and not corpus.is_dir():
        raise FileNotFoundError(f"the README examples need the corpus ({corpus}); pass --corpus DIR")
    work = scratch_directory(corpus)
    env = environment(work)
    out = list(lines)
    try:
        rendered: list[list[str]] = []
        for block in blocks:                  # run in README order: later examples see earlier files
            for command in block.setup:
                run(command, work, env)
            body = []
            for command in block.commands:
                body.append(f"$ {command}")
                body.extend(run(command, work, env))
            rendered.append(body)
        for block, body in reversed(list(zip(blocks, rendered))):   # from the end: indices stay valid
            out[block.start + 1:block.end] = body
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return out, blocks


def masked(lines: list[str]) -> list[str]:
    """``lines`` with the marked variable fields of each block replaced by a placeholder."""
    out = list(lines)
    for block in find_blocks(out):
        for pattern in block.varies:
            regex = re.compile(pattern)
            for i in range(block.start + 1, block.end):
                out[i] = regex.sub("<varies>", out[i])
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 and show a diff if an example's output is stale")
    parser.add_argument("--corpus", type=Path, default=CORPUS, help=f"the standard corpus (default {CORPUS})")
    parser.add_argument("--readme", type=Path, default=README, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    lines = args.readme.read_text(encoding="utf-8").splitlines()
    try:
        fresh, blocks = regenerate(lines, args.corpus)
    except FileNotFoundError as exc:
        print(f"readme_examples: {exc}", file=sys.stderr)
        return 3
    if args.check:
        old, new = masked(lines), masked(fresh)
        if old != new:
            diff = difflib.unified_diff(old, new, "README.md (as committed)", "README.md (as the commands print)",
                                        lineterm="", n=1)
            print("\n".join(diff), file=sys.stderr)
            print("\nREADME examples are stale: run `python tools/readme_examples.py` to rewrite them, check "
                  "the diff, and commit README.md", file=sys.stderr)
            return 1
        print(f"readme_examples: {sum(len(b.commands) for b in blocks)} commands in {len(blocks)} examples "
              "print what README.md shows")
        return 0
    if fresh != lines:
        args.readme.write_text("\n".join(fresh) + "\n", encoding="utf-8")
        print(f"rewrote {args.readme.name}: {sum(len(b.commands) for b in blocks)} commands in {len(blocks)} "
              "examples")
    else:
        print(f"{args.readme.name} is up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
