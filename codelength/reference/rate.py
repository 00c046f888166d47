"""Pure-Python twins of the entropy-rate kernels (codelength.measures._rate), with the same results.

Same algorithms step by step (a dict for the LZ78 trie; Kasai's LCP and the two stack passes for the
longest previous factors), on lists; for tests on small inputs.
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


def longest_previous_factor(data, sa) -> list:
    """LPF[i] = longest l with data[i:i+l] == data[j:j+l] for some j < i (from the suffix array ``sa``)."""
    data, sa = [int(v) for v in data], [int(v) for v in sa]
    n = len(data)
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
    lpf = [0] * n
    for order, neighbour_lcp in ((range(n), lambda r: lcp[r] if r > 0 else 0),
                                 (range(n - 1, -1, -1), lambda r: lcp[r + 1] if r + 1 < n else 0)):
        stack, link = [], []
        for r in order:
            cur = neighbour_lcp(r)
            while stack and sa[stack[-1]] > sa[r]:
                stack.pop()
                link.pop()
                if stack and link[-1] < cur:
                    cur = link[-1]
            if stack:
                lpf[sa[r]] = max(lpf[sa[r]], cur)
                link[-1] = cur
            stack.append(r)
            link.append(0)
    return lpf


def suffix_array(data) -> list:
    """Suffix array by sorting the suffixes themselves (O(n^2 log n): small inputs only)."""
    data = [int(v) for v in data]
    return sorted(range(len(data)), key=lambda i: data[i:])
