"""A short tour of source coding for the classroom: ``codelength demo``.

Five stops, every number computed on the spot by the library (none is typed in):

1. A code table for a small message: symbol, p, -log2 p, Huffman code word and length; the Kraft sum;
   entropy H against the average length L (H <= L < H + 1).
2. Shannon's source coding theorem in numbers: Huffman codes for blocks of n symbols of an i.i.d. source
   reach L_n / n -> H as n grows (H <= L_n/n < H + 1/n), and the arithmetic (range) coder codes a whole
   sample within a few bits of its ideal length sum(-log2 p(x_i)).
3. The cost of a wrong model: coding data of distribution p with a model q costs the cross-entropy
   H(p, q) = H(p) + KL(p || q) bits per symbol, measured here in real coded bits.
4. Integer codes: the Elias, Fibonacci and Golomb code words of small integers, and Golomb codes on a
   geometric source, the optimal parameter against others, in real bits against the entropy.
5. Arithmetic coding, interval by interval: the message's interval narrows by p(symbol) and the bits
   that become certain are the code word so far.

``run(plot_dir=...)`` also writes the pictures of :mod:`codelength.app.plots` (PNG and SVG; matplotlib,
the ``plot`` extra).
"""
from __future__ import annotations

import os
import sys

import numpy as np

#: The i.i.d. source of stops 2 and 3: letters and their probabilities.
SOURCE_LETTERS = b"ABC"
SOURCE_PROBABILITIES = (0.7, 0.2, 0.1)
DEFAULT_MESSAGE = "abracadabra"
#: The pictures :func:`run` writes into ``plot_dir``, each as ``.png`` and ``.svg``.
PLOT_BASENAMES = ("code_lengths", "huffman_tree", "source_coding_theorem", "wrong_model", "arithmetic_intervals",
                  "rans_states", "aep", "integer_codes")
PLOT_NAMES = tuple(f"{name}.{ext}" for name in PLOT_BASENAMES for ext in ("png", "svg"))
#: Longest prefix of the message drawn in the arithmetic-coding stop and picture.
INTERVAL_SYMBOLS = 12


class _Printer:
    def __init__(self, out):
        self.out = out

    def __call__(self, text: str = "") -> None:
        self.out.write(text + "\n")

    def title(self, text: str) -> None:
        self("")
        self(text)
        self("=" * len(text))


def _byte_model(letters: bytes, probabilities) -> np.ndarray:
    """A 256-entry probability vector with ``probabilities`` on ``letters`` (0 elsewhere)."""
    model = np.zeros(256)
    model[np.frombuffer(letters, dtype=np.uint8)] = probabilities
    return model


def _payload_bits(blob: bytes) -> int:
    """Bits of the coded payload of a native stream (the models and headers are left out)."""
    from ..io.stream import blocks
    return 8 * sum(len(block["payload"]) for block in blocks(blob))


def code_table_section(message, say) -> dict:
    """Stop 1: the Huffman code of a message, as a table, with Kraft sum and H vs L.

    ``message`` is text (its characters are the symbols, any script) or bytes (its bytes are).
    """
    from ..codes.prefix import CodeTable
    from ..measures.discrete import entropy

    table = CodeTable.from_data(message)
    shannon = CodeTable.from_data(message, method="shannon")
    shown = message if isinstance(message, str) else message.decode("latin-1")
    unit = "characters" if isinstance(message, str) else "symbols"
    say.title(f"1. A code for the message {shown!r} ({len(message)} {unit})")
    say("Each symbol s gets a code word; Huffman's algorithm picks the lengths l_s that make the")
    say("message as short as any prefix code can. -log2 p is the ideal (Shannon) length of a symbol.")
    say("")
    say(str(table))
    h = entropy(table.counts)
    symbols = list(message) if isinstance(message, str) else list(message)
    encoded = " ".join(table.word(s) for s in symbols)
    raw_bits = 8 * len(message.encode("utf-8") if isinstance(message, str) else message)
    say("")
    say(f"the message coded: {encoded}")
    say(f"  = {table.total_bits} bits, against {raw_bits} bits as {'UTF-8 ' if isinstance(message, str) else '8-bit '}"
        f"bytes")
    say(f"Kraft: sum of 2^-l_s = {table.kraft} <= 1, so a prefix code with these lengths exists"
        + (" (= 1: none wasted)" if table.kraft == 1 else ""))
    length = table.average_length
    # a message of one symbol value: Huffman still spends 1 bit a symbol, so L = H + 1 exactly
    upper = "<" if length < h + 1 else "="
    say(f"H = {h:.4f} <= L = {length:.4f} {upper} H + 1 = {h + 1:.4f} bits/symbol")
    if shannon.average_length > length:
        verdict = "also within H + 1, but longer than Huffman's"
    elif shannon.average_length < length:
        verdict = "shorter than Huffman's: one symbol value needs no code word at all, but a code word has 1 bit"
    else:
        verdict = "as short as Huffman's here"
    say(f"(the Shannon code, l_s = ceil(-log2 p_s), gives L = {shannon.average_length:.4f}: {verdict})")
    return {"table": table, "entropy": h}


def theorem_section(n_max: int, sample_size: int, rng, say) -> dict:
    """Stop 2: block Huffman codes approach H; the range coder is within a few bits of the ideal."""
    from ..codes.prefix import huffman_code_lengths
    from ..io.oneshot import compress
    from ..measures.discrete import entropy, ideal_code_lengths

    p = np.asarray(SOURCE_PROBABILITIES)
    h = entropy(p)
    k = p.size
    letters = ", ".join(f"p({chr(c)}) = {q:g}" for c, q in zip(SOURCE_LETTERS, p))
    say.title("2. Shannon's source coding theorem, in numbers")
    say(f"An i.i.d. source: {letters}; its entropy H = {h:.4f} bits/symbol.")
    say("Code blocks of n symbols with the Huffman code of the block distribution p(x1)...p(xn):")
    say("the bits per symbol L_n/n obey H <= L_n/n < H + 1/n, so they tend to H.")
    sample = rng.choice(k, size=sample_size, p=p)
    say("")
    say(f"{'n':>3} {'blocks':>7} {'L_n/n':>9} {'L_n/n - H':>10} {'1/n':>7}   on a sample of {sample_size:,} symbols")
    rows = []
    block_probs = np.ones(1)
    for n in range(1, n_max + 1):
        block_probs = np.outer(block_probs, p).ravel()  # p of every block, in base-k order
        lengths = huffman_code_lengths(block_probs)
        rate = float(np.dot(block_probs, lengths)) / n
        usable = sample[: sample_size - sample_size % n].reshape(-1, n)
        index = usable @ (k ** np.arange(n - 1, -1, -1))
        sample_rate = float(lengths[index].sum()) / usable.size
        rows.append((n, rate, sample_rate))
        say(f"{n:>3} {block_probs.size:>7} {rate:>9.4f} {rate - h:>10.4f} {1 / n:>7.4f}   "
            f"{sample_rate:.4f} bits/symbol")
    say("(L_n/n need not fall at every step; the bound H + 1/n does, and squeezes it to H)")
    # the arithmetic coder on the whole sample, with the true model
    data = np.frombuffer(SOURCE_LETTERS, dtype=np.uint8)[sample].tobytes()
    model = _byte_model(SOURCE_LETTERS, p)
    ideal = ideal_code_lengths(data, model).total_bits
    say("")
    say("An arithmetic coder needs no blocks: it codes the whole sequence in sum(-log2 p(x_i)) bits,")
    say("plus a few bytes to end the stream (the model itself is stored beside it, in the header).")
    result = {"entropy": h, "rows": rows, "ideal_bits": ideal}
    try:
        coded = _payload_bits(compress(data, "range", model=model))
    except ImportError as exc:
        say(f"  (the range coder is not available in this build: {exc})")
        return result
    huffman1 = rows[0][2] * sample_size
    say(f"  ideal length sum(-log2 p(x_i))   {ideal:>12,.1f} bits")
    say(f"  range coder, real payload        {coded:>12,} bits  ({coded - ideal:+.1f} bits, "
        f"{coded / sample_size:.4f} bits/symbol)")
    say(f"  Huffman, one symbol at a time    {huffman1:>12,.0f} bits  ({huffman1 - ideal:+,.1f} bits)")
    result["range_bits"] = coded
    return result


def wrong_model_section(sample_size: int, rng, say) -> dict:
    """Stop 3: coding with a wrong model q costs KL(p || q) extra bits per symbol, in real bits."""
    from ..io.oneshot import compress
    from ..stats.counting import counts
    from ..measures.discrete import cross_entropy, entropy, kl_divergence

    p = np.asarray(SOURCE_PROBABILITIES)
    sample = rng.choice(p.size, size=sample_size, p=p)
    data = np.frombuffer(SOURCE_LETTERS, dtype=np.uint8)[sample].tobytes()
    p_hat = counts(sample, alphabet_size=p.size)
    p_hat = p_hat / p_hat.sum()
    models = [("source's p", p), ("uniform", np.full(p.size, 1.0 / p.size)),
              ("backwards", p[::-1].copy())]
    say.title("3. The cost of a wrong model: H(p, q) = H(p) + KL(p || q)")
    say(f"Code {sample_size:,} symbols of the source above with a range coder that believes in a model q.")
    say("p = the sample's own symbol frequencies; the coder pays the cross-entropy H(p, q) per symbol.")
    say("")
    say(f"{'model q':<14} {'q':<22} {'H(p)':>7} {'KL(p||q)':>9} {'H(p,q)':>8} {'coded':>8}   bits/symbol")
    rows = []
    for name, q in models:
        hp, kl, hpq = entropy(p_hat), kl_divergence(p_hat, q), cross_entropy(p_hat, q)
        try:
            coded = _payload_bits(compress(data, "range", model=_byte_model(SOURCE_LETTERS, q))) / sample_size
            coded_text = f"{coded:>8.4f}"
        except ImportError:
            coded, coded_text = None, f"{'n/a':>8}"
        q_text = "(" + ", ".join(f"{v:.3g}" for v in q) + ")"
        say(f"{name:<14} {q_text:<22} {hp:>7.4f} {kl:>9.4f} {hpq:>8.4f} {coded_text}")
        rows.append((name, hp, kl, hpq, coded))
    say("")
    say("H(p) + KL(p||q) = H(p,q) in every row, and the real coder pays it: KL is the price of the")
    say("wrong model, in bits per symbol, on top of the entropy.")
    return {"rows": rows}


def integer_codes_section(sample_size: int, rng, say) -> dict:
    """Stop 4: integer code words, and Golomb codes on a geometric source in real bits."""
    from ..codes.integer import golomb_parameter, int_code_word, int_decode, int_encode

    say.title("4. Integer codes: code words without a model")
    say("Codes of the positive integers whose word grows with the value: unary (n - 1 ones, a zero),")
    say("Elias gamma (floor(log2 n) zeros, then n in binary), delta, omega, and Fibonacci (Zeckendorf")
    say("digits, ending in 11). Gamma and delta are universal: within a constant factor of log2 n.")
    say("")
    codes = ("unary", "gamma", "delta", "omega", "fibonacci")
    shown = (1, 2, 3, 4, 5, 8, 10, 16)
    words = {c: [int_code_word(n, c) for n in shown] for c in codes}
    width = {c: max(len(c), *(len(w) for w in words[c])) for c in codes}
    say(f"{'n':>3}  " + "  ".join(f"{c:<{width[c]}}" for c in codes).rstrip())
    for i, n in enumerate(shown):
        say(f"{n:>3}  " + "  ".join(f"{words[c][i]:<{width[c]}}" for c in codes).rstrip())
    theta = 0.9
    values = rng.geometric(1 - theta, size=sample_size) - 1  # P(n) = (1 - theta) theta^n, n >= 0
    h = (-(1 - theta) * np.log2(1 - theta) - theta * np.log2(theta)) / (1 - theta)
    best = golomb_parameter(theta)
    say("")
    say(f"A geometric source P(n) = (1 - t) t^n, n >= 0, t = {theta}: entropy H = {h:.4f} bits/value.")
    say(f"Golomb's code with m = {best} is optimal for it (Gallager and Van Voorhis: the least m with")
    say(f"t^m + t^(m+1) <= 1). Real bits per value on a sample of {sample_size:,} values:")
    say("")
    rows = []
    candidates = [("golomb", {"m": 1}), ("golomb", {"m": max(1, best // 2)}), ("golomb", {"m": best}),
                  ("golomb", {"m": 2 * best}), ("rice", {"k": max(0, best.bit_length() - 1)}),
                  ("exp-golomb", {"k": 0}), ("exp-golomb", {"k": 2})]
    seen = set()
    for code, params in candidates:
        key = (code, tuple(params.items()))
        if key in seen:
            continue
        seen.add(key)
        buf, nbits = int_encode(values, code, **params)
        assert np.array_equal(int_decode(buf, values.size, code, **params), values)  # round trip, always
        name = f"{code}({', '.join(f'{k}={v}' for k, v in params.items())})"
        rate = nbits / values.size
        rows.append((name, rate))
        mark = "  <- optimal m" if code == "golomb" and params["m"] == best else ""
        say(f"  {name:<16} {rate:>8.4f} bits/value  ({rate - h:+.4f} over H){mark}")
    return {"theta": theta, "entropy": h, "best_m": best, "rows": rows}


def interval_section(message, say) -> dict:
    """Stop 5: arithmetic coding of the message's first symbols, interval by interval (exact)."""
    from .plots import arithmetic_intervals, shortest_code

    model, symbols = _message_model(message)
    shown = symbols[:INTERVAL_SYMBOLS]
    steps = arithmetic_intervals(shown, model)
    total = sum(model.values())
    say.title("5. Arithmetic coding, interval by interval")
    say("The coder keeps an interval [low, high) of [0, 1); each symbol keeps the part of it that the")
    say("model gives that symbol, so the width ends as p(message). Bits on which every number of the")
    say("interval agrees are certain: the coder can send them at once. (Model: the message's own")
    say(f"frequencies; the first {len(shown)} symbols.)")
    say("")
    from .plots import _decimal
    width = max(12, len(_decimal(steps[-1]["low"], steps[-1]["high"] - steps[-1]["low"])))
    say(f"{'symbol':>8} {'p':>7} {'low':>{width}} {'high':>{width}} {'width':>10}   certain bits")
    for step in steps[1:]:
        q = model[step["symbol"]] / total
        w = step["high"] - step["low"]
        say(f"{step['symbol']!s:>8} {q:>7.4f} {_decimal(step['low'], w):>{width}} {_decimal(step['high'], w):>{width}} "
            f"{float(w):>10.3e}   {step['certain'] or '-'}")
    final = steps[-1]
    code = shortest_code(final["low"], final["high"])
    ideal = -float(np.log2(float(final["high"] - final["low"])))
    say("")
    say(f"code word: {code} ({len(code)} bits), the shortest binary fraction whose whole dyadic interval")
    say(f"lies inside the final one; ideal -log2 p(message) = {ideal:.2f} bits (at most 2 bits more are needed)")
    return {"steps": steps, "code": code, "ideal_bits": ideal, "model": model, "symbols": shown}


def _message_model(message) -> tuple[dict, list]:
    """The message's symbols (characters, or byte labels) and their counts as a model dict."""
    from ..codes.prefix import _label
    if isinstance(message, str):
        symbols = list(message)
    else:
        symbols = [_label(b, True) for b in message]
    model: dict = {}
    for sym in symbols:
        model[sym] = model.get(sym, 0) + 1
    return model, symbols


def _plots(plot_dir: str, stops: dict, say, message, quick: bool = False) -> list[str]:
    """Write the pictures of the tour into ``plot_dir`` (PNG and SVG); return the paths written."""
    from . import plots
    os.makedirs(plot_dir, exist_ok=True)
    written = []

    def save(picture, name):
        for ext in ("png", "svg"):
            written.append(picture.save(os.path.join(plot_dir, f"{name}.{ext}")))
        picture.figure.clear()

    model, symbols = _message_model(message)
    if "table" in stops:
        save(plots.plot_code_lengths(stops["table"]["table"]), "code_lengths")
        save(plots.plot_huffman_tree(model), "huffman_tree")
    p = np.asarray(SOURCE_PROBABILITIES)
    labels = {chr(c): q for c, q in zip(SOURCE_LETTERS, p)}
    if "theorem" in stops:
        rows = stops["theorem"]["rows"]
        save(plots.plot_block_huffman(p, n_max=len(rows), sample_rates=[r[2] for r in rows]), "source_coding_theorem")
    if "wrong_model" in stops:
        rows = stops["wrong_model"]["rows"]
        models = {"source's p": p, "uniform": np.full(p.size, 1.0 / p.size), "backwards": p[::-1].copy()}
        coded = {r[0]: r[4] for r in rows if r[4] is not None}
        save(plots.plot_wrong_model(p, models, coded=coded), "wrong_model")
    save(plots.plot_arithmetic_intervals(symbols[:INTERVAL_SYMBOLS], model), "arithmetic_intervals")
    save(plots.plot_rans_states(symbols[:INTERVAL_SYMBOLS], model), "rans_states")
    save(plots.plot_aep(labels, n_max=100, sequences=15, sizes_n_max=80) if quick else plots.plot_aep(labels), "aep")
    save(plots.plot_integer_codes(), "integer_codes")
    return written


def run(plot_dir: str | None = None, *, seed: int = 1, out=None, quick: bool = False,
        message: str | bytes = DEFAULT_MESSAGE, overwrite: bool = False) -> int:
    """Print the tour to ``out`` (default stdout); write the pictures (PNG and SVG) into ``plot_dir`` if given.

    Existing figures in ``plot_dir`` (:data:`PLOT_NAMES`) are not overwritten unless ``overwrite``: the
    tour then stops before any work, with a message on stderr.

    Returns 0, or 1 when a part could not run (a coder or matplotlib missing: it says which).
    """
    out = sys.stdout if out is None else out
    say = _Printer(out)
    message = message if isinstance(message, str) else bytes(message)
    if not message:
        raise ValueError("the message must not be empty")
    if plot_dir is not None and not overwrite:
        existing = [os.path.join(plot_dir, name) for name in PLOT_NAMES
                    if os.path.lexists(os.path.join(plot_dir, name))]
        if existing:
            print(f"codelength: demo: {existing[0]} already exists; not overwritten (use -f to overwrite)",
                  file=sys.stderr)
            return 1
    rng = np.random.default_rng(seed)
    sample_size = 4_000 if quick else 100_000
    n_max = 4 if quick else 8
    stops: dict = {}
    status = 0
    say("codelength demo: source coding in five stops (every number below is computed now)")
    try:
        stops["table"] = code_table_section(message, say)
        stops["theorem"] = theorem_section(n_max, sample_size, rng, say)
    except ImportError as exc:
        say("")
        say(f"(stops 1 and 2 need the Huffman code tables, not available in this build: {exc})")
        status = 1
    stops["wrong_model"] = wrong_model_section(sample_size, rng, say)
    stops["integers"] = integer_codes_section(sample_size, rng, say)
    stops["interval"] = interval_section(message, say)
    if plot_dir is not None:
        from .profile import MissingOptionalDependency
        try:
            written = _plots(plot_dir, stops, say, message, quick)
        except MissingOptionalDependency as exc:
            print(f"codelength: demo: {exc}", file=sys.stderr)
            return 1
        except OSError as exc:  # e.g. plot_dir is a file, or cannot be created
            print(f"codelength: demo: {exc.filename or plot_dir}: {exc.strerror or exc}", file=sys.stderr)
            return 1
        say("")
        import textwrap
        names = list(dict.fromkeys(os.path.splitext(os.path.basename(w))[0] for w in written))
        say(f"pictures written ({len(written)} files, PNG and SVG) in {plot_dir}:")
        say(textwrap.fill(", ".join(f"{n}.png/.svg" for n in names), width=100, initial_indent="  ",
                          subsequent_indent="  "))
    return status
