# Declarations other kernels cimport from codelength.coders._huffman (the definitions are in _huffman.pyx).
from libc.stdint cimport int64_t, uint8_t

# Optimal code lengths of ``counts`` (max_length 0 = unlimited): 0 ok, -1 out of memory, -2 limit too
# small, -3 a length above 255. The one length rule of the native coder, so sizes computed elsewhere
# (codelength.stats._records) are those the coder writes.
cdef int _code_lengths(const int64_t* counts, Py_ssize_t n_symbols, int max_length,
                       uint8_t* lengths) noexcept nogil
