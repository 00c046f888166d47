"""Classical codes: textbook tables, prefix property, Kraft sums, bounds, optimality, labelled CodeTables."""
import itertools
import json
import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import codelength
from codelength import (CodeBook, CodeTable, fano_code_lengths, fano_code_words, huffman_code_lengths, huffman_tree,
                        kraft_sum, sfe_code_words, shannon_code_lengths, shannon_code_words, tunstall)
from codelength.codes.classic import fano_code, huffman_code, sfe_code, shannon_code

counts_strategy = st.lists(st.integers(0, 1000), min_size=1, max_size=40).filter(lambda c: sum(c) > 0)


def _prefix_free(words):
    words = sorted(w for w in words if w)
    return len(set(words)) == len(words) and all(not b.startswith(a) for a, b in zip(words, words[1:]))


def _entropy(counts):
    total = sum(counts)
    return -sum(c / total * math.log2(c / total) for c in counts if c)


# ------------------------------------------------------------------ Shannon-Fano-Elias

def test_sfe_cover_thomas_table():
    # Cover and Thomas, Elements of Information Theory (2nd ed.), Section 5.9, the first example:
    # p = 0.25, 0.5, 0.125, 0.125; Fbar = 0.125, 0.5, 0.8125, 0.9375; l = 3, 2, 4, 4
    assert sfe_code_words([0.25, 0.5, 0.125, 0.125]) == ["001", "10", "1101", "1111"]
    # ... and the second example: p = 0.25, 0.25, 0.2, 0.15, 0.15 (L = 3.5 bits, H = 2.29 bits)
    words = sfe_code_words([0.25, 0.25, 0.2, 0.15, 0.15])
    assert words == ["001", "011", "1001", "1100", "1110"]
    book = sfe_code([0.25, 0.25, 0.2, 0.15, 0.15])
    assert book.average_length == pytest.approx(3.5)
    assert book.entropy == pytest.approx(2.2855, abs=1e-4)
    # counts are the same source, exactly
    assert sfe_code_words([5, 5, 4, 3, 3]) == words


@settings(max_examples=100, deadline=None)
@given(counts_strategy)
def test_sfe_is_a_prefix_code_within_two_bits(counts):
    words = sfe_code_words(counts)
    assert _prefix_free(words)
    assert all((w == "") == (c == 0) for w, c in zip(words, counts))
    total = sum(counts)
    length = sum(c * len(w) for c, w in zip(counts, words)) / total
    assert _entropy(counts) + 1 - 1e-9 <= length < _entropy(counts) + 2 + 1e-9 or len([c for c in counts if c]) == 1
    assert kraft_sum([len(w) for w in words]) <= Fraction(1, 2)  # l = ceil(log 1/p) + 1: Kraft <= 1/2


# ------------------------------------------------------------------ Shannon

def test_shannon_code_words():
    # Shannon (1948), Section 9: sorted by decreasing p, words = first ceil(-log2 p) bits of the cumulative p
    assert shannon_code_words([0.25, 0.5, 0.125, 0.125]) == ["10", "0", "110", "111"]
    assert shannon_code_words([0.4, 0.3, 0.2, 0.1]) == ["00", "01", "101", "1110"]
    assert shannon_code_words([7]) == [""]  # a certain symbol needs no bits


@settings(max_examples=100, deadline=None)
@given(counts_strategy)
def test_shannon_words_have_shannon_lengths(counts):
    words = shannon_code_words(counts)
    assert [len(w) for w in words] == shannon_code_lengths(counts).tolist()
    assert _prefix_free(words)


# ------------------------------------------------------------------ Shannon-Fano (Fano)

def test_fano_wikipedia_example():
    # Wikipedia "Shannon-Fano coding", Fano's method: A 15, B 7, C 6, D 6, E 5 -> 00 01 10 110 111;
    # 89 bits against Huffman's 87 (Fano's code is not always optimal)
    counts = [15, 7, 6, 6, 5]
    assert fano_code_words(counts) == ["00", "01", "10", "110", "111"]
    assert fano_code_lengths(counts).tolist() == [2, 2, 2, 3, 3]
    assert sum(c * l for c, l in zip(counts, fano_code_lengths(counts))) == 89
    assert sum(c * l for c, l in zip(counts, huffman_code_lengths(counts))) == 87
    labelled = fano_code({"A": 15, "B": 7, "C": 6, "D": 6, "E": 5})
    assert labelled.word_of("D") == "110"
    assert labelled.decode(labelled.encode("ABCDE")) == list("ABCDE")


@settings(max_examples=100, deadline=None)
@given(counts_strategy)
def test_fano_is_complete_and_prefix_free(counts):
    words = fano_code_words(counts)
    used = [c for c in counts if c]
    assert _prefix_free(words)
    # every split is a full binary node (a lone symbol gets the 1-bit word '0')
    assert kraft_sum([len(w) for w in words]) == (1 if len(used) > 1 else Fraction(1, 2))
    bits = sum(c * len(w) for c, w in zip(counts, words))
    assert bits >= sum(c * l for c, l in zip(counts, huffman_code_lengths(counts)))  # Huffman is optimal
    if len(used) > 1:
        assert bits / sum(counts) >= _entropy(counts) - 1e-9


# ------------------------------------------------------------------ radix-r Huffman

def test_ternary_huffman_cover_thomas():
    # Cover and Thomas (2nd ed.), Section 5.6: p = 0.25, 0.25, 0.2, 0.1, 0.1, 0.1 needs one dummy symbol
    # for a ternary code; L = 1.7 ternary digits
    p = [25, 25, 20, 10, 10, 10]
    lengths = huffman_code_lengths(p, radix=3)
    assert sorted(lengths.tolist()) == [1, 1, 2, 2, 3, 3]
    assert np.dot(p, lengths) / 100 == pytest.approx(1.7)
    tree = huffman_tree(p, radix=3)
    assert sum(n["dummy"] for n in tree.nodes) == 1
    book = huffman_code(p, radix=3)
    assert book.kraft == Fraction(26, 27)  # the dummy's word is the one missing
    assert book.entropy_radix <= book.average_length < book.entropy_radix + 1
    assert book.decode(book.encode([0, 5, 3, 1])) == [0, 5, 3, 1]


@settings(max_examples=100, deadline=None)
@given(counts_strategy)
def test_binary_results_unchanged_and_the_tree_matches(counts):
    expected = huffman_code_lengths(counts)
    assert huffman_code_lengths(counts, radix=2).tolist() == expected.tolist()
    assert huffman_tree(counts).lengths.tolist() == expected.tolist()  # same ties as the kernel
    tree = huffman_tree(counts)
    assert [tree.nodes[m]["weight"] for m in tree.merges] == sorted(tree.nodes[m]["weight"] for m in tree.merges)
    assert _prefix_free(tree.words())


def _brute_force_optimum(p, r, top=4):  # 5 symbols of a radix >= 3 code never need more than 4 digits
    used = [x for x in p if x]
    best = None
    for lengths in itertools.product(range(1, top + 1), repeat=len(used)):
        if sum(Fraction(1, r ** l) for l in lengths) <= 1:
            cost = sum(x * l for x, l in zip(used, lengths))
            best = cost if best is None else min(best, cost)
    return best


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(1, 50), min_size=1, max_size=5), st.integers(3, 5))
def test_radix_huffman_is_optimal(p, r):
    lengths = huffman_code_lengths(p, radix=r)
    assert sum(Fraction(1, r ** int(l)) for l in lengths) <= 1
    assert int(np.dot(p, lengths)) == _brute_force_optimum(p, r)


def test_radix_bad_input():
    with pytest.raises(ValueError):
        huffman_code_lengths([1, 2], radix=1)
    with pytest.raises(TypeError):
        huffman_code_lengths([1, 2], radix=2.5)
    with pytest.raises(ValueError):
        huffman_code_lengths([1, 2, 3], 2, radix=3)
    assert huffman_code_lengths([0, 5, 0], radix=7).tolist() == [0, 1, 0]
    assert huffman_code_lengths([1] * 10, radix=100).tolist() == [1] * 10


# ------------------------------------------------------------------ Tunstall

def test_tunstall_sayood_example():
    # Sayood, Introduction to Data Compression, Section 3.7 (Tunstall codes): P(A) = 0.6, P(B) = 0.3,
    # P(C) = 0.1, 3-bit code words -> the seven parse words B, C, AB, AC, AAA, AAB, AAC
    code = tunstall({"A": 0.6, "B": 0.3, "C": 0.1}, 3)
    assert sorted("".join(w) for w in code) == sorted(["B", "C", "AB", "AC", "AAA", "AAB", "AAC"])
    assert isinstance(code, dict) and all(len(c) == 3 for c in code.values())
    assert len(set(code.values())) == 7


def test_tunstall_binary_source():
    # a binary source p(0) = 0.7, p(1) = 0.3, 2-bit words: {0, 1} -> expand 0 -> {1, 00, 01} -> expand 00
    # (0.49 > 0.3) -> {1, 01, 000, 001}; each expansion of a binary tree adds one word, so 2**bits words
    code = tunstall([0.7, 0.3], 2)
    assert sorted(code) == [(0, 0, 0), (0, 0, 1), (0, 1), (1,)]
    assert code.expected_length == pytest.approx(0.343 * 3 + 0.147 * 3 + 0.21 * 2 + 0.3)
    assert code.rate >= code.entropy
    for bits in range(1, 9):
        assert len(tunstall([0.7, 0.3], bits)) == 2 ** bits
    rates = [tunstall([0.9, 0.1], b).rate for b in (2, 4, 6, 8)]
    assert rates[-1] < rates[0] and rates[-1] < 0.55  # H(0.9) = 0.469: longer words approach it


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(1, 20), min_size=1, max_size=5), st.integers(3, 7),
       st.lists(st.integers(0, 4), max_size=60))
def test_tunstall_dictionary_is_complete_and_round_trips(p, bits, message):
    code = tunstall(p, bits)
    assert len(code) <= 2 ** bits
    assert sum(code.word_probability(w) for w in code) == 1  # a complete parse tree
    message = [s % len(p) for s in message]
    stream = code.encode(message)
    assert len(stream) % bits == 0
    assert code.decode(stream, len(message)) == message


def test_tunstall_bad_input():
    with pytest.raises(ValueError):
        tunstall([0.5, 0.25, 0.25], 1)  # 3 symbols need 2 bits
    with pytest.raises(ValueError):
        tunstall([0.5, 0.5], 0)
    with pytest.raises(ValueError):
        tunstall([0, 0], 3)
    with pytest.raises(ValueError):
        tunstall([0.5, 0.5], 40)
    with pytest.raises(ValueError):
        tunstall([1, 1], 2).decode("0", 1)
    assert tunstall([1], 3) == {(0,): "000"}


# ------------------------------------------------------------------ probabilities input

def test_probability_input_checks():
    for bad in ([-1, 2], [float("nan"), 1], [float("inf")], [0, 0]):
        with pytest.raises(ValueError):
            sfe_code_words(bad)
    with pytest.raises(TypeError):
        fano_code_words(["a", "b"])
    with pytest.raises(TypeError):
        fano_code_words("ab")
    with pytest.raises(ValueError):
        shannon_code_words(np.ones((2, 2)))
    assert sfe_code_words([]) == [] and fano_code_words([0, 3]) == ["", "0"]


# ------------------------------------------------------------------ labelled CodeTables and CodeBooks

def test_code_table_from_labelled_counts():
    table = CodeTable.from_counts({"the": 50, "cat": 3, "sat": 3})
    assert [r["label"] for r in table.rows] == ["the", "cat", "sat"]
    assert table.word("the") == "0" and len(table.word("cat")) == 2
    assert table.encode(["the", "cat", "the"]) == "0" + table.word("cat") + "0"
    assert "the" in str(table) and json.dumps(table.to_dict())
    with pytest.raises(KeyError):
        table.word("dog")
    with pytest.raises(TypeError):
        CodeTable.from_counts({"a": 0.5, "b": 0.5})


def test_code_table_from_tokens_and_text():
    words = "the cat sat on the mat the end".split()
    table = CodeTable.from_data(words)
    assert table.rows[0]["label"] == "the" and table.rows[0]["count"] == 3
    assert table.total == len(words)
    text = CodeTable.from_data("héllo wörld")
    labels = [r["label"] for r in text.rows]
    assert "é" in labels and "ö" in labels and "' '" in labels
    assert text.total == 11 and "é" in str(text)
    bits = text.encode("héllo")
    assert len(bits) == sum(len(text.word(c)) for c in "héllo")
    html = CodeTable.from_counts({"<b>": 2, "x": 1})._repr_html_()
    assert "<table" in html and "&lt;b&gt;" in html
    assert CodeTable.from_data(b"abracadabra").total_bits == 23  # bytes keep working


def test_code_books_display():
    for book in (fano_code([5, 2, 2, 1]), sfe_code({"x": 0.5, "y": 0.5}), shannon_code([1, 1, 2]),
                 huffman_code({"α": 3, "β": 1}, radix=2)):
        assert isinstance(book, CodeBook)
        assert "Kraft sum" in str(book) and "<table" in book._repr_html_()
        assert json.dumps(book.to_dict())
    assert "<table" in tunstall([0.7, 0.3], 3)._repr_html_()
    pytest.importorskip("matplotlib")
    assert huffman_tree({"a": 3, "b": 1, "c": 1})._repr_png_()[:4] == b"\x89PNG"


def test_demo_message_beyond_ascii(capsys):
    from codelength.app import cli
    assert cli.main(["demo", "--quick", "--message", "héllo"]) == 0
    out = capsys.readouterr().out
    assert "'héllo'" in out and "Ã" not in out
    assert "       é " in out


def test_public_names():
    for name in ("int_encode", "int_decode", "int_code_word", "fano_code_lengths", "sfe_code_words", "tunstall",
                 "huffman_code_lengths"):
        assert name in codelength.__all__ and callable(getattr(codelength, name))
