"""Sphinx configuration of codelength's documentation site.

Build it (warnings are errors, as in CI: tests/test_docs.py)::

    python -m pip install -e ".[docs]"
    python -m sphinx -W --keep-going -b html docs docs/_build/html

The pages are the README (included whole), the docs/*.md notes and the API reference, which autodoc
builds from the docstrings (NumPy style, read by numpydoc) of every name in ``codelength.__all__``.
"""
import os
import sys

sys.path.insert(0, os.path.abspath(".."))   # a checkout with the kernels built in place

import codelength  # noqa: E402

project = "codelength"
author = "the codelength maintainers"
copyright = "2026, the codelength maintainers"
release = version = codelength.__version__

extensions = ["myst_parser", "numpydoc", "sphinx.ext.autodoc", "sphinx.ext.mathjax", "sphinx.ext.intersphinx"]
source_suffix = {".md": "markdown", ".rst": "restructuredtext"}
exclude_patterns = ["_build"]
root_doc = "index"

myst_heading_anchors = 3            # the README links to its own sections by GitHub's anchors
myst_enable_extensions = ["dollarmath"]

autodoc_default_options = {"members": True, "member-order": "bysource"}
autodoc_typehints = "none"          # the signatures show them; numpydoc's Parameters sections say the rest
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_validation_checks = set()
intersphinx_mapping = {}            # no network at build time

html_theme = "alabaster"
html_title = f"codelength {release}"
