"""Atheris harness for the arithmetic decoders (and round trips of the encoders).

    python fuzz/fuzz_arith.py -max_total_time=60          # or -runs=N; libFuzzer flags apply

Each input picks a coder and either (a) feeds the rest as model section and payload straight to the
decoder, which must return exactly n symbols or raise CorruptDataError (nothing else, no crash or hang),
or (b) compresses the rest and checks that decompress gives it back, or (c) runs the low-level
encoders with a model built from some counts on symbols that need not fit it (check=False too): a
ValueError, or a payload that decodes back, never a crash.
"""
import sys

import atheris
import numpy  # noqa: F401  (imported before instrumentation: only codelength is instrumented)

with atheris.instrument_imports():
    import codelength
    from codelength.coders import adaptive as adaptive_coder, model as static_model, range as range_coder, rans as rans_coder
    from codelength.errors import CorruptDataError

DECODERS = [
    (range_coder.decode_range, 0), (rans_coder.decode_rans, 0), (adaptive_coder.decode_adaptive, 0), (adaptive_coder.decode_adaptive, 1),
    (adaptive_coder.decode_adaptive, 2), (adaptive_coder.decode_adaptive, 3), (adaptive_coder.decode_adaptive, 4),
]
CODERS = [("range", {}), ("range", {"streams": 4}), ("rans", {}), ("rans", {"streams": 3}),
          ("adaptive", {"order": 0}), ("adaptive", {"order": 2, "table_bits": 12}),
          ("adaptive", {"order": 3, "table_bits": 12, "mix": True})]


def test_one_input(raw: bytes):
    fdp = atheris.FuzzedDataProvider(raw)
    branch = fdp.ConsumeIntInRange(0, 2)
    if branch == 2:
        encode, decode = fdp.PickValueInList([(range_coder.range_encode, range_coder.range_decode), (rans_coder.rans_encode, rans_coder.rans_decode)])
        streams = fdp.ConsumeIntInRange(1, 8)
        check = fdp.ConsumeBool()
        scale_bits = fdp.ConsumeIntInRange(1, 20)
        counts = list(fdp.ConsumeBytes(fdp.ConsumeIntInRange(0, 40)))
        symbols = fdp.ConsumeBytes(fdp.remaining_bytes())
        try:
            model = static_model.StaticModel.from_counts(counts, scale_bits)
            payload = encode(symbols, model, streams, check=check)
        except ValueError:
            return
        if decode(payload, model, len(symbols), streams).tobytes() != symbols:
            raise AssertionError("low-level round trip failed")
        return
    if branch == 0:
        decode, param = DECODERS[fdp.ConsumeIntInRange(0, len(DECODERS) - 1)]
        n = fdp.ConsumeIntInRange(0, 4096)
        alphabet = fdp.PickValueInList([2, 16, 256, 1000, 70000])
        model = fdp.ConsumeBytes(fdp.ConsumeIntInRange(0, 64))
        payload = fdp.ConsumeBytes(fdp.remaining_bytes())
        if param and alphabet > 256:
            alphabet = 256
        try:
            out = decode(param, model, payload, n, alphabet)
        except CorruptDataError:
            return
        if len(out) != n:
            raise AssertionError(f"decoder returned {len(out)} symbols, not {n}")
    else:
        name, opts = CODERS[fdp.ConsumeIntInRange(0, len(CODERS) - 1)]
        data = fdp.ConsumeBytes(fdp.remaining_bytes())
        if codelength.decompress(codelength.compress(data, coder=name, **opts)) != data:
            raise AssertionError(f"{name} {opts} round trip failed")


def main():
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
