# Generated from codelength/codes/_integer.pyx by tools/gen_stubs.py: do not edit; run `python tools/gen_stubs.py` after changing the .pyx.
from typing import Any
from typing_extensions import Buffer

import numpy as np
import numpy.typing as npt

CODES: Any

ERRORS: Any

def encoded_bits(values: npt.NDArray[np.int64], code: int, param: int) -> Any: ...

def encode(values: npt.NDArray[np.int64], code: int, param: int, nbits: int) -> Any: ...

def decode(data: Buffer, n: int, code: int, param: int) -> Any: ...
