"""A small program written against codelength's public API with full type annotations.

``tests/test_packaging.py`` runs ``mypy --strict`` on it: the annotations of the Python modules and the
generated stubs of the compiled ones (``codelength/**/_*.pyi``) must let a strictly typed user program
check clean. It is also run, so what it states is true.
"""
from __future__ import annotations

import numpy as np
import numpy.typing as npt

import codelength as cl
from codelength.stats import _kernels


def bits_per_byte(data: bytes) -> dict[str, float]:
    counts: npt.NDArray[np.int64] = cl.counts(data)
    h0: float = cl.entropy(counts)
    sizes: dict[str, float] = {"H0": h0}
    for coder in ("huffman", "range", "rans"):
        blob: bytes = cl.compress(data, coder=coder)
        back = cl.decompress(blob)
        assert isinstance(back, bytes) and back == data
        sizes[coder] = 8 * len(blob) / len(data)
    return sizes


def trigram_entropy(pieces: list[bytes]) -> float:
    counter = _kernels.NgramCounter(3)
    for piece in pieces:
        counter.update(piece)
    n: int = counter.n
    assert n == 3 and counter.distinct > 0
    nats: float = counter.conditional_entropy()
    return nats / float(np.log(2))


def main() -> None:
    data = b"abracadabra, " * 200
    sizes = bits_per_byte(data)
    assert sizes["huffman"] >= sizes["H0"]
    table: cl.CodeTable = cl.CodeTable.from_data(b"abracadabra")
    text: str = str(table)
    assert "Kraft" in text
    report: cl.Report = cl.analyze(data, order=2, coders=False)
    h2: float | None = report.bound("H2").bits_per_byte
    assert h2 is not None and h2 <= sizes["H0"]
    assert abs(trigram_entropy([data[:1000], data[1000:]]) - cl.context_entropy(data, 2)) < 1e-9


if __name__ == "__main__":
    main()
