"""The measures :func:`codelength.app.report.analyze` adds beside the bounds: ent's randomness figures and
entropy-rate estimates.

- Randomness (:mod:`codelength.measures.randomness`): streamed over the whole input, O(n) time and a few
  hundred bytes of state; ``bits=True`` is ent's ``-b``.
- Entropy rate (:mod:`codelength.measures.rate`): LZ78, Kontoyiannis and block-entropy estimates of the
  first ``rate_limit`` bytes (default 1 MiB), kept in memory for the suffix array: 65-135 bytes per byte
  of that prefix (at most ~140 MiB at the default; see :mod:`codelength.measures.rate`), whatever the
  input's size. ``rate_limit=0`` turns them off.

JSON keys (``Report.randomness``, ``Report.entropy_rate``) are documented in docs/cli.md; NaN (undefined)
values become ``null``.
"""
from __future__ import annotations

import math

from ..measures.randomness import RandomnessAccumulator
from ..stats.counting import byte_view

#: Default number of leading bytes the entropy-rate estimators look at.
DEFAULT_RATE_LIMIT = 1 << 20


def _clean(d: dict) -> dict:
    return {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in d.items()}


class ExtraMeasures:
    """Streaming state of the randomness figures and the prefix kept for the entropy-rate estimates."""

    def __init__(self, *, randomness: bool = True, bits: bool = False, rate_limit: int = DEFAULT_RATE_LIMIT):
        if isinstance(rate_limit, bool) or not isinstance(rate_limit, int) or rate_limit < 0:
            raise ValueError(f"rate_limit must be a non-negative integer (bytes), got {rate_limit!r}")
        self.randomness = RandomnessAccumulator(bits=bits) if randomness else None
        self.rate_limit = rate_limit
        self.prefix = bytearray()
        self.size = 0

    def update(self, piece) -> None:
        view = byte_view(piece)
        self.size += view.nbytes
        if self.randomness is not None:
            self.randomness.update(view)
        room = self.rate_limit - len(self.prefix)
        if room > 0:
            self.prefix += view[:room]

    def finish(self) -> tuple[dict | None, dict | None]:
        """``(randomness, entropy_rate)`` as the dicts of the report (None when turned off)."""
        randomness = _clean(self.randomness.result().to_dict()) if self.randomness is not None else None
        rates = None
        if self.rate_limit:
            rates = entropy_rate_estimates(bytes(self.prefix), truncated=self.size > len(self.prefix))
        self.prefix = bytearray()
        return randomness, rates


def entropy_rate_estimates(data: bytes, *, truncated: bool = False) -> dict:
    """The three entropy-rate estimates of ``data`` in bits per byte (a dict, keys as in docs/cli.md)."""
    from ..measures.rate import _auto_block_length, _dense, entropy_rate
    n = len(data)
    out = {"bytes": n, "truncated": truncated, "lz78": None, "kontoyiannis": None, "block": None,
           "block_length": None}
    if n < 2:
        return out
    out["lz78"] = entropy_rate(data, "lz78")
    out["kontoyiannis"] = entropy_rate(data, "kontoyiannis")
    length = _auto_block_length(_dense(data)[0])
    out["block_length"] = length
    out["block"] = entropy_rate(data, "block", block_length=length)
    return out


def text_rate_lines(rates: dict | None, n: int, width: int) -> list[str]:
    """Rows of the entropy-rate estimates for :func:`codelength.app.report.render_text` (bits/byte, bytes, %)."""
    if not rates or rates["lz78"] is None:
        return []
    scope = "whole input" if not rates["truncated"] else f"first {rates['bytes']:,} bytes"
    lines = [f"  entropy-rate estimates ({scope}; no model order assumed, no model cost hidden)"]
    length = rates["block_length"]
    rows = (("LZ78", "LZ78 phrases, c log2 c / n", rates["lz78"]),
            ("LZmatch", "Kontoyiannis match lengths", rates["kontoyiannis"]),
            (f"B{length}-B{length - 1}", "block entropy difference", rates["block"]))
    for name, description, value in rows:
        label = f"{name:<8}{description}"
        ideal = value * n / 8.0
        lines.append(f"    {label:<{width - 2}}{value:>10.3f}{int(math.ceil(ideal)):>13,}"
                     f"{100.0 * ideal / n if n else 0.0:>9.1f} %")
    return lines


def text_randomness_lines(randomness: dict | None) -> list[str]:
    """ent's figures as a few lines for :func:`codelength.app.report.render_text`."""
    if not randomness or not randomness["samples"]:
        return []
    r = randomness
    unit = "bit" if r["mode"] == "bits" else "byte"
    ideal_mean = 0.5 if r["mode"] == "bits" else 127.5

    def fmt(value, spec):
        return "undefined" if value is None else format(value, spec)

    lines = [f"  randomness (as ent{' -b' if r['mode'] == 'bits' else ''}; {r['samples']:,} {unit}s)",
             f"    chi-square {r['chi_square']:.2f} ({r['degrees_of_freedom']} degrees of freedom), p = "
             f"{r['chi_square_p']:.4g}",
             "      (p is uniform on random input: a fixed 1 %/99 % rule flags 2 % of random files)",
             f"    mean {r['mean']:.4f} ({ideal_mean:g} = random), serial correlation "
             f"{fmt(r['serial_correlation'], '.6f')} (0 = uncorrelated)"]
    if r["monte_carlo_points"]:
        lines.append(f"    Monte Carlo pi {r['monte_carlo_pi']:.9f} (error {r['monte_carlo_pi_error']:.2f} %, "
                     f"{r['monte_carlo_points']:,} points)")
    lines.append(f"    min-entropy {r['min_entropy']:.3f} bits/{unit} (NIST SP 800-90B most common value, 99 % "
                 f"bound; plug-in {r['min_entropy_plugin']:.3f})")
    return lines


#: CSV columns of the extra measures, appended to :func:`codelength.app.report.csv_columns`.
CSV_COLUMNS = ["rate_bytes", "rate_lz78_bits_per_byte", "rate_kontoyiannis_bits_per_byte",
               "rate_block_bits_per_byte", "rate_block_length", "randomness_mode", "chi_square", "chi_square_p",
               "mean", "monte_carlo_pi", "monte_carlo_pi_error", "serial_correlation", "min_entropy"]


def csv_fields(randomness: dict | None, rates: dict | None) -> dict:
    """The :data:`CSV_COLUMNS` of one report (empty strings where absent or undefined)."""
    def f(value, spec=".6f"):
        return "" if value is None else format(value, spec)
    row = dict.fromkeys(CSV_COLUMNS, "")
    if rates:
        row.update({"rate_bytes": rates["bytes"], "rate_lz78_bits_per_byte": f(rates["lz78"]),
                    "rate_kontoyiannis_bits_per_byte": f(rates["kontoyiannis"]),
                    "rate_block_bits_per_byte": f(rates["block"]), "rate_block_length": f(rates["block_length"], "d")})
    if randomness:
        row.update({"randomness_mode": randomness["mode"], "chi_square": f(randomness["chi_square"], ".4f"),
                    "chi_square_p": f(randomness["chi_square_p"], ".6g"), "mean": f(randomness["mean"]),
                    "monte_carlo_pi": f(randomness["monte_carlo_pi"], ".9f"),
                    "monte_carlo_pi_error": f(randomness["monte_carlo_pi_error"], ".4f"),
                    "serial_correlation": f(randomness["serial_correlation"]),
                    "min_entropy": f(randomness["min_entropy"])})
    return row
