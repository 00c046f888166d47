# Generated from codelength/stats/_records.pyx by tools/gen_stubs.py: do not edit; run `python tools/gen_stubs.py` after changing the .pyx.
from typing import Any
from typing_extensions import Buffer

import numpy as np
import numpy.typing as npt

HUFFMAN_KERNEL_MAX: Any

HAVE_ZLIB: Any

def zlib_runtime_version() -> Any: ...

def record_stats_into(data: Buffer, offsets: npt.NDArray[np.int64], log_scale: float, length: npt.NDArray[np.int64], h0: npt.NDArray[np.float64], ideal_bits: npt.NDArray[np.float64], huffman_bytes: npt.NDArray[np.int64], zlib_bytes: npt.NDArray[np.int64], max_length: int = ..., zlib_level: int = ..., huffman: bool = ..., use_zlib: bool = ...) -> Any: ...
