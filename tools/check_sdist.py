#!/usr/bin/env python3
"""Build the sdist, install it into a fresh virtual environment and run tests from the unpacked sdist.

This is what a user or a distribution packager does with ``codelength-*.tar.gz``; CI runs it after the
test suite (``.ci/run``). Steps:

1. ``python -m build --sdist`` into a temporary directory (the build backend in an isolated environment,
   as pip does it);
2. ``pip wheel`` of the sdist (what ``pip install codelength-*.tar.gz`` does: the Cython kernels compile
   from the ``.pyx`` it carries), then, on Linux when auditwheel is installed, ``auditwheel repair`` to a
   manylinux wheel; the wheel is checked: compiled kernels, a ``.pyi`` stub for each, ``py.typed``, the
   bundled sample and the LICENSE in, no generated C;
3. ``python -m venv --system-site-packages`` (the test dependencies already installed are reused, so the
   step needs no downloads beyond the build requirements, which pip caches) and the wheel installed;
4. the sdist unpacked and pytest run on a bounded subset of its tests (``--tests``; by default the
   counting kernels against their twins, the coders' round trips, the threaded stress test and the
   packaging checks: about 30 s), from a directory outside the unpacked tree, so the installed package,
   not the sources beside the tests, is what they import.

The whole step takes about 2-3 minutes on 2 cores (most of it compiling the kernels). Exit status: 0 when
every step passed, 1 otherwise (the failing command's output is shown).

    python tools/check_sdist.py [--keep] [--tests "tests/test_x.py tests/test_y.py"]
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_TESTS = "tests/test_counting.py tests/test_coders.py tests/test_threads.py tests/test_packaging.py"


def run(cmd: list[str], **kwargs) -> None:
    print("+ " + " ".join(str(c) for c in cmd), flush=True)
    start = time.perf_counter()
    subprocess.run([str(c) for c in cmd], check=True, **kwargs)
    print(f"  ({time.perf_counter() - start:.0f} s)", flush=True)


def check_sdist_contents(tree: Path) -> list[str]:
    """What the sdist must carry for its tests, docs and benchmarks; no generated C."""
    needed = ["LICENSE", "README.md", "pyproject.toml", "setup.py", "tests/conftest.py", "docs/conf.py",
              "benchmarks/run.py", "fuzz", "tools/gen_stubs.py", "codelength/py.typed",
              "codelength/data/sample.txt"]
    problems = [f"sdist lacks {name}" for name in needed if not (tree / name).exists()]
    problems += [f"sdist carries generated C: {c.relative_to(tree)}" for c in tree.rglob("codelength/**/*.c")]
    for pyx in (tree / "codelength").rglob("*.pyx"):
        if not pyx.with_suffix(".pyi").exists():
            problems.append(f"sdist lacks the stub of {pyx.relative_to(tree)}")
    return problems


def check_wheel_contents(wheel: Path, tree: Path) -> list[str]:
    """The wheel carries each compiled kernel with its stub, py.typed, data and license; no C."""
    names = zipfile.ZipFile(wheel).namelist()
    problems = [f"wheel carries generated C: {n}" for n in names if n.endswith(".c")]
    for pyx in (tree / "codelength").rglob("*.pyx"):
        stem = pyx.relative_to(tree).with_suffix("").as_posix()
        if not any(n.startswith(stem + ".") and n.endswith((".so", ".pyd")) for n in names):
            problems.append(f"wheel lacks the compiled {stem}")
        if stem + ".pyi" not in names:
            problems.append(f"wheel lacks {stem}.pyi")
    for name in ("codelength/py.typed", "codelength/data/sample.txt"):
        if name not in names:
            problems.append(f"wheel lacks {name}")
    if not any(n.endswith(".dist-info/licenses/LICENSE") for n in names):
        problems.append("wheel lacks the LICENSE")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tests", default=DEFAULT_TESTS,
                        help=f"space-separated test files of the sdist to run (default: {DEFAULT_TESTS})")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory (its path is printed)")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="codelength-sdist-"))
    env = dict(os.environ, PIP_DISABLE_PIP_VERSION_CHECK="1")
    env.pop("PYTHONPATH", None)            # the checkout must not shadow the installed package
    try:
        run([sys.executable, "-m", "build", "--sdist", "--outdir", work / "dist", ROOT], env=env,
            stdout=subprocess.DEVNULL)
        (sdist,) = (work / "dist").glob("codelength-*.tar.gz")
        print(f"  sdist {sdist.name}: {sdist.stat().st_size:,} bytes")
        with tarfile.open(sdist) as tar:
            tar.extractall(work / "src", filter="data")
        (tree,) = (work / "src").iterdir()
        problems = check_sdist_contents(tree)
        run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", work / "wheel", sdist], env=env)
        (wheel,) = (work / "wheel").glob("codelength-*.whl")
        if sys.platform.startswith("linux") and shutil.which("auditwheel"):
            run(["auditwheel", "repair", "-w", work / "wheelhouse", wheel], env=env, stdout=subprocess.DEVNULL)
            (wheel,) = (work / "wheelhouse").glob("codelength-*.whl")
        else:
            print("  (auditwheel not installed: the wheel is not repaired to manylinux)")
        print(f"  wheel {wheel.name}: {wheel.stat().st_size:,} bytes")
        problems += check_wheel_contents(wheel, tree)
        if problems:
            print("check_sdist: " + "\n  ".join(problems), file=sys.stderr)
            return 1
        run([sys.executable, "-m", "venv", "--system-site-packages", work / "venv"], env=env)
        python = work / "venv" / ("Scripts" if os.name == "nt" else "bin") / "python"
        # --ignore-installed: CI's `pip install -e .` put codelength 0.1.0 in the system site-packages the
        # venv sees, and pip would call that "already satisfied"
        run([python, "-m", "pip", "install", "-q", "--no-deps", "--ignore-installed", wheel], env=env)
        outside = work / "run"
        outside.mkdir()
        # where the installed package lives: the venv, not the unpacked sources nor the checkout
        where = subprocess.run([python, "-c", "import codelength, sys; print(codelength.__file__)"], cwd=outside,
                               env=env, check=True, capture_output=True, text=True).stdout.strip()
        print(f"  codelength imported from {where}")
        if not Path(where).resolve().is_relative_to((work / "venv").resolve()):
            print(f"check_sdist: the installed package is not the one imported ({where})", file=sys.stderr)
            return 1
        tests = [tree / t for t in args.tests.split()]
        run([python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir", tree, *tests], cwd=outside,
            env=env)
    except subprocess.CalledProcessError as exc:
        print(f"check_sdist: failed (exit status {exc.returncode}): {' '.join(map(str, exc.cmd))}",
              file=sys.stderr)
        return 1
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    print("check_sdist: the sdist installs and its tests pass")
    return 0


if __name__ == "__main__":
    sys.exit(main())
