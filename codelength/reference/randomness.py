"""Pure-Python twins of the randomness kernels (codelength.measures._randomness), with the same results."""
from __future__ import annotations


def byte_pair_sum(data) -> int:
    """Σ data[i] * data[i + 1] over consecutive bytes."""
    b = bytes(data)
    return sum(b[i] * b[i + 1] for i in range(len(b) - 1))


def bit_pair_count(data) -> int:
    """Adjacent pairs of 1 bits in the bit stream of ``data`` (most significant bit of each byte first)."""
    bits = [(byte >> (7 - k)) & 1 for byte in bytes(data) for k in range(8)]
    return sum(bits[i] & bits[i + 1] for i in range(len(bits) - 1))


def monte_carlo_inside(data) -> int:
    """Of the 6-byte points of ``data`` (length a multiple of 6), how many satisfy x² + y² <= (2^24 - 1)²."""
    b = bytes(data)
    if len(b) % 6:
        raise ValueError(f"monte_carlo_inside needs whole 6-byte points, got {len(b)} bytes")
    inside = 0
    for i in range(0, len(b), 6):
        x = int.from_bytes(b[i:i + 3], "big")
        y = int.from_bytes(b[i + 3:i + 6], "big")
        inside += x * x + y * y <= (2 ** 24 - 1) ** 2
    return inside
