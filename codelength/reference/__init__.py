"""Pure-Python twins of every Cython kernel: plain builtins, no NumPy.

They define what the kernels compute (tests hold each kernel against its twin) and are the baseline
the benchmarks measure the kernels against. One module per area: ``counting`` (counts, entropy,
n-grams, ideal code lengths), ``huffman``, ``arith``, ... Import the module you need, e.g.
``from codelength.reference import counting``.
"""
