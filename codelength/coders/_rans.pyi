# Generated from codelength/coders/_rans.pyx by tools/gen_stubs.py: do not edit; run `python tools/gen_stubs.py` after changing the .pyx.
from typing import Any
from typing_extensions import Buffer

import numpy as np
import numpy.typing as npt

HAVE_AVX2: Any

HAVE_AVX512: Any

def set_avx512(enabled: bool) -> Any: ...

def set_simd(enabled: bool) -> Any: ...

def rans_encode(symbols: npt.NDArray[Any], freq: npt.NDArray[np.uint32], cum: npt.NDArray[np.uint32], bits: int, streams: int) -> Any: ...

def rans_decode(payload: Buffer, symbol_info: npt.NDArray[np.uint64], slot_symbol: npt.NDArray[Any], bits: int, streams: int, out: npt.NDArray[Any]) -> Any: ...

def rans16_encode(symbols: npt.NDArray[Any], freq: npt.NDArray[np.uint32], cum: npt.NDArray[np.uint32], bits: int) -> Any: ...

def rans16_decode(payload: Buffer, freq: npt.NDArray[np.uint32], bits: int, out: npt.NDArray[Any]) -> Any: ...
