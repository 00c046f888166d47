# cython: language_level=3
"""The unsigned symbol types every coder kernel takes (8, 16 or 32 bits): one fused type, cimported by
each coder module so a Python caller hands over the narrowest array that holds its symbols."""
from libc.stdint cimport uint8_t, uint16_t, uint32_t

ctypedef fused symbol_t:
    uint8_t
    uint16_t
    uint32_t
