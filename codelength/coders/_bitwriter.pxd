# cython: language_level=3
"""The LSB-first bit writer of the Huffman coder (coders/_huffman.pyx) and the DEFLATE writer
(io/_deflate.pyx): a growable (or fixed, caller-owned) byte buffer with up to 63 pending bits, and the
packing loop of code words (entries are ``bit-reversed code << 8 | length``, as codes/_prefix.pyx builds
them). Inline helpers only: each module compiles its own copy into its loops.
"""
from libc.stdint cimport uint8_t, uint32_t, uint64_t
from libc.stdlib cimport realloc, free
from libc.string cimport memcpy

from codelength.coders._symbols cimport symbol_t


cdef struct Writer:
    uint8_t* buf
    size_t cap
    size_t pos      # complete bytes written
    uint64_t acc    # pending bits (fewer than 8 between calls)
    int nbits
    int failed
    int fixed       # buf is not ours (a bytes object's storage): it cannot grow


cdef inline int _reserve(Writer* w, size_t extra) noexcept nogil:
    """Make room for ``extra`` more bytes plus 16 bytes of slack for 8-byte stores."""
    cdef size_t need = w.pos + extra + 16, cap
    cdef uint8_t* grown
    if need <= w.cap:
        return 0
    if w.fixed:
        w.failed = 2
        return -1
    cap = w.cap * 2 if w.cap * 2 > need else need
    grown = <uint8_t*>realloc(w.buf, cap)
    if grown == NULL:
        w.failed = 1
        return -1
    w.buf = grown
    w.cap = cap
    return 0


cdef inline void _put(Writer* w, uint64_t value, int nbits) noexcept nogil:
    """Append ``nbits`` (at most 32) bits; the caller has reserved room."""
    w.acc |= value << w.nbits
    w.nbits += nbits
    while w.nbits >= 8:
        w.buf[w.pos] = <uint8_t>(w.acc & 0xFF)
        w.pos += 1
        w.acc >>= 8
        w.nbits -= 8


cdef inline void _put_varint(Writer* w, uint64_t value) noexcept nogil:
    cdef uint64_t group
    while True:
        group = value & 0x7F
        value >>= 7
        _put(w, group | (0x80 if value else 0), 8)
        if not value:
            return


cdef inline void _align(Writer* w) noexcept nogil:
    if w.nbits:
        _put(w, 0, 8 - w.nbits)


cdef inline void _store64(uint8_t* p, uint64_t v) noexcept nogil:
    memcpy(p, &v, 8)  # little-endian machines (x86-64, aarch64)


cdef inline uint64_t _load64(const uint8_t* p) noexcept nogil:
    cdef uint64_t v
    memcpy(&v, p, 8)
    return v


cdef inline void _encode_symbols(Writer* w, const symbol_t* symbols, Py_ssize_t count,
                                 const uint32_t* entries, int longest) noexcept nogil:
    """Append the code words of ``symbols`` (none longer than ``longest``); room for them (plus slack)
    is reserved by the caller.

    Two words (at most 24 bits each) go into the 64-bit buffer between flushes: 7 + 48 < 64.
    """
    cdef uint64_t acc = w.acc
    cdef int nbits = w.nbits
    cdef uint8_t* p = w.buf + w.pos
    cdef Py_ssize_t i = 0
    cdef uint32_t e0, e1, e2
    if longest <= 18:   # three words per flush: 7 + 3 * 18 < 64
        while i + 3 <= count:
            e0 = entries[symbols[i]]
            e1 = entries[symbols[i + 1]]
            e2 = entries[symbols[i + 2]]
            acc |= <uint64_t>(e0 >> 8) << nbits
            nbits += e0 & 0xFF
            acc |= <uint64_t>(e1 >> 8) << nbits
            nbits += e1 & 0xFF
            acc |= <uint64_t>(e2 >> 8) << nbits
            nbits += e2 & 0xFF
            _store64(p, acc)
            p += nbits >> 3
            acc >>= nbits & ~7
            nbits &= 7
            i += 3
    while i + 2 <= count:
        e0 = entries[symbols[i]]
        e1 = entries[symbols[i + 1]]
        acc |= <uint64_t>(e0 >> 8) << nbits
        nbits += e0 & 0xFF
        acc |= <uint64_t>(e1 >> 8) << nbits
        nbits += e1 & 0xFF
        _store64(p, acc)
        p += nbits >> 3
        acc >>= nbits & ~7
        nbits &= 7
        i += 2
    if i < count:
        e0 = entries[symbols[i]]
        acc |= <uint64_t>(e0 >> 8) << nbits
        nbits += e0 & 0xFF
        _store64(p, acc)
        p += nbits >> 3
        acc >>= nbits & ~7
        nbits &= 7
    w.pos = p - w.buf
    w.acc = acc
    w.nbits = nbits


cdef inline bytes _take(Writer* w):
    cdef bytes out = w.buf[:w.pos] if w.pos else b""
    free(w.buf)
    w.buf = NULL
    return out
