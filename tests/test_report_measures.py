"""analyze's extra measures: ent's figures and the entropy-rate estimates, in the API, text, JSON and CSV."""
import csv
import io
import json
import math

import numpy as np
import pytest

from codelength import analyze, entropy_rate, randomness_tests
from codelength.app import cli
from codelength.app.report import csv_columns, render_csv, render_text


def _data(n, seed=0):
    rng = np.random.default_rng(seed)
    return bytes(rng.choice(np.frombuffer(b"aaaabbbcdefgh  \n", dtype=np.uint8), n))


def _same(report_dict, api_dict):
    for key, value in api_dict.items():
        got = report_dict[key]
        if isinstance(value, float) and math.isnan(value):
            assert got is None, key
        else:
            assert got == value, key


def test_analyze_carries_the_randomness_figures_and_rates():
    data = _data(50_000)
    r = analyze(data, order=2, coders=False)
    _same(r.randomness, randomness_tests(data).to_dict())
    assert r.entropy_rate["bytes"] == 50_000 and not r.entropy_rate["truncated"]
    assert r.entropy_rate["lz78"] == entropy_rate(data, "lz78")
    assert r.entropy_rate["kontoyiannis"] == entropy_rate(data, "kontoyiannis")
    assert r.entropy_rate["block"] == entropy_rate(data, "block", block_length=r.entropy_rate["block_length"])
    # an i.i.d. source: the rates are near H0 (LZ78 above it)
    h0 = r.bound("H0").bits_per_byte
    assert r.entropy_rate["block"] == pytest.approx(h0, abs=0.02)
    assert r.entropy_rate["lz78"] == pytest.approx(h0, abs=0.5)  # slow convergence, either side at this n
    bits = analyze(data, order=1, coders=False, bits=True)
    _same(bits.randomness, randomness_tests(data, bits=True).to_dict())
    assert bits.randomness["mode"] == "bits" and bits.randomness["samples"] == 8 * len(data)


def test_rate_limit_and_switches(tmp_path):
    data = _data(30_000, seed=1)
    path = tmp_path / "x.txt"
    path.write_bytes(data)
    r = analyze(path, order=1, coders=False, rate_limit=10_000)
    assert r.entropy_rate["bytes"] == 10_000 and r.entropy_rate["truncated"]
    assert r.entropy_rate["kontoyiannis"] == entropy_rate(data[:10_000], "kontoyiannis")
    assert r.randomness["samples"] == 30_000  # the figures stream over everything
    off = analyze(data, order=1, coders=False, rate_limit=0, randomness=False)
    assert off.entropy_rate is None and off.randomness is None
    text = render_text(off)
    assert "entropy-rate" not in text and "randomness" not in text
    with pytest.raises(ValueError, match="rate_limit"):
        analyze(data, rate_limit=-1)


def test_text_json_csv():
    data = _data(20_000, seed=2)
    r = analyze(data, order=1, coders=False)
    text = render_text(r)
    for words in ("entropy-rate estimates", "LZ78", "Kontoyiannis", "block entropy difference",
                  "chi-square", "Monte Carlo pi", "serial correlation", "min-entropy", "uniform on random input"):
        assert words in text, words
    assert max(len(line) for line in text.splitlines()) <= 100
    json.loads(r.to_json(allow_nan=False))  # undefined values are null, not NaN
    rows = list(csv.DictReader(io.StringIO(render_csv([r]))))
    assert list(rows[0]) == csv_columns(1, [])
    assert float(rows[0]["chi_square"]) == pytest.approx(r.randomness["chi_square"], rel=1e-6)
    assert float(rows[0]["rate_lz78_bits_per_byte"]) == pytest.approx(r.entropy_rate["lz78"], abs=1e-6)
    constant = analyze(bytes(1000), order=1, coders=False)
    assert constant.randomness["serial_correlation"] is None
    assert "undefined" in render_text(constant)
    json.loads(constant.to_json(allow_nan=False))
    empty = analyze(b"", order=1, coders=False)
    assert empty.entropy_rate["lz78"] is None and empty.randomness["samples"] == 0
    render_text(empty)
    render_csv([empty])


def test_cli_bits_and_rate_limit(tmp_path, capsys):
    data = _data(20_000, seed=3)
    path = tmp_path / "x.txt"
    path.write_bytes(data)
    assert cli.main(["analyze", "--json", "--no-coders", "-b", "--rate-limit", "8K", str(path)]) == 0
    got = json.loads(capsys.readouterr().out)
    assert got["randomness"]["mode"] == "bits" and got["entropy_rate"]["bytes"] == 8192
    assert cli.main(["analyze", "--json", "--no-coders", "--rate-limit", "0", str(path)]) == 0
    got = json.loads(capsys.readouterr().out)
    assert got["entropy_rate"] is None and got["randomness"]["mode"] == "bytes"
    assert cli.main(["analyze", "--rate-limit", "-3", str(path)]) == 2  # usage error
    assert "--rate-limit" in capsys.readouterr().err
