# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
# cython: freethreading_compatible=True
"""Kernels of ent's randomness figures (codelength.measures.randomness): one pass per piece, exact integers.

Twins in pure Python: codelength.reference.randomness. Thread safety (the module is declared
``freethreading_compatible``): the functions keep no state; they only read their argument.
"""
from libc.stdint cimport int64_t, uint64_t


def byte_pair_sum(const unsigned char[::1] data) -> int:
    """Σ data[i] * data[i + 1] over consecutive bytes (exact: below 2^64 for pieces up to 2^48 bytes)."""
    cdef Py_ssize_t n = data.shape[0], i
    cdef uint64_t total = 0
    with nogil:
        for i in range(n - 1):
            total += <uint64_t>data[i] * data[i + 1]
    return total


def bit_pair_count(const unsigned char[::1] data) -> int:
    """Adjacent pairs of 1 bits in the bit stream of ``data``, most significant bit of each byte first."""
    cdef Py_ssize_t n = data.shape[0], i
    cdef uint64_t total = 0
    cdef unsigned int x, previous = 0
    with nogil:
        for i in range(n):
            x = data[i]
            # within the byte: bit k and bit k - 1 (MSB first, neighbours); across: last bit of the previous
            total += _popcount8(x & (x >> 1))
            if i > 0:
                total += (previous & 1) & (x >> 7)
            previous = x
    return total


cdef inline unsigned int _popcount8(unsigned int x) noexcept nogil:
    x = x - ((x >> 1) & 0x55)
    x = (x & 0x33) + ((x >> 2) & 0x33)
    return (x + (x >> 4)) & 0x0F


def monte_carlo_inside(const unsigned char[::1] data) -> int:
    """Of the 6-byte points of ``data`` (its length a multiple of 6), how many fall in the quarter circle.

    A point is two 24-bit big-endian coordinates x, y; inside when x² + y² <= (2^24 - 1)².
    """
    cdef Py_ssize_t n = data.shape[0], i
    cdef uint64_t inside = 0, x, y
    cdef uint64_t radius2 = <uint64_t>16777215 * 16777215
    if n % 6:
        raise ValueError(f"monte_carlo_inside needs whole 6-byte points, got {n} bytes")
    with nogil:
        for i in range(0, n, 6):
            x = (<uint64_t>data[i] << 16) | (<uint64_t>data[i + 1] << 8) | data[i + 2]
            y = (<uint64_t>data[i + 3] << 16) | (<uint64_t>data[i + 4] << 8) | data[i + 5]
            if x * x + y * y <= radius2:
                inside += 1
    return inside
