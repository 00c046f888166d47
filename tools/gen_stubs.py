#!/usr/bin/env python3
"""Write the type stubs (``.pyi``) of the compiled modules from their ``.pyx`` sources.

Every ``codelength/**/<name>.pyx`` gets a ``<name>.pyi`` beside it, read from what Python can see of the
module: its ``def`` and ``cpdef`` functions, its ``cdef class`` types (``def``/``cpdef`` methods,
``@property`` getters, ``cdef readonly``/``cdef public`` attributes; ``__cinit__`` becomes ``__init__``)
and its module-level Python constants. C types map to Python types: integer C types to ``int``,
``double``/``float`` to ``float``, ``bint`` to ``bool``, 1-byte memoryviews (``const uint8_t[::1]``) to
``Buffer`` (bytes, bytearray, memoryview, uint8 arrays), other memoryviews to the NumPy array of that
dtype (``NDArray[Any]`` for fused types), ``= None`` defaults to ``T | None``. A ``def`` without a return
annotation returns ``Any`` (Cython does not declare what a ``def`` returns); ``-> T`` written in the
``.pyx`` is copied.

    python tools/gen_stubs.py            # rewrite the stubs
    python tools/gen_stubs.py --check    # exit 1 naming every stale or orphaned stub (CI runs this)
"""
from __future__ import annotations

import argparse
import ast
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "codelength"
REGENERATE = "python tools/gen_stubs.py"
HEADER = (f"# Generated from {{source}} by tools/gen_stubs.py: do not edit; run `{REGENERATE}` after "
          "changing the .pyx.\n")

_INT = {"char", "signed char", "unsigned char", "short", "unsigned short", "int", "unsigned int", "unsigned",
        "long", "unsigned long", "long long", "unsigned long long", "Py_ssize_t", "size_t", "Py_hash_t",
        "ssize_t", "Py_UCS4"} | {f"{s}int{b}_t" for s in ("", "u") for b in (8, 16, 32, 64)}
_FLOAT = {"float", "double", "long double"}
_PYTHON = {"object": "Any", "bytes": "bytes", "str": "str", "unicode": "str", "bytearray": "bytearray",
           "list": "list[Any]", "tuple": "tuple[Any, ...]", "dict": "dict[Any, Any]", "set": "set[Any]",
           "bool": "bool", "bint": "bool", "void": "None"}
#: NumPy scalar type of each C element type of a memoryview
_DTYPE = {f"{s}int{b}_t": f"np.{s}int{b}" for s in ("", "u") for b in (8, 16, 32, 64)}
_DTYPE.update({"double": "np.float64", "float": "np.float32", "Py_ssize_t": "np.intp", "size_t": "np.uintp",
               "int": "np.intc", "long": "np.int_", "long long": "np.longlong", "char": "np.int8",
               "signed char": "np.int8", "unsigned char": "np.uint8", "bint": "np.bool_"})
_BYTES_LIKE = {"uint8_t", "unsigned char", "char", "int8_t", "signed char"}
_MODIFIERS = {"const", "inline", "readonly", "public", "api", "nogil", "noexcept"}


def split_top(text: str, sep: str = ",") -> list[str]:
    """Split on ``sep`` outside brackets and quotes."""
    parts, depth, quote, start = [], 0, "", 0
    for i, ch in enumerate(text):
        if quote:
            if ch == quote and text[i - 1] != "\\":
                quote = ""
        elif ch in "'\"":
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == sep and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return [p.strip() for p in parts if p.strip()]


def _shown(path: Path) -> str:
    """A path as shown in headers and messages: relative to the checkout when inside it."""
    path = path.resolve()
    return path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else path.name


class Module:
    """What Python sees of one .pyx: functions, classes and constants, in source order."""

    def __init__(self, path: Path):
        self.path = path
        self.lines = path.read_text(encoding="utf-8").splitlines()
        self.fused: set[str] = set()
        self.ctypedefs: dict[str, str] = {}
        self.items: list[str] = []      # rendered top-level items
        self.uses_numpy = False
        self.uses_buffer = False

    # --------------------------------------------------------------------------------------- types
    def scalar(self, ctype: str) -> str:
        ctype = " ".join(t for t in ctype.split() if t not in _MODIFIERS)
        ctype = self.ctypedefs.get(ctype, ctype)
        if ctype in _INT:
            return "int"
        if ctype in _FLOAT:
            return "float"
        if ctype in _PYTHON:
            return _PYTHON[ctype]
        if ctype in self.fused:
            return "Any"
        if ctype.endswith("*"):
            return "Any"
        return "Any"

    def annotation(self, ctype: str) -> str:
        """Python annotation of a C/Cython argument type (memoryviews included)."""
        ctype = ctype.strip()
        m = re.fullmatch(r"(.*?)\s*\[([:,\s\d]*)\]", ctype)
        if not m:
            return self.scalar(ctype)
        element = " ".join(t for t in m.group(1).split() if t not in _MODIFIERS)
        element = self.ctypedefs.get(element, element)
        ndim = len(split_top(m.group(2)))
        if element in _BYTES_LIKE and ndim == 1:
            self.uses_buffer = True
            return "Buffer"
        self.uses_numpy = True
        if element in _DTYPE:
            return f"npt.NDArray[{_DTYPE[element]}]"
        return "npt.NDArray[Any]"

    # ----------------------------------------------------------------------------------- signatures
    def parameter(self, text: str) -> str:
        text = re.sub(r"\s+(not|or)\s+None\s*$", "", text.strip())
        if text in ("*", "/"):
            return text
        default = None
        parts = split_top(text, "=")
        if len(parts) == 2:
            text, default = parts[0].strip(), parts[1].strip()
        stars = re.match(r"^\*{1,2}", text)
        prefix = stars.group(0) if stars else ""
        text = text[len(prefix):].strip()
        if ":" in text and "[" not in text.split(":")[0]:
            name, hint = (s.strip() for s in text.split(":", 1))      # a Python annotation
        else:
            m = re.fullmatch(r"(.*?)([A-Za-z_]\w*)", text, re.S)
            ctype, name = (m.group(1).strip(), m.group(2)) if m else ("", text)
            hint = self.annotation(ctype) if ctype else "Any"
        if default is not None:
            if default == "None" and hint != "Any" and not hint.endswith("| None"):
                hint = f"{hint} | None"
            return f"{prefix}{name}: {hint} = ..."
        return f"{prefix}{name}: {hint}"

    def signature(self, start: int) -> tuple[str, int]:
        """The text of a def/cpdef header starting on line ``start``, and the line after it."""
        text, i, depth = "", start, 0
        while i < len(self.lines):
            line = self.lines[i].split("#", 1)[0] if "#" in self.lines[i] and "'" not in self.lines[i] \
                and '"' not in self.lines[i] else self.lines[i]
            text += " " + line.strip()
            depth += line.count("(") - line.count(")")
            i += 1
            if depth <= 0 and text.rstrip().endswith(":"):
                break
        return text.strip(), i

    def function(self, header: str, indent: str, method: bool) -> str | None:
        m = re.match(r"(async\s+)?(def|cpdef)\s+(.*?)\b([A-Za-z_]\w*)\s*\((.*)\)\s*(->\s*(.*?))?\s*"
                     r"(noexcept|except\s*[^:]*|nogil|with gil|\s)*:\s*$", header, re.S)
        if not m:
            return None
        kind, ctype, name, args, _, returns = m.group(2), m.group(3), m.group(4), m.group(5), m.group(6), \
            m.group(7)
        if name == "__dealloc__":
            return None
        if name == "__cinit__":
            name = "__init__"
        params = split_top(args)
        if method and params and params[0].split()[-1] in ("self", "cls"):
            first = params.pop(0).split()[-1]
        else:
            first = None
        rendered = [self.parameter(p) for p in params]
        if first:
            rendered.insert(0, first)
        if returns:
            result = returns.strip()
        elif name == "__init__":
            result = "None"
        elif kind == "cpdef" and ctype.strip():
            result = self.scalar(ctype)
        else:
            result = "Any"
        return f"{indent}def {name}({', '.join(rendered)}) -> {result}: ..."

    # -------------------------------------------------------------------------------------- parsing
    def parse(self) -> None:
        i = 0
        decorators: list[str] = []
        cls: list[str] | None = None
        while i < len(self.lines):
            raw = self.lines[i]
            stripped = raw.strip()
            indent = len(raw) - len(raw.lstrip())
            if not stripped or stripped.startswith("#"):
                i += 1
                continue
            if cls is not None and indent == 0:
                self.items.append("\n".join(cls if len(cls) > 1 else cls + ["    ..."]))
                cls = None
            if indent == 0:
                if stripped.startswith("ctypedef fused"):
                    self.fused.add(stripped.split()[2].rstrip(":"))
                elif m := re.match(r"ctypedef\s+(.+?)\s+([A-Za-z_]\w*)\s*$", stripped):
                    self.ctypedefs[m.group(2)] = m.group(1)
                elif m := re.match(r"cdef\s+class\s+([A-Za-z_]\w*)\s*(\(([^)]*)\))?\s*:", stripped):
                    base = f"({m.group(3)})" if m.group(3) else ""
                    cls = [f"class {m.group(1)}{base}:"]
                    i += 1
                    continue
                elif stripped.startswith(("def ", "cpdef ", "async def ")):
                    header, i = self.signature(i)
                    rendered = self.function(header, "", method=False)
                    if rendered:
                        self.items.append(rendered)
                    i = self.skip_body(i, 0)
                    continue
                elif m := re.match(r"([A-Za-z_]\w*)\s*(:\s*[^=]+)?=\s*(.*)$", stripped):
                    name = m.group(1)
                    if not name.startswith("_") or (name.startswith("__") and name.endswith("__")):
                        value, i = self.expression(i, m.group(3))
                        hint = m.group(2)[1:].strip() if m.group(2) else self.constant_type(value)
                        self.items.append(f"{name}: {hint}")
                        continue
                i = self.skip_body(i + 1, 0) if stripped.endswith(":") else i + 1
                continue
            if cls is not None and indent == 4:
                if stripped.startswith("@"):
                    decorators.append(stripped)
                    i += 1
                    continue
                if m := re.match(r"cdef\s+(readonly|public)\s+(.+?)\s+([A-Za-z_]\w*)\s*(#.*)?$", stripped):
                    hint = self.annotation(m.group(2))
                    if m.group(1) == "readonly":
                        cls.append(f"    @property\n    def {m.group(3)}(self) -> {hint}: ...")
                    else:
                        cls.append(f"    {m.group(3)}: {hint}")
                elif stripped.startswith(("def ", "cpdef ")):
                    header, i = self.signature(i)
                    rendered = self.function(header, "    ", method=True)
                    if rendered:
                        cls.extend(f"    {d}" for d in decorators if d in ("@property", "@staticmethod",
                                                                           "@classmethod"))
                        if "@property" in decorators:
                            rendered = re.sub(r"\((self)[^)]*\)", r"(\1)", rendered, count=1)
                        cls.append(rendered)
                    decorators = []
                    i = self.skip_body(i, 4)
                    continue
                decorators = []
            i += 1
        if cls is not None:
            self.items.append("\n".join(cls if len(cls) > 1 else cls + ["    ..."]))

    def skip_body(self, i: int, indent: int) -> int:
        """First line after the indented block that follows line ``i - 1``."""
        while i < len(self.lines):
            raw = self.lines[i]
            if raw.strip() and not raw.lstrip().startswith("#") and len(raw) - len(raw.lstrip()) <= indent:
                break
            i += 1
        return i

    def expression(self, i: int, first: str) -> tuple[str, int]:
        """The whole (possibly multi-line) right-hand side starting on line ``i``, and the next line."""
        text, depth = first, sum(first.count(c) for c in "([{") - sum(first.count(c) for c in ")]}")
        i += 1
        while depth > 0 and i < len(self.lines):
            line = self.lines[i]
            text += "\n" + line
            depth += sum(line.count(c) for c in "([{") - sum(line.count(c) for c in ")]}")
            i += 1
        return text, i

    @staticmethod
    def constant_type(value: str) -> str:
        try:
            obj = ast.literal_eval(value.strip())
        except (ValueError, SyntaxError):
            try:
                tree = ast.parse(value.strip(), mode="eval").body
            except SyntaxError:
                return "Any"
            return "str" if isinstance(tree, ast.JoinedStr) else "Any"

        def kind(o) -> str:
            if isinstance(o, bool):
                return "bool"
            for t in (int, float, str, bytes):
                if isinstance(o, t):
                    return t.__name__
            if isinstance(o, dict):
                keys = {kind(k) for k in o} or {"Any"}
                vals = {kind(v) for v in o.values()} or {"Any"}
                return f"dict[{' | '.join(sorted(keys))}, {' | '.join(sorted(vals))}]"
            if isinstance(o, (list, set, frozenset)):
                items = {kind(v) for v in o} or {"Any"}
                return f"{type(o).__name__}[{' | '.join(sorted(items))}]"
            if isinstance(o, tuple):
                items = {kind(v) for v in o} or {"Any"}
                return f"tuple[{' | '.join(sorted(items))}, ...]"
            return "Any"
        return kind(obj)

    def render(self) -> str:
        self.parse()
        body = "\n\n".join(self.items)
        imports = ["from typing import Any"]
        if self.uses_numpy:
            imports += ["", "import numpy as np", "import numpy.typing as npt"]
        if self.uses_buffer:
            imports.insert(1, "from typing_extensions import Buffer")
        if "Any" not in body.replace("from typing import Any", ""):
            imports.remove("from typing import Any")
        source = _shown(self.path)
        return HEADER.format(source=source) + "\n".join(imports).lstrip("\n") + "\n\n" + body + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 if a stub differs from what its .pyx gives")
    parser.add_argument("--package", type=Path, default=PACKAGE, help=argparse.SUPPRESS)  # for the tests
    args = parser.parse_args(argv)
    stale = []
    for pyx in sorted(args.package.rglob("*.pyx")):
        stub = pyx.with_suffix(".pyi")
        text = Module(pyx).render()
        current = stub.read_text(encoding="utf-8") if stub.exists() else None
        if current == text:
            continue
        if args.check:
            stale.append(f"{_shown(stub)} is {'missing' if current is None else 'stale'}")
        else:
            stub.write_text(text, encoding="utf-8")
            print(f"wrote {_shown(stub)}")
    for stub in sorted(args.package.rglob("*.pyi")):
        if stub.read_text(encoding="utf-8").startswith("# Generated from") and not stub.with_suffix(".pyx").exists():
            if args.check:
                stale.append(f"{_shown(stub)} has no .pyx any more (delete it)")
            else:
                stub.unlink()
                print(f"removed {_shown(stub)} (its .pyx is gone)")
    if stale:
        print("type stubs out of date with the .pyx sources:\n  " + "\n  ".join(stale)
              + f"\nregenerate them with `{REGENERATE}` and commit the .pyi files", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
