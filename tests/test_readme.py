"""README.md shows what the package prints: its Python examples run as doctests, and its console
examples are what the commands print now (tools/readme_examples.py --check)."""
import doctest
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import CORPUS_DIR

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
TOOL = ROOT / "tools" / "readme_examples.py"


def test_readme_python_examples(tmp_path, monkeypatch):
    """Every ``>>>`` example of the README (the pycon blocks), run in a directory with the files they
    name: alice.txt (the bundled sample) and paper-100k.pdf (from the corpus)."""
    if not (CORPUS_DIR / "paper-100k.pdf").is_file():
        pytest.skip(f"the README's examples use the corpus ({CORPUS_DIR})")
    shutil.copy(ROOT / "codelength" / "data" / "sample.txt", tmp_path / "alice.txt")
    shutil.copy(CORPUS_DIR / "paper-100k.pdf", tmp_path)
    monkeypatch.chdir(tmp_path)
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS)
    report = []
    blocks = pycon_blocks(README.read_text(encoding="utf-8"))
    assert len(blocks) >= 3, "the README's Python examples were not found"
    for lineno, body in blocks:       # each block on its own globals, as a reader would paste it
        test = doctest.DocTestParser().get_doctest(body, {}, f"README.md:{lineno}", str(README), lineno)
        runner.run(test, out=report.append)
    result = runner.summarize(verbose=False)
    assert result.attempted > 30
    assert result.failed == 0, "README examples that print something else now:\n" + "".join(report)


def pycon_blocks(text: str) -> list[tuple[int, str]]:
    """(line number of the first line, body) of each ```pycon block."""
    blocks, lines, i = [], text.splitlines(), 0
    while i < len(lines):
        if lines[i].strip() == "```pycon":
            j = i + 1
            while lines[j].strip() != "```":
                j += 1
            blocks.append((i + 1, "\n".join(lines[i + 1:j]) + "\n"))
            i = j
        i += 1
    return blocks


def test_readme_console_examples_are_current():
    result = subprocess.run([sys.executable, str(TOOL), "--check"], capture_output=True, text=True, cwd=ROOT)
    if result.returncode == 3:
        pytest.skip(result.stderr.strip())
    assert result.returncode == 0, result.stderr[-8000:]


def test_regenerator_rewrites_and_checks(tmp_path):
    """A stale example fails --check with a diff and the fix; rewriting refreshes it; a field marked as
    varying is the only thing --check lets differ."""
    readme = tmp_path / "README.md"
    readme.write_text("# x\n\n```console\n$ echo one; echo two >&2; echo three\nstale\n```\n\n"
                      "```console\nnot an example: no prompt\n```\n\n"
                      "<!-- example: setup printf 'abc' > f.txt -->\n"
                      "<!-- example: varies took \\d+ ns -->\n"
                      "```console\n$ wc -c < f.txt; echo \"took $RANDOM$RANDOM ns\"\n3\ntook 1 ns\n```\n")
    run = lambda *a: subprocess.run([sys.executable, str(TOOL), "--readme", str(readme), "--corpus",
                                     str(tmp_path / "none"), *a], capture_output=True, text=True)
    result = run("--check")
    assert result.returncode == 1
    assert "-stale" in result.stderr and "+one" in result.stderr and "python tools/readme_examples.py" in result.stderr
    assert run().returncode == 0
    text = readme.read_text()
    assert "$ echo one; echo two >&2; echo three\none\ntwo\nthree\n```" in text   # stderr in order
    assert "not an example: no prompt" in text and "\n3\ntook " in text
    assert run("--check").returncode == 0           # the timing differs from run to run: marked, so ok
    readme.write_text(text.replace("\n3\ntook", "\n4\ntook"))
    assert run("--check").returncode == 1           # but nothing else in that block may change
