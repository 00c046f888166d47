# Generated from codelength/coders/_range.pyx by tools/gen_stubs.py: do not edit; run `python tools/gen_stubs.py` after changing the .pyx.
from typing import Any
from typing_extensions import Buffer

import numpy as np
import numpy.typing as npt

RC_SLACK: Any

def set_locals4(enabled: bool) -> Any: ...

def range_encode(symbols: npt.NDArray[Any], freq: npt.NDArray[np.uint32], cum: npt.NDArray[np.uint32], bits: int, streams: int = ...) -> Any: ...

def range_decode(payload: Buffer, offsets: npt.NDArray[np.int64], freq: npt.NDArray[np.uint32], cum: npt.NDArray[np.uint32], slot_symbol: npt.NDArray[Any], bits: int, out: npt.NDArray[Any]) -> Any: ...
