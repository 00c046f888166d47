# Generated from codelength/coders/_blocks.pyx by tools/gen_stubs.py: do not edit; run `python tools/gen_stubs.py` after changing the .pyx.
from typing import Any

import numpy as np
import numpy.typing as npt

def split_blocks(symbols: npt.NDArray[Any], alphabet_size: int, header_bits: float, with_counts: bool = ...) -> Any: ...
