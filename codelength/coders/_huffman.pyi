# Generated from codelength/coders/_huffman.pyx by tools/gen_stubs.py: do not edit; run `python tools/gen_stubs.py` after changing the .pyx.
from typing import Any
from typing_extensions import Buffer

import numpy as np
import numpy.typing as npt

ERRORS: Any

def encode_native(symbols: npt.NDArray[Any], alphabet_size: int, blocks: npt.NDArray[np.int64], max_length: int, counts: npt.NDArray[np.int64] | None = ..., scratch: Buffer | None = ...) -> Any: ...

def payload_bound(n: int, largest: int, n_blocks: int, itemsize: int) -> Any: ...

def multi_pays(lengths: Buffer, block_n: int) -> Any: ...

def decode_native(model: Buffer, payload: Buffer, out: npt.NDArray[Any], alphabet_size: int) -> Any: ...

def multi_table(lengths: Buffer) -> Any: ...
