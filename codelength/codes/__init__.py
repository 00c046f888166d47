"""model -> code: prefix codes (Huffman, Shannon, canonical code words) and the code table a teacher shows.

``prefix`` builds code lengths and code words and the :class:`CodeTable`; the compiled construction loops
live with the Huffman coder (:mod:`codelength.coders._huffman`).
"""
from .prefix import (CodeTable, canonical_codes, code_words, huffman_code_lengths, kraft_sum,
                     shannon_code_lengths)

__all__ = ["CodeTable", "canonical_codes", "code_words", "huffman_code_lengths", "kraft_sum",
           "shannon_code_lengths"]
