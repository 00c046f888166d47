"""Pure-Python twins of the entropy-rate kernels (codelength.measures._rate), with the same results.

Same algorithms step by step (a dict for the LZ78 trie; Kasai's LCP and the segment-tree search for the
longest previous non-overlapping factors), on lists; for tests on small inputs.
"""
from __future__ import annotations


def lz78_phrase_count(data, alphabet_size=None) -> int:
    """Phrases of the LZ78 incremental parsing of a sequence of symbols (a trailing partial phrase counts)."""
    trie = {}
    node, nodes, phrases = 0, 1, 0
    for s in data:
        key = (node, int(s))
        child = trie.get(key)
        if child is not None:
            node = child
            continue
        trie[key] = nodes
        nodes += 1
        phrases += 1
        node = 0
    return phrases + (1 if node != 0 else 0)


def _min_tree(leaves, size, fill):
    tree = [fill] * (2 * size)
    tree[size:size + len(leaves)] = leaves
    for v in range(size - 1, 0, -1):
        tree[v] = min(tree[2 * v], tree[2 * v + 1])
    return tree


def _left_below(tree, size, p, bound):
    v = size + p
    if tree[v] < bound:
        return p
    while v > 1:
        if v & 1 and tree[v - 1] < bound:
            v -= 1
            while v < size:
                v = 2 * v + 1 if tree[2 * v + 1] < bound else 2 * v
            return v - size
        v >>= 1
    return -1


def _right_below(tree, size, p, bound):
    v = size + p
    if tree[v] < bound:
        return p
    while v > 1:
        if not v & 1 and tree[v + 1] < bound:
            v += 1
            while v < size:
                v = 2 * v if tree[2 * v] < bound else 2 * v + 1
            return v - size
        v >>= 1
    return size


def _range_min(tree, size, lo, hi):
    best = float("inf")
    lo, hi = lo + size, hi + size + 1
    while lo < hi:
        if lo & 1:
            best = min(best, tree[lo])
            lo += 1
        if hi & 1:
            hi -= 1
            best = min(best, tree[hi])
        lo >>= 1
        hi >>= 1
    return best


def longest_previous_nonoverlapping_factor(data, sa) -> list:
    """LPnF[i] = longest l with data[i:i+l] == data[j:j+l] for some j, j + l <= i (the match inside the
    past), from the suffix array ``sa``: Kasai's LCP, then from LPnF[i - 1] - 1 one longer at a time,
    asking min segment trees for the suffix-array interval and its smallest start."""
    data, sa = [int(v) for v in data], [int(v) for v in sa]
    n = len(data)
    if n == 0:
        return []
    rank = [0] * n
    for r, i in enumerate(sa):
        rank[i] = r
    lcp = [0] * n
    h = 0
    for i in range(n):
        r = rank[i]
        if r > 0:
            j = sa[r - 1]
            while i + h < n and j + h < n and data[i + h] == data[j + h]:
                h += 1
            lcp[r] = h
            if h > 0:
                h -= 1
        else:
            h = 0
    size = 1
    while size < n + 1:
        size <<= 1
    lcp_tree, sa_tree = _min_tree(lcp, size, 0), _min_tree(sa, size, float("inf"))
    out, length = [0] * n, 0
    for i in range(n):
        length = max(length - 1, 0)
        r = rank[i]
        while length + 1 <= i:
            lo = _left_below(lcp_tree, size, r, length + 1)
            hi = _right_below(lcp_tree, size, r + 1, length + 1) - 1
            if _range_min(sa_tree, size, lo, hi) > i - (length + 1):
                break
            length += 1
        out[i] = length
    return out


def suffix_array(data) -> list:
    """Suffix array by sorting the suffixes themselves (O(n^2 log n): small inputs only)."""
    data = [int(v) for v in data]
    return sorted(range(len(data)), key=lambda i: data[i:])
