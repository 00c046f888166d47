# Generated from codelength/coders/_model.pyx by tools/gen_stubs.py: do not edit; run `python tools/gen_stubs.py` after changing the .pyx.
from typing import Any
from typing_extensions import Buffer

import numpy as np
import numpy.typing as npt

def choose_scale(weights: npt.NDArray[np.float64], scale: float, max_bits: int, low: int, only: int = ...) -> Any: ...

def model_bytes(symbols: npt.NDArray[np.uint64], freqs: npt.NDArray[np.uint32], scale_bits: int, streams: int) -> Any: ...

def parse_model(model: Buffer, alphabet_size: int) -> Any: ...

def dense_tables(symbols: npt.NDArray[np.uint64], freqs: npt.NDArray[np.uint32], size: int, by_rank: bool) -> Any: ...
