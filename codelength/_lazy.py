"""Lazy re-exports for the package ``__init__`` modules (PEP 562), so ``import codelength`` and the
command line load only what they use.

A package ``__init__`` lists its public names once, as ordinary imports inside ``if TYPE_CHECKING:``
(what type checkers and readers see) and in ``__all__``; :func:`attach` reads that block from the
module's own source and returns a module ``__getattr__`` that imports a name's module on first use,
and a ``__dir__``. Subpackages and submodules load on attribute access too (``codelength.io.stream``),
as they would have after an eager import. ``CODELENGTH_EAGER_IMPORT=1`` imports everything at once
(to see import errors early, as SPEC 1's ``EAGER_IMPORT`` does). Cost: one parse of the ``__init__``
source (about a millisecond) per package.
"""
from __future__ import annotations

import ast
import importlib
import os
import sys


def _exports(path: str) -> dict[str, str]:
    """``{name: relative module}`` of the ``from .x import name`` lines under ``if TYPE_CHECKING:``."""
    with open(path, encoding="utf-8") as f:
        tree = ast.parse(f.read(), path)
    exports: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            for item in node.body:
                if isinstance(item, ast.ImportFrom) and item.level >= 1:
                    for alias in item.names:
                        exports[alias.asname or alias.name] = "." * item.level + (item.module or "")
    return exports


def attach(package: str, path: str, names: list[str]):
    """``(__getattr__, __dir__)`` for the package ``package`` whose ``__init__`` is at ``path``;
    ``names`` is its ``__all__``, which must be exactly the names the ``TYPE_CHECKING`` block imports."""
    exports = _exports(path)
    if set(exports) != set(names):
        raise ImportError(f"{package}: __all__ and the lazy imports differ: "
                          f"{sorted(set(exports) ^ set(names))}")
    namespace = sys.modules[package].__dict__

    def __getattr__(name: str):
        module = exports.get(name)
        if module is not None:
            value = getattr(importlib.import_module(module, package), name)
        else:  # a subpackage or submodule not imported yet
            try:
                value = importlib.import_module(f"{package}.{name}")
            except ModuleNotFoundError as exc:
                if exc.name != f"{package}.{name}":
                    raise
                raise AttributeError(f"module {package!r} has no attribute {name!r}") from None
        namespace[name] = value
        return value

    def __dir__():
        return sorted(set(namespace) | set(exports))

    if os.environ.get("CODELENGTH_EAGER_IMPORT", "") not in ("", "0"):
        for name in exports:
            __getattr__(name)
    return __getattr__, __dir__
