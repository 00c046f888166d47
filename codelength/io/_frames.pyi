# Generated from codelength/io/_frames.pyx by tools/gen_stubs.py: do not edit; run `python tools/gen_stubs.py` after changing the .pyx.
from typing import Any
from typing_extensions import Buffer

def parse_single(buf: Buffer, max_block: int, max_alphabet: int, known_coders: int) -> Any: ...
