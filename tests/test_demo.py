"""The classroom tour: its numbers obey the theorems they illustrate, and they are computed."""
import io
import math

import pytest

from codelength.app import cli

from codelength.app import demo
from codelength.app.report import coder_availability

pytest.importorskip("codelength.codes", reason="Huffman code tables (codelength.codes) not built")
needs_range = pytest.mark.skipif(coder_availability()["range"] is not None, reason="range coder not built")


class _Say(demo._Printer):
    def __init__(self):
        super().__init__(io.StringIO())


def test_code_table_stop():
    say = _Say()
    result = demo.code_table_section(b"abracadabra", say)
    table, h = result["table"], result["entropy"]
    assert h <= table.average_length < h + 1
    assert table.kraft <= 1
    assert table.total_bits == 23  # 5*1 + 6*3 bits: Huffman's optimum for abracadabra
    text = say.out.getvalue()
    assert "Kraft sum" in text and "-log2 p" in text and f"{h:.4f}" in text


@needs_range
def test_theorem_stop_obeys_the_bounds():
    import numpy as np
    say = _Say()
    result = demo.theorem_section(5, 3000, np.random.default_rng(0), say)
    h = result["entropy"]
    for n, rate, _ in result["rows"]:
        assert h - 1e-12 <= rate < h + 1.0 / n
    assert result["rows"][-1][1] < result["rows"][0][1]
    # the range coder's payload is the ideal plus a few bytes to end the stream(s)
    assert -32 < result["range_bits"] - result["ideal_bits"] < 8 * 32


@needs_range
def test_wrong_model_stop_costs_kl():
    import numpy as np
    say = _Say()
    rows = demo.wrong_model_section(5000, np.random.default_rng(0), say)["rows"]
    for name, hp, kl, hpq, coded in rows:
        assert hp + kl == pytest.approx(hpq, abs=1e-9)
        assert coded == pytest.approx(hpq, abs=0.02)
    assert rows[0][2] < rows[1][2] < rows[2][2]


def test_cli_demo_quick(capsys):
    assert cli.main(["demo", "--quick"]) == 0
    out = capsys.readouterr().out
    for text in ("1. A code for the message 'abracadabra'", "2. Shannon's source coding theorem",
                 "3. The cost of a wrong model", "Kraft sum", "L_n/n"):
        assert text in out


def test_numbers_follow_the_inputs(capsys):
    assert cli.main(["demo", "--quick", "--message", "mississippi", "--seed", "3"]) == 0
    a = capsys.readouterr().out
    assert cli.main(["demo", "--quick", "--message", "mississippi", "--seed", "4"]) == 0
    b = capsys.readouterr().out
    assert "'mississippi'" in a and "abracadabra" not in a
    assert a.split("2. Shannon")[0] == b.split("2. Shannon")[0]  # same message, same table
    assert a != b  # another seed, another sample


def test_demo_plots(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    assert cli.main(["demo", "--quick", "--plot", str(tmp_path / "figs")]) == 0
    names = sorted(p.name for p in (tmp_path / "figs").iterdir())
    assert names == sorted(demo.PLOT_NAMES) and len(names) == 16
    for name in names:
        data = (tmp_path / "figs" / name).read_bytes()
        if name.endswith(".png"):
            assert data[:8] == b"\x89PNG\r\n\x1a\n"
        else:
            assert b"<svg" in data[:2000]
    assert "pictures written (16 files" in capsys.readouterr().out
    # and the figures are not overwritten without -f
    assert cli.main(["demo", "--quick", "--plot", str(tmp_path / "figs")]) == 1
    assert "already exists" in capsys.readouterr().err


def test_integer_and_interval_stops():
    import numpy as np
    say = _Say()
    result = demo.integer_codes_section(3000, np.random.default_rng(0), say)
    rates = dict(result["rows"])
    best = rates[f"golomb(m={result['best_m']})"]
    assert best >= result["entropy"] - 0.05 and best == min(rates.values())
    text = say.out.getvalue()
    assert "000010000" in text and "10100100000" in text  # gamma(16), omega(16)
    say = _Say()
    result = demo.interval_section("abracadabra", say)
    assert len(result["code"]) <= math.ceil(result["ideal_bits"]) + 1
    assert "certain bits" in say.out.getvalue() and result["code"] in say.out.getvalue()


def test_empty_message(capsys):
    assert cli.main(["demo", "--quick", "--message", ""]) == 1
    assert "empty" in capsys.readouterr().err


def test_one_symbol_message_states_only_true_relations():
    # Huffman gives the lone symbol 1 bit, so L = H + 1 (not <), and the Shannon code's 0 bits are
    # not "longer than Huffman's"
    say = _Say()
    demo.code_table_section(b"aaaa", say)
    text = say.out.getvalue()
    assert "L = 1.0000 < H + 1" not in text
    assert "L = 1.0000 = H + 1 = 1.0000" in text
    assert "longer than Huffman's" not in text


def test_plot_dir_that_cannot_be_made_is_one_line_on_stderr(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    blocker = tmp_path / "a_file"
    blocker.write_text("x")
    for target in (blocker, blocker / "sub"):
        assert cli.main(["demo", "--quick", "--plot", str(target)]) == 1
        err = capsys.readouterr().err
        assert err.startswith("codelength: demo: ") and err.count("\n") == 1 and "Traceback" not in err
    assert blocker.read_text() == "x"


def test_negative_seed_is_a_usage_error(capsys):
    assert cli.main(["demo", "--quick", "--seed", "-5"]) == 2
    assert "seed" in capsys.readouterr().err


def test_demo_plots_are_not_overwritten_without_force(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    figs = tmp_path / "figs"
    figs.mkdir()
    (figs / "wrong_model.png").write_bytes(b"precious")
    assert cli.main(["demo", "--quick", "--plot", str(figs)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "already exists" in err and "-f" in err
    assert (figs / "wrong_model.png").read_bytes() == b"precious"
    assert cli.main(["demo", "--quick", "--plot", str(figs), "-f"]) == 0
    assert (figs / "wrong_model.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
