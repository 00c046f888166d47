# Generated from codelength/coders/_model.pyx by tools/gen_stubs.py: do not edit; run `python tools/gen_stubs.py` after changing the .pyx.
from typing import Any

import numpy as np
import numpy.typing as npt

def choose_scale(weights: npt.NDArray[np.float64], scale: float, max_bits: int, low: int, only: int = ...) -> Any: ...
