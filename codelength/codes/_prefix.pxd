# cython: language_level=3
"""Prefix-code construction shared by the Huffman coder (coders/_huffman.pyx) and the DEFLATE writer
(io/_deflate.pyx): optimal and length-limited code lengths, canonical code words (bit-reversed, LSB-first
as DEFLATE writes them). Implemented in _prefix.pyx; cimporting modules call these through its C API."""
from libc.stdint cimport uint8_t, uint32_t, int64_t

cdef enum:
    MAX_CODE_LENGTH = 24     # longest code word of the native coder (DEFLATE's limit, 15, is below it)

cdef int _code_lengths(const int64_t* counts, Py_ssize_t n_symbols, int max_length,
                       uint8_t* lengths) noexcept nogil
cdef void _huffman_tree_depths(int64_t* weight, Py_ssize_t m, Py_ssize_t* parent, int* depth) noexcept nogil
cdef void _canonical_entries(const uint8_t* lengths, Py_ssize_t n_symbols, uint32_t* entries) noexcept nogil
