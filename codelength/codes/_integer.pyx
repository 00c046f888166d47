# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
# cython: freethreading_compatible=True
"""Integer (universal) code kernels: unary, Elias gamma, delta and omega, Fibonacci, Golomb, Rice and
exp-Golomb, encoded to and decoded from MSB-first bit streams.

Bits are packed most significant first (the first bit of the stream is bit 7 of byte 0); the last
byte is padded with zero bits. The pure-Python twin is :mod:`codelength.reference.integer`; it is the
specification (bit-identical bytes). :func:`encode` runs on validated input (values within the code's
range, as :mod:`codelength.codes.integer` checks); :func:`decode` is safe on any bytes: it never reads
past the buffer, never writes past ``n`` values, and reports damage by an error code.

Thread safety (the module is declared ``freethreading_compatible``): the only module state is the table
of Fibonacci numbers, written once at import; every call keeps its writer or reader on the C stack and
writes only into the output it allocates, so calls run in parallel without locks.
"""
from libc.stdint cimport uint8_t, uint64_t, int64_t

import numpy as np
cimport numpy as cnp

cdef extern from "Python.h":
    object PyBytes_FromStringAndSize(const char* v, Py_ssize_t size)
    char* PyBytes_AS_STRING(object string)

cdef extern from *:
    int __builtin_clzll(unsigned long long) nogil

cnp.import_array()

# code ids (the Python layer maps names to them)
DEF C_UNARY = 0
DEF C_GAMMA = 1
DEF C_DELTA = 2
DEF C_OMEGA = 3
DEF C_FIBONACCI = 4
DEF C_GOLOMB = 5
DEF C_RICE = 6
DEF C_EXPGOLOMB = 7

# decoder status
DEF OK = 0
DEF E_TRUNCATED = 1
DEF E_RANGE = 2

DEF NFIB = 91  # Fibonacci numbers F(2)..F(92) (1, 2, 3, 5, ...) not above 2**63 - 1

CODES = {"unary": C_UNARY, "gamma": C_GAMMA, "delta": C_DELTA, "omega": C_OMEGA, "fibonacci": C_FIBONACCI,
         "golomb": C_GOLOMB, "rice": C_RICE, "exp-golomb": C_EXPGOLOMB}
ERRORS = {E_TRUNCATED: "the bit stream ends inside a code word (truncated)",
          E_RANGE: "a code word decodes to a value beyond 2**63 - 1 (corrupt stream)"}

cdef uint64_t INT64_MAX = (<uint64_t>1 << 63) - 1
cdef uint64_t SIZE_LIMIT = <uint64_t>1 << 62  # the size pass stops counting here (no uint64 wrap)
cdef uint64_t FIB[NFIB]
cdef int _i
FIB[0] = 1
FIB[1] = 2
for _i in range(2, NFIB):
    FIB[_i] = FIB[_i - 1] + FIB[_i - 2]


cdef inline int bit_length(uint64_t v) noexcept nogil:
    return 0 if v == 0 else 64 - __builtin_clzll(v)


cdef inline int ceil_log2(uint64_t m) noexcept nogil:
    """Least b with 2**b >= m (m >= 1)."""
    return 0 if m <= 1 else bit_length(m - 1)


cdef inline int fib_top(uint64_t v) noexcept nogil:
    """Index of the largest Fibonacci number FIB[i] <= v (v >= 1), by bisection."""
    cdef int lo = 0, hi = NFIB - 1, mid
    while lo < hi:  # invariant: FIB[lo] <= v, and the answer is in [lo, hi]
        mid = (lo + hi + 1) >> 1
        if FIB[mid] <= v:
            lo = mid
        else:
            hi = mid - 1
    return lo


cdef uint64_t word_bits(uint64_t v, int code, uint64_t param) noexcept nogil:
    """Length in bits of the code word of ``v`` (valid input)."""
    cdef int n
    cdef uint64_t w
    if code == C_UNARY:
        return v
    if code == C_GAMMA:
        return 2 * <uint64_t>bit_length(v) - 1
    if code == C_DELTA:
        n = bit_length(v) - 1
        return 2 * <uint64_t>bit_length(<uint64_t>n + 1) - 1 + n
    if code == C_OMEGA:
        w = 1
        while v > 1:
            n = bit_length(v)
            w += n
            v = n - 1
        return w
    if code == C_FIBONACCI:
        return <uint64_t>fib_top(v) + 2
    if code == C_GOLOMB:
        n = ceil_log2(param)
        w = v % param
        return v / param + 1 + (<uint64_t>n - 1 if w < ((<uint64_t>1 << n) - param) else <uint64_t>n)
    if code == C_RICE:
        return (v >> param) + 1 + param
    # exp-Golomb(k): w = v + 2**k in gamma form with k fewer leading zeros
    w = v + (<uint64_t>1 << param)
    return 2 * <uint64_t>bit_length(w) - 1 - param


# ------------------------------------------------------------------------------------------ writer

cdef struct Writer:
    unsigned char* out
    size_t byte
    uint64_t acc
    int nacc


cdef inline void put(Writer* w, uint64_t v, int n) noexcept nogil:
    """Append the ``n`` (<= 56) low bits of ``v`` (v < 2**n), most significant first."""
    w.acc = (w.acc << n) | v
    w.nacc += n
    while w.nacc >= 8:
        w.nacc -= 8
        w.out[w.byte] = <unsigned char>(w.acc >> w.nacc)
        w.byte += 1


cdef inline void put_long(Writer* w, uint64_t v, int n) noexcept nogil:
    """Append the ``n`` (<= 64) low bits of ``v``."""
    if n > 32:
        put(w, v >> 32, n - 32)
        put(w, v & <uint64_t>0xFFFFFFFFU, 32)
    else:
        put(w, v, n)


cdef inline void put_run(Writer* w, uint64_t count, uint64_t bit) noexcept nogil:
    """Append ``count`` copies of ``bit``."""
    cdef uint64_t fill = ((<uint64_t>1 << 56) - 1) if bit else 0
    while count >= 56:
        put(w, fill, 56)
        count -= 56
    if count:
        put(w, fill >> (56 - count), <int>count)


cdef inline void finish(Writer* w) noexcept nogil:
    if w.nacc:
        w.out[w.byte] = <unsigned char>(w.acc << (8 - w.nacc))
        w.byte += 1
        w.nacc = 0


cdef void put_word(Writer* w, uint64_t v, int code, uint64_t param) noexcept nogil:
    cdef int n, b, top, i, depth
    cdef uint64_t q, r, cut, pattern_hi, pattern_lo
    cdef uint64_t groups[8]
    cdef int widths[8]
    if code == C_UNARY:  # v - 1 ones, then a zero
        put_run(w, v - 1, 1)
        put(w, 0, 1)
    elif code == C_GAMMA:  # N zeros, then v in N + 1 bits (N = floor(log2 v))
        n = bit_length(v)
        put_run(w, n - 1, 0)
        put_long(w, v, n)
    elif code == C_DELTA:  # gamma(N + 1), then the N low bits of v
        n = bit_length(v) - 1
        b = bit_length(<uint64_t>n + 1)
        put_run(w, b - 1, 0)
        put(w, <uint64_t>n + 1, b)
        if n:
            put_long(w, v & ((<uint64_t>1 << n) - 1), n)
    elif code == C_OMEGA:  # groups v, len(v) - 1, ... down to 2 bits, written last-first, then a zero
        depth = 0
        while v > 1:
            n = bit_length(v)
            groups[depth] = v
            widths[depth] = n
            depth += 1
            v = n - 1
        for i in range(depth - 1, -1, -1):
            put_long(w, groups[i], widths[i])
        put(w, 0, 1)
    elif code == C_FIBONACCI:  # Zeckendorf digits of v, smallest Fibonacci number first, then a one
        top = fib_top(v)
        n = top + 1 if top < 64 else 64  # digits 0..n-1 go in pattern_hi (digit i at bit n-1-i), the rest
        pattern_hi = 0                   # (64..top) in pattern_lo (digit i at bit top-i)
        pattern_lo = 0
        for i in range(top, -1, -1):
            if FIB[i] <= v:
                v -= FIB[i]
                if i < 64:
                    pattern_hi |= <uint64_t>1 << (n - 1 - i)
                else:
                    pattern_lo |= <uint64_t>1 << (top - i)
        put_long(w, pattern_hi, n)
        if top >= 64:
            put_long(w, pattern_lo, top - 63)
        put(w, 1, 1)
    elif code == C_GOLOMB:  # quotient in unary (q ones, a zero), remainder in truncated binary
        q = v / param
        r = v % param
        put_run(w, q, 1)
        put(w, 0, 1)
        b = ceil_log2(param)
        cut = (<uint64_t>1 << b) - param
        if r < cut:
            put_long(w, r, b - 1)
        else:
            put_long(w, r + cut, b)
    elif code == C_RICE:  # Golomb with m = 2**k: q ones, a zero, the k low bits
        put_run(w, v >> param, 1)
        put(w, 0, 1)
        if param:
            put_long(w, v & ((<uint64_t>1 << param) - 1) if param < 64 else v, <int>param)
    else:  # exp-Golomb(k): N - k zeros, then w = v + 2**k in N + 1 bits (N = floor(log2 w))
        q = v + (<uint64_t>1 << param)
        n = bit_length(q)
        put_run(w, n - 1 - param, 0)
        put_long(w, q, n)


def encoded_bits(const int64_t[::1] values, int code, uint64_t param):
    """Total bits of the code words of ``values`` (saturating at 2**62)."""
    cdef Py_ssize_t i, n = values.shape[0]
    cdef uint64_t total = 0
    with nogil:
        for i in range(n):
            total += word_bits(<uint64_t>values[i], code, param)
            if total >= SIZE_LIMIT:
                total = SIZE_LIMIT
                break
    return total


def encode(const int64_t[::1] values, int code, uint64_t param, uint64_t nbits):
    """The code words of ``values`` as bytes; ``nbits`` is :func:`encoded_bits`'s total (checked by the
    caller against its memory limit)."""
    cdef Py_ssize_t i, n = values.shape[0]
    cdef Py_ssize_t nbytes = <Py_ssize_t>((nbits + 7) // 8)
    out = PyBytes_FromStringAndSize(NULL, nbytes)
    cdef Writer w
    w.out = <unsigned char*>PyBytes_AS_STRING(out)
    w.byte = 0
    w.acc = 0
    w.nacc = 0
    with nogil:
        for i in range(n):
            put_word(&w, <uint64_t>values[i], code, param)
        finish(&w)
    if <Py_ssize_t>w.byte != nbytes:  # pragma: no cover - a size pass / writer mismatch
        raise AssertionError("integer encoder wrote an unexpected number of bytes")
    return out


# ------------------------------------------------------------------------------------------ reader

cdef struct Reader:
    const unsigned char* data
    uint64_t nbytes
    uint64_t total  # bits in the buffer
    uint64_t pos


cdef inline uint64_t peek64(Reader* r) noexcept nogil:
    """The next 64 bits from ``pos`` (zeros past the end of the buffer)."""
    cdef uint64_t byte = r.pos >> 3, v = 0, extra
    cdef int shift = <int>(r.pos & 7), i
    if byte + 9 <= r.nbytes:
        for i in range(8):
            v = (v << 8) | r.data[byte + i]
        extra = r.data[byte + 8]
    else:
        for i in range(8):
            v = (v << 8) | (r.data[byte + i] if byte + i < r.nbytes else 0)
        extra = r.data[byte + 8] if byte + 8 < r.nbytes else 0
    if shift:
        v = (v << shift) | (extra >> (8 - shift))
    return v


cdef inline uint64_t get(Reader* r, int n) noexcept nogil:
    """The next ``n`` (0..64) bits as an integer; the caller checks ``pos <= total`` afterwards."""
    cdef uint64_t v
    if n == 0:
        return 0
    v = peek64(r) >> (64 - n)
    r.pos += n
    return v


cdef inline uint64_t count_run(Reader* r, int bit) noexcept nogil:
    """Count and skip the bits equal to ``bit`` before the next other bit (stops at the buffer's end:
    the caller sees ``pos > total``)."""
    cdef uint64_t count = 0, w
    cdef int z
    while True:
        w = peek64(r)
        if bit:
            w = ~w
        if w == 0:
            count += 64
            r.pos += 64
            if r.pos > r.total:
                return count
            continue
        z = __builtin_clzll(w)
        count += z
        r.pos += z
        return count


cdef int get_word(Reader* r, int code, uint64_t param, int64_t* value) noexcept nogil:
    cdef uint64_t v, q, rem, cut, z, prev, bit
    cdef int b, i
    if code == C_UNARY:
        q = count_run(r, 1)
        r.pos += 1
        if r.pos > r.total:
            return E_TRUNCATED
        if q >= INT64_MAX:
            return E_RANGE
        value[0] = <int64_t>(q + 1)
        return OK
    if code == C_GAMMA:
        z = count_run(r, 0)
        if r.pos > r.total:
            return E_TRUNCATED
        if z > 62:
            return E_RANGE
        v = get(r, <int>z + 1)
    elif code == C_DELTA:
        z = count_run(r, 0)
        if r.pos > r.total:
            return E_TRUNCATED
        if z > 5:  # N + 1 <= 63 has at most 6 bits
            return E_RANGE
        q = get(r, <int>z + 1) - 1  # N
        if q > 62:
            return E_RANGE
        v = (<uint64_t>1 << q) | get(r, <int>q)
    elif code == C_OMEGA:
        v = 1
        while True:
            bit = get(r, 1)
            if r.pos > r.total:
                return E_TRUNCATED
            if bit == 0:
                break
            if v > 62:
                return E_RANGE
            v = (<uint64_t>1 << v) | get(r, <int>v)
            if r.pos > r.total:
                return E_TRUNCATED
    elif code == C_FIBONACCI:
        v = 0
        prev = 0
        i = 0
        while True:
            bit = get(r, 1)
            if r.pos > r.total:
                return E_TRUNCATED
            if bit and prev:
                break
            if bit:
                if i >= NFIB or v > INT64_MAX - FIB[i]:
                    return E_RANGE
                v += FIB[i]
            prev = bit
            i += 1
            if i > NFIB + 1 and not prev:
                return E_RANGE  # a digit beyond the last Fibonacci number that fits
    elif code == C_GOLOMB:
        q = count_run(r, 1)
        r.pos += 1
        if r.pos > r.total:
            return E_TRUNCATED
        b = ceil_log2(param)
        cut = (<uint64_t>1 << b) - param
        rem = get(r, b - 1) if b else 0
        if b and rem >= cut:
            rem = ((rem << 1) | get(r, 1)) - cut
        if q > (INT64_MAX - rem) / param:
            return E_RANGE
        v = q * param + rem
    elif code == C_RICE:
        q = count_run(r, 1)
        r.pos += 1
        if r.pos > r.total:
            return E_TRUNCATED
        if param < 63 and q > (INT64_MAX >> param):
            return E_RANGE
        if param >= 63 and q:
            return E_RANGE
        v = (q << param) | get(r, <int>param)
    else:
        z = count_run(r, 0)
        if r.pos > r.total:
            return E_TRUNCATED
        if z + param > 63:
            return E_RANGE
        v = get(r, <int>(z + param) + 1) - (<uint64_t>1 << param)
    if r.pos > r.total:
        return E_TRUNCATED
    if v > INT64_MAX:
        return E_RANGE
    value[0] = <int64_t>v
    return OK


def decode(const unsigned char[::1] data, Py_ssize_t n, int code, uint64_t param):
    """Decode ``n`` values; returns ``(values, bits_read, status, index)`` with ``status`` 0 when all
    ``n`` decoded, else the error code and the index of the value that failed."""
    out = np.empty(n, dtype=np.int64)
    cdef int64_t[::1] values = out
    cdef Reader r
    cdef Py_ssize_t i = 0
    cdef int status = OK
    r.data = &data[0] if data.shape[0] else NULL
    r.nbytes = data.shape[0]
    r.total = 8 * <uint64_t>data.shape[0]
    r.pos = 0
    if r.nbytes == 0:
        return out, 0, (E_TRUNCATED if n else OK), 0
    with nogil:
        while i < n:
            status = get_word(&r, code, param, &values[i])
            if status != OK:
                break
            i += 1
    return out, r.pos, status, i
