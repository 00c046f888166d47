# Generated from codelength/io/_deflate.pyx by tools/gen_stubs.py: do not edit; run `python tools/gen_stubs.py` after changing the .pyx.
from typing import Any
from typing_extensions import Buffer

import numpy as np
import numpy.typing as npt

def plan_deflate_blocks(data: Buffer, blocks: npt.NDArray[np.int64], block_counts: npt.NDArray[np.int64]) -> Any: ...

def block_bits(counts: npt.NDArray[np.int64]) -> Any: ...

def deflate_raw(data: Buffer, blocks: npt.NDArray[np.int64], block_counts: npt.NDArray[np.int64] | None = ...) -> Any: ...
