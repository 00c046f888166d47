"""Pure-Python twin of :mod:`codelength.codes._integer`: the integer codes written out as strings of
'0' and '1', the specification the kernel must match bit for bit.

Conventions (MSB-first streams, the last byte padded with zero bits):

- unary(n), n >= 1: n - 1 ones, then a zero (1 -> ``0``, 3 -> ``110``)
- Elias gamma(n), n >= 1: N = floor(log2 n) zeros, then n in N + 1 binary digits (5 -> ``00101``)
- Elias delta(n), n >= 1: gamma(N + 1), then the N low bits of n (5 -> ``01101``)
- Elias omega(n), n >= 1: groups n, len(n) - 1, ... (each in binary, down to a 2-bit group) written
  last group first, then a zero (1 -> ``0``, 16 -> ``10 100 10000 0``)
- Fibonacci(n), n >= 1: the Zeckendorf digits of n over 1, 2, 3, 5, 8, ... smallest first, then a one
  (the word ends in ``11``, the only place two ones meet; 4 = 1 + 3 -> ``1011``)
- Golomb(m)(n), n >= 0: q = n // m ones, a zero, then r = n % m in truncated binary
  (b = ceil(log2 m) bits; r < 2**b - m takes b - 1 bits, else r + 2**b - m takes b bits)
- Rice(k)(n), n >= 0: Golomb with m = 2**k: n >> k ones, a zero, the k low bits of n
- exp-Golomb(k)(n), n >= 0: w = n + 2**k, N = floor(log2 w): N - k zeros, then w in N + 1 digits
  (k = 0 is gamma(n + 1))
"""
from __future__ import annotations

INT64_MAX = (1 << 63) - 1
MINIMUM = {"unary": 1, "gamma": 1, "delta": 1, "omega": 1, "fibonacci": 1, "golomb": 0, "rice": 0,
           "exp-golomb": 0}

_FIB = [1, 2]
while _FIB[-1] + _FIB[-2] <= INT64_MAX:
    _FIB.append(_FIB[-1] + _FIB[-2])


class CorruptBits(ValueError):
    """The bit stream is truncated or decodes to a value beyond 2**63 - 1."""


def word(n: int, code: str, param: int = 0) -> str:
    """The code word of ``n`` as a string of '0' and '1'."""
    if code == "unary":
        return "1" * (n - 1) + "0"
    if code == "gamma":
        b = format(n, "b")
        return "0" * (len(b) - 1) + b
    if code == "delta":
        b = format(n, "b")
        return word(len(b), "gamma") + b[1:]
    if code == "omega":
        out = "0"
        while n > 1:
            b = format(n, "b")
            out = b + out
            n = len(b) - 1
        return out
    if code == "fibonacci":
        top = max(i for i, f in enumerate(_FIB) if f <= n)
        digits = []
        for i in range(top, -1, -1):
            if _FIB[i] <= n:
                n -= _FIB[i]
                digits.append("1")
            else:
                digits.append("0")
        return "".join(reversed(digits)) + "1"
    if code == "golomb":
        m = param
        q, r = divmod(n, m)
        b = (m - 1).bit_length()
        cut = (1 << b) - m
        if b == 0:
            tail = ""
        elif r < cut:
            tail = format(r, f"0{b - 1}b") if b > 1 else ""
        else:
            tail = format(r + cut, f"0{b}b")
        return "1" * q + "0" + tail
    if code == "rice":
        k = param
        return "1" * (n >> k) + "0" + (format(n & ((1 << k) - 1), f"0{k}b") if k else "")
    if code == "exp-golomb":
        k = param
        b = format(n + (1 << k), "b")
        return "0" * (len(b) - 1 - k) + b
    raise ValueError(f"unknown integer code {code!r}")


def encode(values, code: str, param: int = 0) -> tuple[bytes, int]:
    """All code words, packed MSB first; returns ``(bytes, number of bits)``."""
    bits = "".join(word(int(v), code, param) for v in values)
    nbits = len(bits)
    if not nbits:
        return b"", 0
    padded = bits + "0" * (-nbits % 8)
    return int(padded, 2).to_bytes(len(padded) // 8, "big"), nbits


class _Bits:
    def __init__(self, buf: bytes):
        self.bits = "".join(format(b, "08b") for b in buf)
        self.pos = 0

    def take(self, n: int) -> str:
        if self.pos + n > len(self.bits):
            raise CorruptBits("the bit stream ends inside a code word (truncated)")
        out = self.bits[self.pos:self.pos + n]
        self.pos += n
        return out

    def run(self, bit: str) -> int:
        count = 0
        while self.take(1) == bit:
            count += 1
        self.pos -= 1  # the other bit is left for the caller
        return count


def _check(v: int) -> int:
    if v > INT64_MAX:
        raise CorruptBits("a code word decodes to a value beyond 2**63 - 1 (corrupt stream)")
    return v


def _one(r: _Bits, code: str, param: int) -> int:
    if code == "unary":
        q = r.run("1")
        r.take(1)
        return _check(q + 1)
    if code == "gamma":
        z = r.run("0")
        if z > 62:
            raise CorruptBits("a code word decodes to a value beyond 2**63 - 1 (corrupt stream)")
        return int(r.take(z + 1), 2)
    if code == "delta":
        z = r.run("0")
        if z > 5:
            raise CorruptBits("a code word decodes to a value beyond 2**63 - 1 (corrupt stream)")
        n = int(r.take(z + 1), 2) - 1
        if n > 62:
            raise CorruptBits("a code word decodes to a value beyond 2**63 - 1 (corrupt stream)")
        return (1 << n) | (int(r.take(n), 2) if n else 0)
    if code == "omega":
        v = 1
        while r.take(1) == "1":
            if v > 62:
                raise CorruptBits("a code word decodes to a value beyond 2**63 - 1 (corrupt stream)")
            v = int("1" + r.take(v), 2)
        return v
    if code == "fibonacci":
        v, prev, i = 0, "0", 0
        while True:
            bit = r.take(1)
            if bit == "1" and prev == "1":
                return v
            if bit == "1":
                if i >= len(_FIB) or v + _FIB[i] > INT64_MAX:
                    raise CorruptBits("a code word decodes to a value beyond 2**63 - 1 (corrupt stream)")
                v += _FIB[i]
            prev = bit
            i += 1
            if i > len(_FIB) + 1 and prev == "0":
                raise CorruptBits("a code word decodes to a value beyond 2**63 - 1 (corrupt stream)")
    if code in ("golomb", "rice"):
        m = param if code == "golomb" else 1 << param
        q = r.run("1")
        r.take(1)
        b = (m - 1).bit_length()
        cut = (1 << b) - m
        rem = int(r.take(b - 1), 2) if b > 1 else 0
        if b and rem >= cut:
            rem = ((rem << 1) | int(r.take(1))) - cut
        return _check(q * m + rem)
    if code == "exp-golomb":
        z = r.run("0")
        if z + param > 63:
            raise CorruptBits("a code word decodes to a value beyond 2**63 - 1 (corrupt stream)")
        return _check(int(r.take(z + param + 1), 2) - (1 << param))
    raise ValueError(f"unknown integer code {code!r}")


def decode(buf: bytes, n: int, code: str, param: int = 0) -> tuple[list[int], int]:
    """Decode ``n`` values; returns ``(values, bits read)``; raises :class:`CorruptBits`."""
    r = _Bits(bytes(buf))
    return [_one(r, code, param) for _ in range(n)], r.pos
