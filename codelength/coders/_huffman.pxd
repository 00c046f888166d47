# cython: language_level=3
"""The code-length header of the native Huffman coder, which the DEFLATE writer (io/_deflate.pyx) writes
in its own alphabet (RFC 1951's): run-length tokens of the code lengths, coded with a code-length code.
Implemented in _huffman.pyx; cimporting modules call it through its C API."""
from libc.stdint cimport uint8_t

from codelength.coders._bitwriter cimport Writer

cdef struct Runs:
    int repeat_symbol      # repeat previous length 3-6 times (2 extra bits)
    int first_zero_symbol  # zero runs: 3-10 (3 bits), 11-138 (7 bits)[, 139-65674 (16 bits)]
    int n_zero_runs
    int cl_symbols

cdef int _write_lengths(Writer* w, const uint8_t* lengths, Py_ssize_t n, Runs runs,
                        const uint8_t* order, int hclen_bits) noexcept nogil
