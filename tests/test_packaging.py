"""The package as shipped: generated type stubs current, a strictly typed program checks clean with mypy,
the public names documented, the packaging configuration complete."""
import importlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import codelength

ROOT = Path(__file__).resolve().parents[1]
TOOLS = ROOT / "tools"


def _run(*args, **kwargs):
    return subprocess.run([sys.executable, *map(str, args)], capture_output=True, text=True, **kwargs)


def test_stubs_are_current():
    """Every compiled module's .pyi is what tools/gen_stubs.py makes from its .pyx."""
    result = _run(TOOLS / "gen_stubs.py", "--check", cwd=ROOT)
    assert result.returncode == 0, result.stderr


def test_stub_check_catches_a_stale_stub(tmp_path):
    package = tmp_path / "codelength" / "stats"
    package.mkdir(parents=True)
    pyx = package / "_kernels.pyx"
    shutil.copy(ROOT / "codelength" / "stats" / "_kernels.pyx", pyx)
    assert _run(TOOLS / "gen_stubs.py", "--package", tmp_path / "codelength").returncode == 0
    assert _run(TOOLS / "gen_stubs.py", "--check", "--package", tmp_path / "codelength").returncode == 0
    stub = (package / "_kernels.pyi").read_text()
    assert "class NgramCounter:" in stub and "def update(self, data: Buffer) -> Any: ..." in stub
    assert "def __init__(self, n: int) -> None: ..." in stub
    pyx.write_text(pyx.read_text() + "\n\ndef new_kernel(const double[::1] x, Py_ssize_t k=4, out=None):\n"
                   "    pass\n")
    result = _run(TOOLS / "gen_stubs.py", "--check", "--package", tmp_path / "codelength")
    assert result.returncode == 1
    assert "_kernels.pyi is stale" in result.stderr and "python tools/gen_stubs.py" in result.stderr
    _run(TOOLS / "gen_stubs.py", "--package", tmp_path / "codelength")
    assert ("def new_kernel(x: npt.NDArray[np.float64], k: int = ..., out: Any = ...) -> Any: ..."
            in (package / "_kernels.pyi").read_text())
    pyx.unlink()
    result = _run(TOOLS / "gen_stubs.py", "--check", "--package", tmp_path / "codelength")
    assert result.returncode == 1 and "has no .pyx any more" in result.stderr


def test_every_compiled_module_has_a_stub():
    for pyx in (ROOT / "codelength").rglob("*.pyx"):
        assert pyx.with_suffix(".pyi").is_file(), f"{pyx} has no stub: run python tools/gen_stubs.py"
    assert (ROOT / "codelength" / "py.typed").is_file()


def test_mypy_strict_on_a_typed_example(tmp_path, monkeypatch):
    """A user program with full annotations type-checks under --strict against the package and stubs."""
    pytest.importorskip("mypy", reason="mypy is in the test extra")
    # mypy cannot see through setuptools' editable-install finder (what `pip install -e .` makes, and so CI):
    # point it at the checkout that holds the package and its stubs
    monkeypatch.setenv("MYPYPATH", str(ROOT))
    example = ROOT / "tests" / "typed_example.py"
    result = _run("-m", "mypy", "--strict", "--follow-imports=silent", "--cache-dir", tmp_path / "cache",
                  "--no-error-summary", example, cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    # and a wrong call is caught: the stubs and annotations carry real types, not Any everywhere
    bad = tmp_path / "bad.py"
    bad.write_text("from codelength.stats import _kernels\nimport codelength as cl\n"
                   "c = _kernels.NgramCounter('3')\nx: str = cl.entropy([0.5, 0.5])\n")
    result = _run("-m", "mypy", "--strict", "--follow-imports=silent", "--cache-dir", tmp_path / "cache",
                  bad, cwd=tmp_path)
    assert result.returncode == 1
    assert 'incompatible type "str"; expected "int"' in result.stdout
    assert 'Incompatible types in assignment (expression has type "float", variable has type "str")' \
        in result.stdout


def test_typed_example_runs():
    _run_example = _run(ROOT / "tests" / "typed_example.py", cwd=ROOT)
    assert _run_example.returncode == 0, _run_example.stderr


def test_public_names_exported_and_documented():
    assert sorted(set(codelength.__all__)) == sorted(codelength.__all__), "a name listed twice"
    for name in codelength.__all__:
        obj = getattr(codelength, name)
        if callable(obj):
            assert (obj.__doc__ or "").strip(), f"codelength.{name} has no docstring"


def test_packaging_configuration():
    tomllib = pytest.importorskip("tomllib", reason="tomllib is in the standard library from Python 3.11")
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    project = config["project"]
    assert project["license"] == "MIT" and project["license-files"] == ["LICENSE"]
    assert (ROOT / "LICENSE").read_text().startswith("MIT License")
    tested = {c.rsplit(":: ", 1)[1] for c in project["classifiers"] if c.startswith("Programming Language :: Python :: 3.")}
    built = {f"3.{b.split('-')[0][3:]}" for b in config["tool"]["cibuildwheel"]["build"].split()}
    assert tested == built
    # package discovery finds every subpackage (new ones too) and the data directory
    from setuptools import find_namespace_packages
    find = config["tool"]["setuptools"]["packages"]["find"]
    found = set(find_namespace_packages(str(ROOT), include=find["include"], exclude=find["exclude"]))
    on_disk = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "codelength").rglob("__init__.py")}
    assert on_disk <= found and "codelength.data" in found
    for sub in sorted(on_disk):
        importlib.import_module(sub)


def test_stubs_match_the_compiled_modules():
    """What the stubs declare exists in the compiled module, with the same parameter names
    (``inspect.signature`` works on the compiled functions and classes, as editors and help() use it)."""
    import ast
    import inspect
    for stub in sorted((ROOT / "codelength").rglob("_*.pyi")):
        module = importlib.import_module(".".join(stub.relative_to(ROOT).with_suffix("").parts))
        for node in ast.parse(stub.read_text()).body:
            if isinstance(node, ast.FunctionDef):
                declared, target = node, getattr(module, node.name)
            elif isinstance(node, ast.ClassDef):
                init = [n for n in node.body if isinstance(n, ast.FunctionDef) and n.name == "__init__"]
                if not init:
                    continue
                declared, target = init[0], getattr(module, node.name)
                declared.args.args = declared.args.args[1:]           # self
            else:
                continue
            names = [a.arg for a in declared.args.posonlyargs + declared.args.args + declared.args.kwonlyargs]
            actual = [p for p in inspect.signature(target).parameters]
            assert actual == names, f"{module.__name__}.{node.name}: stub {names}, module {actual}"


def test_lazy_imports(tmp_path):
    """``import codelength`` loads no room until a name is used; every public name, subpackage and
    submodule still resolves; CODELENGTH_EAGER_IMPORT=1 loads everything; `compress` loads no report."""
    probe = ("import sys, codelength as cl\n"
             "loaded = lambda: sorted(m for m in sys.modules if m.startswith('codelength.'))\n"
             "print(loaded())\n"
             "cl.counts(b'ab'); print('codelength.stats.counting' in sys.modules,"
             " 'codelength.app.report' in sys.modules)\n"
             "print(cl.io.stream.__name__, cl.coders.huffman.__name__, 'Compressor' in dir(cl))\n")
    # the package this test imported (the installed one; from the source tree's root, `-c` would shadow it)
    env = {**os.environ, "PYTHONPATH": str(Path(codelength.__file__).resolve().parents[1])}
    out = _run("-c", probe, cwd=tmp_path, env=env).stdout.splitlines()
    assert out[0] == "['codelength._lazy', 'codelength.stats', 'codelength.stats._kernels']", out
    assert out[1:] == ["True False", "codelength.io.stream codelength.coders.huffman True"]
    eager = _run("-c", "import sys, codelength; print('codelength.app.report' in sys.modules)", cwd=tmp_path,
                 env={**env, "CODELENGTH_EAGER_IMPORT": "1"})
    assert eager.stdout.strip() == "True", eager.stderr
    cli = _run("-c", "import sys; from codelength.app.cli import main; main(['compress', '-c', '--version'])\n"
                     "print(sorted(m for m in ('codelength.app.report', 'codelength.app.profile',"
                     " 'codelength.measures.randomness') if m in sys.modules))", cwd=tmp_path, env=env)
    assert cli.stdout.strip().endswith("[]"), cli.stdout
    with pytest.raises(AttributeError, match="no attribute 'no_such_name'"):
        codelength.no_such_name  # noqa: B018


def test_lazy_attach_checks_all_against_the_imports(tmp_path):
    from codelength import _lazy
    init = tmp_path / "__init__.py"
    init.write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .a import x, y\n")
    sys.modules["fake_lazy_pkg"] = type(sys)("fake_lazy_pkg")
    try:
        _lazy.attach("fake_lazy_pkg", str(init), ["x", "y"])
        with pytest.raises(ImportError, match=r"differ: \['y', 'z'\]"):
            _lazy.attach("fake_lazy_pkg", str(init), ["x", "z"])
    finally:
        del sys.modules["fake_lazy_pkg"]
