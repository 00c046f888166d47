# Generated from codelength/measures/_rate.pyx by tools/gen_stubs.py: do not edit; run `python tools/gen_stubs.py` after changing the .pyx.
from typing import Any

import numpy as np
import numpy.typing as npt

def lz78_phrase_count(data: npt.NDArray[Any], alphabet_size: int) -> int: ...

def longest_previous_nonoverlapping_factor(data: npt.NDArray[Any], sa: npt.NDArray[np.int64]) -> Any: ...
