# Generated from codelength/codes/_prefix.pyx by tools/gen_stubs.py: do not edit; run `python tools/gen_stubs.py` after changing the .pyx.
from typing import Any

import numpy as np
import numpy.typing as npt

def code_lengths(counts: npt.NDArray[np.int64], max_length: int = ...) -> Any: ...
