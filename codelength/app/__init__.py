"""-> report: what a person runs. ``report`` (analyze), ``profile`` (entropy along a file), ``demo``
(the classroom tour) and ``cli`` (the ``codelength`` command)."""
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .report import Bound, CoderSize, Report, analyze
    from .profile import EntropyProfile, entropy_profile

__all__ = ["Bound", "CoderSize", "Report", "analyze", "EntropyProfile", "entropy_profile"]

from .._lazy import attach as _attach

__getattr__, __dir__ = _attach(__name__, __file__, __all__)
