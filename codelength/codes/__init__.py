"""model -> code: prefix codes (Huffman, Shannon, canonical code words) and the code table a teacher shows,
the classical codes of a course and the integer (universal) codes.

``prefix`` builds code lengths and code words and the :class:`CodeTable`; the compiled construction loops
are ``_prefix.pyx`` (declared in ``_prefix.pxd`` for the Huffman coder and the DEFLATE writer, which cimport
them). ``classic``: Shannon-Fano, Shannon-Fano-Elias, Shannon code words, Tunstall, radix-r Huffman trees.
``integer``: unary, Elias, Fibonacci, Golomb, Rice and exp-Golomb bit streams (Cython kernel
:mod:`codelength.codes._integer`).
"""
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .prefix import (CodeTable, canonical_codes, code_words, huffman_code_lengths, kraft_sum,
                         shannon_code_lengths)

    from .classic import (CodeBook, HuffmanTree, TunstallCode, fano_code, fano_code_lengths, fano_code_words,
                          huffman_code, huffman_tree, sfe_code, sfe_code_words, shannon_code, shannon_code_words,
                          tunstall)
    from .integer import (INTEGER_CODES, IntegerCode, golomb_parameter, int_code_length, int_code_word, int_decode,
                          int_encode)

__all__ = ["CodeBook", "HuffmanTree", "TunstallCode", "fano_code", "fano_code_lengths", "fano_code_words",
           "huffman_code", "huffman_tree", "sfe_code", "sfe_code_words", "shannon_code", "shannon_code_words",
           "tunstall", "INTEGER_CODES", "IntegerCode", "golomb_parameter", "int_code_length", "int_code_word",
           "int_decode", "int_encode",
           "CodeTable", "canonical_codes", "code_words", "huffman_code_lengths", "kraft_sum",
           "shannon_code_lengths"]

from .._lazy import attach as _attach

__getattr__, __dir__ = _attach(__name__, __file__, __all__)
