"""counts -> measures: entropies, divergences, estimators, differential entropy, importance sampling.

``discrete`` (entropy, cross-entropy, KL, JS, mutual information, ideal code lengths), ``estimators``
(bias-corrected entropy from samples), ``continuous`` (differential entropy), ``importance``
(importance-sampling estimates), ``renyi`` (Rényi/Tsallis), ``multivariate`` (CMI, total correlation,
interaction information), ``knn`` (KSG, kNN KL), ``uncertainty`` (confidence intervals, NSB spread),
``randomness`` (ent's figures), ``rate`` (entropy-rate estimators).
"""
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .discrete import (IdealCodeLengths, NegativeLogLikelihood, as_distribution, conditional_entropy,
                           cross_entropy, empirical_entropy, entropy, ideal_code_lengths, joint_entropy, js_divergence,
                           kl_divergence, mutual_information, nll, self_information, symbol_code_lengths)
    from .estimators import ESTIMATORS, entropy_estimate, entropy_estimate_from_counts
    from .continuous import closed_form_entropy, differential_entropy, gaussian_entropy, gaussian_nll
    from .importance import (ImportanceEstimate, cross_entropy_estimate, effective_sample_size, importance_estimate,
                             kl_estimate)
    from .renyi import renyi_divergence, renyi_entropy, tsallis_entropy
    from .multivariate import conditional_mutual_information, interaction_information, total_correlation
    from .knn import kl_divergence_knn, knn_entropy, ksg_mutual_information
    from .uncertainty import Estimate, NSBEntropy, nsb_entropy
    from .randomness import RandomnessAccumulator, RandomnessTests, randomness_tests
    from .rate import RATE_METHODS, entropy_rate

__all__ = ["IdealCodeLengths", "NegativeLogLikelihood", "as_distribution", "conditional_entropy", "cross_entropy",
           "empirical_entropy", "entropy", "ideal_code_lengths", "joint_entropy", "js_divergence", "kl_divergence",
           "mutual_information", "nll", "self_information", "symbol_code_lengths", "ESTIMATORS", "entropy_estimate",
           "entropy_estimate_from_counts", "closed_form_entropy", "differential_entropy", "gaussian_entropy",
           "gaussian_nll", "ImportanceEstimate", "cross_entropy_estimate", "effective_sample_size",
           "importance_estimate", "kl_estimate", "renyi_divergence", "renyi_entropy", "tsallis_entropy",
           "conditional_mutual_information", "interaction_information", "total_correlation", "kl_divergence_knn",
           "knn_entropy", "ksg_mutual_information", "Estimate", "NSBEntropy", "nsb_entropy",
           "RandomnessAccumulator", "RandomnessTests", "randomness_tests", "RATE_METHODS", "entropy_rate"]

from .._lazy import attach as _attach

__getattr__, __dir__ = _attach(__name__, __file__, __all__)
