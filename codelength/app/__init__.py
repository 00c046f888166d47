"""-> report: what a person runs. ``report`` (analyze), ``profile`` (entropy along a file), ``demo``
(the classroom tour) and ``cli`` (the ``codelength`` command)."""
from .report import Bound, CoderSize, Report, analyze
from .profile import EntropyProfile, entropy_profile

__all__ = ["Bound", "CoderSize", "Report", "analyze", "EntropyProfile", "entropy_profile"]
