"""The documentation site builds from the docstrings, the README and docs/*.md with no warning
(Sphinx -W), so a docstring that does not render, a broken cross-reference or a page left out of the
toctree fails here rather than on the published site."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_docs_build_without_warnings(tmp_path):
    for module in ("sphinx", "numpydoc", "myst_parser"):
        pytest.importorskip(module, reason="the docs tools are in the test and docs extras")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    result = subprocess.run([sys.executable, "-m", "sphinx", "-E", "-W", "--keep-going", "-q", "-b", "html",
                             "-d", str(tmp_path / "doctrees"), str(ROOT / "docs"), str(tmp_path / "html")],
                            capture_output=True, text=True, env=env, cwd=ROOT)
    assert result.returncode == 0, result.stderr[-6000:]
    html = (tmp_path / "html" / "api.html").read_text(encoding="utf-8")
    import codelength
    missing = [name for name in codelength.__all__ if f'id="codelength.{name}"' not in html]
    assert not missing, (f"public names without an entry in the API reference: {missing} (a function or "
                         "class needs a docstring; a constant a `.. data::` entry in docs/api.md)")
    assert "cannot be compressed again" in (tmp_path / "html" / "readme.html").read_text(encoding="utf-8")
