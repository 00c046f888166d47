"""Data flows one way (docs/design.md): the bottom room, ``codelength.stats``, imports no room above it."""
import ast
from pathlib import Path

import codelength

ABOVE_STATS = ("measures", "codes", "coders", "io", "app", "dask")
#: The documented exception (docs/design.md, "Known back-edges"): per-record sizes belong with the coders'
#: measurements; records.py compresses the longer records with codelength.io (a lazy import).
KNOWN_BACK_EDGES = {"records.py": {"io"}}


def _imported_rooms(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):  # function-level (lazy) imports count too
        if isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level >= 2:  # from ..room import x
                yield module.split(".")[0]
            elif node.level == 0 and module.startswith("codelength."):
                yield module.split(".")[1]
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("codelength."):
                    yield alias.name.split(".")[1]


def test_stats_imports_nothing_from_the_rooms_above():
    stats = Path(codelength.__file__).parent / "stats"
    sources = sorted(stats.glob("*.py"))
    assert len(sources) >= 4
    offending = {p.name: sorted(set(_imported_rooms(p)) & set(ABOVE_STATS)) for p in sources}
    unexpected = {k: v for k, v in offending.items() if not set(v) <= KNOWN_BACK_EDGES.get(k, set())}
    assert unexpected == {}
    assert offending["context.py"] == [] and offending["counting.py"] == []
