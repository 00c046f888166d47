"""codelength: measure information and compress with entropy coders.

bytes -> counts -> model -> code / coder -> container -> report. This module only re-exports the
public names; each lives in the module of its idea.
"""
try:
    from .stats import _kernels  # noqa: F401  (the compiled loops every measure runs on)
except ImportError as exc:  # pragma: no cover - only on a broken install
    raise ImportError(
        "codelength's compiled Cython kernels are missing. Build them with `pip install .` "
        "(or `pip install -e .`, or `python setup.py build_ext --inplace` in a checkout)."
    ) from exc

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    # bytes -> counts
    from .stats.counting import MAX_DENSE_ALPHABET, counts, file_counts, joint_counts, merge_counts
    from .stats.context import (ContextStatistics, context_entropies, context_entropy, file_context_entropies,
                          ngram_counts)
    from .stats.records import RecordStats, record_stats
    # counts -> measures
    from .measures.discrete import (IdealCodeLengths, NegativeLogLikelihood, conditional_entropy, cross_entropy,
                           empirical_entropy, entropy, ideal_code_lengths, joint_entropy, js_divergence,
                           kl_divergence, mutual_information, nll, self_information, symbol_code_lengths)
    from .measures.estimators import ESTIMATORS, entropy_estimate, entropy_estimate_from_counts
    from .measures.continuous import closed_form_entropy, differential_entropy, gaussian_entropy, gaussian_nll
    from .measures.importance import (ImportanceEstimate, cross_entropy_estimate, effective_sample_size, importance_estimate,
                             kl_estimate)
    from .measures.renyi import renyi_divergence, renyi_entropy, tsallis_entropy
    from .measures.multivariate import conditional_mutual_information, interaction_information, total_correlation
    from .measures.knn import kl_divergence_knn, knn_entropy, ksg_mutual_information
    from .measures.uncertainty import Estimate, NSBEntropy, nsb_entropy
    from .measures.randomness import RandomnessAccumulator, RandomnessTests, randomness_tests
    from .measures.rate import entropy_rate
    # model -> code
    from .codes.prefix import (CodeTable, canonical_codes, code_words, huffman_code_lengths, kraft_sum,
                        shannon_code_lengths)
    from .codes.classic import (CodeBook, HuffmanTree, TunstallCode, fano_code, fano_code_lengths, fano_code_words,
                                huffman_code, huffman_tree, sfe_code, sfe_code_words, shannon_code,
                                shannon_code_words, tunstall)
    from .codes.integer import (INTEGER_CODES, IntegerCode, golomb_parameter, int_code_length, int_code_word,
                                int_decode, int_encode)
    from .coders.model import StaticModel, quantization_cost, quantize_frequencies
    # code -> coder -> container
    from .io.oneshot import CODERS, compress, decompress
    from .coders.costs import code_lengths_of
    from .io.stream import Compressor, Decompressor
    from .io.file import open
    from .errors import CodelengthError, CorruptDataError, OutputLimitError
    # -> report
    from .app.report import Bound, CoderSize, Report, analyze
    from .app.profile import EntropyProfile, entropy_profile

__version__ = "0.1.0"

__all__ = [
    "MAX_DENSE_ALPHABET",
    "counts",
    "file_counts",
    "joint_counts",
    "merge_counts",
    "ContextStatistics",
    "context_entropies",
    "context_entropy",
    "file_context_entropies",
    "ngram_counts",
    "RecordStats",
    "record_stats",
    "IdealCodeLengths",
    "NegativeLogLikelihood",
    "conditional_entropy",
    "cross_entropy",
    "empirical_entropy",
    "entropy",
    "ideal_code_lengths",
    "joint_entropy",
    "js_divergence",
    "kl_divergence",
    "mutual_information",
    "nll",
    "self_information",
    "symbol_code_lengths",
    "ESTIMATORS",
    "entropy_estimate",
    "entropy_estimate_from_counts",
    "closed_form_entropy",
    "differential_entropy",
    "gaussian_entropy",
    "gaussian_nll",
    "ImportanceEstimate",
    "cross_entropy_estimate",
    "effective_sample_size",
    "importance_estimate",
    "kl_estimate",
    "renyi_divergence",
    "renyi_entropy",
    "tsallis_entropy",
    "conditional_mutual_information",
    "interaction_information",
    "total_correlation",
    "kl_divergence_knn",
    "knn_entropy",
    "ksg_mutual_information",
    "Estimate",
    "NSBEntropy",
    "nsb_entropy",
    "RandomnessAccumulator",
    "RandomnessTests",
    "randomness_tests",
    "entropy_rate",
    "CodeTable",
    "canonical_codes",
    "code_words",
    "huffman_code_lengths",
    "kraft_sum",
    "shannon_code_lengths",
    "CodeBook",
    "HuffmanTree",
    "TunstallCode",
    "fano_code",
    "fano_code_lengths",
    "fano_code_words",
    "huffman_code",
    "huffman_tree",
    "sfe_code",
    "sfe_code_words",
    "shannon_code",
    "shannon_code_words",
    "tunstall",
    "INTEGER_CODES",
    "IntegerCode",
    "golomb_parameter",
    "int_code_length",
    "int_code_word",
    "int_decode",
    "int_encode",
    "StaticModel",
    "quantization_cost",
    "quantize_frequencies",
    "CODERS",
    "code_lengths_of",
    "compress",
    "decompress",
    "Compressor",
    "Decompressor",
    "open",
    "CodelengthError",
    "CorruptDataError",
    "OutputLimitError",
    "Bound",
    "CoderSize",
    "Report",
    "analyze",
    "EntropyProfile",
    "entropy_profile",
]

from ._lazy import attach as _attach

__getattr__, __dir__ = _attach(__name__, __file__, __all__)
