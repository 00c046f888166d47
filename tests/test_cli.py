"""The codelength command: every subcommand, exit codes, stdin/stdout, bad inputs, no partial outputs."""
import csv
import gzip
import io
import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

from codelength.app import cli
from codelength.app.report import analyze, coder_availability
from codelength.io.stream import is_frame_start

REPO = Path(__file__).resolve().parents[1]
AVAILABLE = coder_availability()
needs_huffman = pytest.mark.skipif(AVAILABLE["huffman"] is not None, reason="huffman backend not built")


def run(*args, stdin: bytes = b""):
    """Run ``python -m codelength ARGS`` in a subprocess: (exit status, stdout bytes, stderr text)."""
    env = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.run([sys.executable, "-m", "codelength", *map(str, args)], input=stdin,
                          capture_output=True, env=env, timeout=120)
    return proc.returncode, proc.stdout, proc.stderr.decode()


def _text(n=4000, seed=0):
    rng = random.Random(seed)
    words = [b"source", b"coding", b"theorem", b"huffman", b"entropy", b"bits", b"\n"]
    out = bytearray()
    while len(out) < n:
        out += rng.choice(words) + b" "
    return bytes(out[:n])


@pytest.fixture
def text_file(tmp_path):
    path = tmp_path / "words.txt"
    path.write_bytes(_text())
    return path


def _no_stray_files(directory, expected):
    assert sorted(p.name for p in Path(directory).iterdir()) == sorted(expected)


# ---------------------------------------------------------------- analyze

def test_analyze_without_input_uses_the_bundled_sample(capsys):
    assert cli.main(["analyze", "--no-coders", "-O", "1"]) == 0
    out, err = capsys.readouterr()
    assert "sample.txt" in out and "bundled sample" in out
    assert "bundled sample" in err
    assert "bits/byte" in out and "H0" in out and "H1" in out and "Optimum coding" in out


def test_analyze_json_matches_the_api(text_file, capsys):
    assert cli.main(["analyze", "--json", "--order", "2", "--coder-limit", "1M", str(text_file)]) == 0
    out, _ = capsys.readouterr()
    lines = out.splitlines()
    assert len(lines) == 1
    got = json.loads(lines[0])
    want = analyze(text_file, order=2).to_dict()
    assert got["source"] == str(text_file) and got["size_bytes"] == text_file.stat().st_size
    assert got["bounds"] == want["bounds"]
    for a, b in zip(got["coders"], want["coders"]):
        assert (a["name"], a["status"], a["size_bytes"]) == (b["name"], b["status"], b["size_bytes"])
    assert got["summary"] == want["summary"]


def test_analyze_recurses_directories_and_reports_each_file(tmp_path, capsys):
    (tmp_path / "sub" / "deeper").mkdir(parents=True)
    names = [tmp_path / "a.txt", tmp_path / "sub" / "b.txt", tmp_path / "sub" / "deeper" / "c.bin"]
    for i, p in enumerate(names):
        p.write_bytes(_text(500 * (i + 1), seed=i))
    assert cli.main(["analyze", "--json", "--no-coders", "-q", str(tmp_path)]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["source"] for r in rows] == [str(p) for p in names]
    assert [r["size_bytes"] for r in rows] == [500, 1000, 1500]


def test_analyze_missing_input_fails_but_reports_the_others(text_file, tmp_path, capsys):
    missing = tmp_path / "nope.txt"
    status = cli.main(["analyze", "--no-coders", str(missing), str(text_file)])
    out, err = capsys.readouterr()
    assert status == 1
    assert err.strip().splitlines() == [f"codelength: analyze: {missing}: No such file or directory"]
    assert str(text_file) in out and "H0" in out


def test_analyze_unreadable_input(text_file, tmp_path, capsys, monkeypatch):
    import builtins
    real_open = builtins.open

    def guarded_open(file, *args, **kwargs):  # as if chmod 0 (root would read it anyway)
        if os.fspath(file) == str(text_file):
            raise PermissionError(13, "Permission denied", str(text_file))
        return real_open(file, *args, **kwargs)

    other = tmp_path / "other.txt"
    other.write_bytes(b"still reported")
    monkeypatch.setattr(builtins, "open", guarded_open)
    assert cli.main(["analyze", "--no-coders", "--json", str(text_file), str(other)]) == 1
    out, err = capsys.readouterr()
    assert err.strip() == f"codelength: analyze: {text_file}: Permission denied"
    assert json.loads(out)["source"] == str(other)


def test_analyze_csv(tmp_path, capsys):
    paths = []
    for i in range(2):
        p = tmp_path / f"f{i}.txt"
        p.write_bytes(_text(800 + i * 100, seed=i))
        paths.append(str(p))
    assert cli.main(["analyze", "--csv", "-O", "1", *paths]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [r["source"] for r in rows] == paths
    assert rows[1]["size_bytes"] == "900"
    assert {"h0_bits_per_byte", "h1_ideal_bytes", "hblock_percent", "zlib_bytes", "huffman_status"} <= set(rows[0])


def test_analyze_block_size_includes_the_profile(text_file, capsys):
    assert cli.main(["analyze", "--json", "--no-coders", "--block-size", "1K", str(text_file)]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["profile"]["block_size"] == 1024 and d["profile"]["n_blocks"] == 4
    assert d["bounds"][-1]["name"] == "Hblock" and d["bounds"][-1]["block_size"] == 1024
    assert d["coders"] == [] and d["coders_mode"] == "off"


def test_analyze_stdin_subprocess():
    data = _text(3000, seed=5)
    status, out, err = run("analyze", "--json", "-O", "1", "--no-coders", "-", stdin=data)
    assert status == 0, err
    d = json.loads(out)
    assert d["source"] == "<stdin>" and d["size_bytes"] == 3000
    assert d["bounds"] == analyze(data, order=1, coders=False).to_dict()["bounds"]


@pytest.mark.parametrize("argv", [["analyze", "--order", "9"], ["analyze", "--json", "--csv"],
                                  ["analyze", "--block-size", "0"], ["nosuchcommand"], [],
                                  ["compress", "--coder", "lz77"]])
def test_usage_errors_exit_2(argv, capsys):
    assert cli.main(argv) == 2
    assert capsys.readouterr().err


def test_version_and_help(capsys):
    assert cli.main(["--version"]) == 0
    assert "codelength" in capsys.readouterr().out
    for command in ("analyze", "profile", "compress", "decompress", "demo"):
        assert cli.main([command, "--help"]) == 0
        assert "usage: codelength" in capsys.readouterr().out


def test_size_argument():
    assert cli._size("4096") == 4096 and cli._size("64K") == 65536 and cli._size("1MiB") == 1 << 20


# ---------------------------------------------------------------- profile

def _mixed(tmp_path):
    path = tmp_path / "mixed.bin"
    path.write_bytes(_text(8192) + random.Random(1).randbytes(8192) + _text(8192, seed=2))
    return path


def test_profile_text_marks_jumps(tmp_path, capsys):
    path = _mixed(tmp_path)
    assert cli.main(["profile", str(path), "--block-size", "2K"]) == 0
    out = capsys.readouterr().out
    assert "12 blocks of 2,048 bytes" in out
    assert "rise at offset 0x2000" in out and "fall at offset 0x4000" in out
    assert "high-entropy regions" in out


def test_profile_json(tmp_path, capsys):
    path = _mixed(tmp_path)
    assert cli.main(["profile", str(path), "-b", "4096", "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["n_blocks"] == 6 and [j["direction"] for j in d["jumps"]] == ["rise", "fall"]


def test_profile_missing_file(tmp_path, capsys):
    assert cli.main(["profile", str(tmp_path / "nope")]) == 1
    assert capsys.readouterr().err.strip() == f"codelength: profile: {tmp_path / 'nope'}: No such file or directory"


def test_profile_plot_is_a_real_png(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    path = _mixed(tmp_path)
    out = tmp_path / "plot.png"
    assert cli.main(["profile", str(path), "--plot", str(out), "-q"]) == 0
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    _no_stray_files(tmp_path, ["mixed.bin", "plot.png"])


def test_profile_plot_without_matplotlib(tmp_path, capsys, monkeypatch):
    import builtins
    real_import = builtins.__import__

    def no_matplotlib(name, *args, **kwargs):
        if name.split(".")[0] == "matplotlib":
            raise ImportError("No module named 'matplotlib'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_matplotlib)
    path = _mixed(tmp_path)
    assert cli.main(["profile", str(path), "--plot", str(tmp_path / "p.png")]) == 1
    out, err = capsys.readouterr()
    assert "matplotlib" in err and "pip install" in err
    assert "blocks of" in out  # the table is still printed
    _no_stray_files(tmp_path, ["mixed.bin"])


# ---------------------------------------------------------------- compress / decompress

@needs_huffman
def test_compress_decompress_files(text_file, tmp_path, capsys):
    original = text_file.read_bytes()
    assert cli.main(["compress", str(text_file)]) == 0
    packed = Path(str(text_file) + ".clen")
    assert is_frame_start(packed.read_bytes()[0]) and text_file.exists()  # input kept
    text_file.unlink()
    assert cli.main(["decompress", str(packed)]) == 0
    assert text_file.read_bytes() == original and packed.exists()
    _no_stray_files(tmp_path, ["words.txt", "words.txt.clen"])


@needs_huffman
def test_never_overwrites_without_force(text_file, tmp_path, capsys):
    target = Path(str(text_file) + ".clen")
    target.write_bytes(b"precious")
    assert cli.main(["compress", str(text_file)]) == 1
    assert "already exists" in capsys.readouterr().err and target.read_bytes() == b"precious"
    assert cli.main(["compress", "-f", str(text_file)]) == 0
    assert is_frame_start(target.read_bytes()[0])
    _no_stray_files(tmp_path, ["words.txt", "words.txt.clen"])


@needs_huffman
def test_output_option_rm_and_decompress_flag(text_file, tmp_path, capsys):
    original = text_file.read_bytes()
    out = tmp_path / "packed.bin"
    assert cli.main(["compress", "-o", str(out), "--rm", str(text_file)]) == 0
    assert not text_file.exists() and out.exists()
    status, back, err = run("compress", "-d", "-c", out)  # any suffix is fine with -c
    assert status == 0 and back == original, err
    assert cli.main(["decompress", "-o", str(tmp_path / "back.txt"), str(out)]) == 0
    assert (tmp_path / "back.txt").read_bytes() == original
    assert cli.main(["decompress", str(out)]) == 1
    assert "unknown suffix" in capsys.readouterr().err


@needs_huffman
def test_stdin_to_stdout_subprocess():
    data = _text(5000, seed=7)
    status, packed, err = run("compress", stdin=data)
    assert status == 0, err
    assert is_frame_start(packed[0])
    status, back, err = run("decompress", stdin=packed)
    assert status == 0, err
    assert back == data


@needs_huffman
def test_dash_c_keeps_input_and_writes_stdout(text_file, tmp_path):
    status, packed, err = run("compress", "-c", text_file)
    assert status == 0, err
    assert is_frame_start(packed[0])
    _no_stray_files(tmp_path, ["words.txt"])


@needs_huffman
def test_gzip_format_is_read_by_gzip(text_file, tmp_path, capsys):
    assert cli.main(["compress", "--format", "gzip", str(text_file)]) == 0
    packed = Path(str(text_file) + ".gz")
    assert gzip.decompress(packed.read_bytes()) == text_file.read_bytes()
    out = tmp_path / "back"
    assert cli.main(["decompress", "-o", str(out), str(packed)]) == 0
    assert out.read_bytes() == text_file.read_bytes()


@needs_huffman
def test_corrupt_archive_is_refused_without_leaving_output(text_file, tmp_path, capsys):
    assert cli.main(["compress", str(text_file)]) == 0
    packed = Path(str(text_file) + ".clen")
    blob = bytearray(packed.read_bytes())
    blob[len(blob) // 2] ^= 0x10
    bad = tmp_path / "bad.txt.clen"
    bad.write_bytes(bytes(blob))
    capsys.readouterr()
    assert cli.main(["decompress", str(bad)]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"codelength: decompress: {bad}: corrupt") and len(err.splitlines()) == 1
    _no_stray_files(tmp_path, ["words.txt", "words.txt.clen", "bad.txt.clen"])
    # a truncated gzip stream too
    (tmp_path / "t.gz").write_bytes(gzip.compress(b"hello world" * 100)[:-10])
    assert cli.main(["decompress", str(tmp_path / "t.gz")]) == 1
    assert "corrupt" in capsys.readouterr().err
    assert not (tmp_path / "t").exists()


def test_not_a_stream(tmp_path, capsys):
    junk = tmp_path / "junk.clen"
    junk.write_bytes(b"this is not compressed")
    assert cli.main(["decompress", str(junk)]) == 1
    assert "not a codelength stream" in capsys.readouterr().err
    _no_stray_files(tmp_path, ["junk.clen"])


@needs_huffman
def test_failure_while_writing_leaves_nothing(text_file, tmp_path, capsys, monkeypatch):
    from codelength.app import compress_cmd
    real_write = compress_cmd._Sink.write

    def failing_write(self, data):  # half of the output written, then the disk is full
        real_write(self, data[: len(data) // 2])
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(compress_cmd._Sink, "write", failing_write)
    assert cli.main(["compress", str(text_file)]) == 1
    assert "No space left on device" in capsys.readouterr().err
    _no_stray_files(tmp_path, ["words.txt"])


def test_compress_missing_input_goes_on_with_the_others(text_file, tmp_path, capsys):
    status = cli.main(["compress", str(tmp_path / "missing"), str(text_file)])
    err = capsys.readouterr().err
    assert status == 1
    assert f"{tmp_path / 'missing'}: No such file or directory" in err
    if AVAILABLE["huffman"] is None:
        assert Path(str(text_file) + ".clen").exists()


@pytest.mark.parametrize("coder", ["range", "rans", "adaptive"])
def test_each_coder_round_trips_or_says_unavailable(coder, text_file, tmp_path, capsys):
    status = cli.main(["compress", "--coder", coder, str(text_file)])
    if AVAILABLE[coder] is not None:
        assert status == 1
        assert "not available" in capsys.readouterr().err
        _no_stray_files(tmp_path, ["words.txt"])
        return
    assert status == 0
    out = tmp_path / "back"
    assert cli.main(["decompress", "-o", str(out), str(text_file) + ".clen"]) == 0
    assert out.read_bytes() == text_file.read_bytes()


def test_order_needs_the_adaptive_coder(text_file, capsys):
    assert cli.main(["compress", "--coder", "huffman", "--order", "2", str(text_file)]) == 1
    assert "adaptive" in capsys.readouterr().err


# ---------------------------------------------------------------- progress

def test_progress_is_silent_when_disabled(capsys):
    bar = cli.Progress(1000, "x", enabled=False)
    for _ in range(10):
        bar(100)
    bar.close()
    assert bar.done == 1000
    assert capsys.readouterr().err == ""


def test_progress_off_when_quiet_or_not_a_terminal(monkeypatch):
    import argparse
    assert not cli._progress_enabled(argparse.Namespace(quiet=True))
    monkeypatch.setattr(sys.stderr, "isatty", lambda: False, raising=False)
    assert not cli._progress_enabled(argparse.Namespace(quiet=False))


def test_progress_is_a_tqdm_bar(capsys):
    from tqdm import tqdm
    bar = cli.Progress(2 << 20, "work", enabled=True)
    assert isinstance(bar._bar, tqdm)
    bar(1 << 20)
    bar(0.5)  # work units may be fractional
    assert bar.done == (1 << 20) + 0.5 and bar._bar.n == bar.done
    bar.close()
    bar.close()  # idempotent
    assert cli.Progress(10, "quiet", enabled=False)._bar is None


def test_coders_option_picks_rows(text_file, capsys):
    assert cli.main(["analyze", "--json", "-q", "--coders", "huffman,zlib", str(text_file)]) == 0
    rows = [c["name"] for c in json.loads(capsys.readouterr().out)["coders"]]
    assert rows == ["huffman", "zlib"]
    assert cli.main(["analyze", "--json", "-q", "--no-stdlib", "--threads", "1", str(text_file)]) == 0
    rows = [c["name"] for c in json.loads(capsys.readouterr().out)["coders"]]
    assert rows and not {"zlib", "bz2", "lzma"} & set(rows)


@pytest.mark.parametrize("argv", [["--coders", "huffman,gzip"], ["--coders", ","], ["--threads", "0"]])
def test_bad_coder_options_are_usage_errors(text_file, argv, capsys):
    assert cli.main(["analyze", *argv, str(text_file)]) == 2
    assert "analyze" in capsys.readouterr().err


def test_unsupported_adaptive_order_is_a_clear_error(text_file, tmp_path, capsys):
    if AVAILABLE["adaptive"] is not None:
        pytest.skip("adaptive coder not built")
    assert cli.main(["compress", "--coder", "adaptive", "--order", "7", str(text_file)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("codelength: compress: adaptive coder:") and len(err.splitlines()) == 1
    _no_stray_files(tmp_path, ["words.txt"])


def test_unreadable_subdirectory_is_reported(tmp_path, capsys, monkeypatch):
    (tmp_path / "ok.txt").write_bytes(b"readable")
    (tmp_path / "locked").mkdir()
    real_scandir = os.scandir

    def guarded_scandir(path="."):  # as if chmod 0 (root would read it anyway)
        if os.fspath(path).endswith("locked"):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", guarded_scandir)
    assert cli.main(["analyze", "--json", "--no-coders", str(tmp_path)]) == 1
    out, err = capsys.readouterr()
    assert err.strip() == f"codelength: analyze: {tmp_path / 'locked'}: Permission denied"
    assert json.loads(out)["source"] == str(tmp_path / "ok.txt")


def test_stdout_with_several_inputs_concatenates(text_file, tmp_path):
    other = tmp_path / "other.txt"
    other.write_bytes(b"more words")
    status, packed, err = run("compress", "-c", text_file, other)
    assert status == 0, err
    status, back, err = run("decompress", "-c", stdin=packed)        # concatenated streams, like gzip
    assert status == 0 and back == text_file.read_bytes() + b"more words", err
    _no_stray_files(tmp_path, ["words.txt", "other.txt"])


def test_analyze_refuses_stdin_twice(capsys):
    # the second "-" used to be analysed as an empty input
    assert cli.main(["analyze", "--no-coders", "-", "-"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.strip() == "codelength: analyze: stdin (-) can be read only once"


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX file names are bytes")
def test_non_utf8_file_names_are_printed_not_a_traceback(tmp_path):
    # os.walk gives such names as surrogate escapes; a strict UTF-8 stdout (e.g. LANG=en_US.UTF-8) used
    # to raise UnicodeEncodeError in the text and CSV output
    name = os.fsdecode(b"\xff\xfe.txt")
    (tmp_path / name).write_bytes(b"hello hello")
    env = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""),
               PYTHONIOENCODING="utf-8")
    for argv in (["analyze", "--no-coders", str(tmp_path)], ["analyze", "--no-coders", "--csv", str(tmp_path)],
                 ["profile", str(tmp_path / name)]):
        proc = subprocess.run([sys.executable, "-m", "codelength", *argv], capture_output=True, env=env,
                              timeout=120)
        assert proc.returncode == 0, proc.stderr.decode()
        assert b"\xff\xfe.txt" in proc.stdout


@needs_huffman
def test_rm_that_cannot_remove_the_input_is_one_line_not_a_traceback(text_file, tmp_path, capsys, monkeypatch):
    real_unlink = os.unlink

    def refuse(path, *args, **kwargs):  # as for a file in a read-only directory
        if os.fspath(path) == str(text_file):
            raise PermissionError(13, "Permission denied", str(text_file))
        return real_unlink(path, *args, **kwargs)

    monkeypatch.setattr(os, "unlink", refuse)
    assert cli.main(["compress", "--rm", str(text_file)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Permission denied" in err and str(text_file) in err
    assert text_file.exists() and Path(str(text_file) + ".clen").exists()  # the output is complete and kept


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX file descriptors")
@pytest.mark.parametrize("closed, argv", [
    (0, ["compress", "-c"]), (0, ["analyze", "--no-coders", "-"]), (0, ["profile", "-"]),
    (1, ["analyze", "--no-coders", "{file}"]), (1, ["compress", "-c", "{file}"]), (1, ["demo", "--quick"]),
])
def test_closed_stdin_or_stdout_is_one_line_not_a_traceback(text_file, closed, argv):
    # started with <&- or >&-, Python has sys.stdin / sys.stdout = None
    env = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    argv = [a.replace("{file}", str(text_file)) for a in argv]
    proc = subprocess.run([sys.executable, "-m", "codelength", *argv], stdin=subprocess.DEVNULL,
                          stdout=subprocess.DEVNULL if closed == 0 else None, stderr=subprocess.PIPE,
                          env=env, timeout=120, preexec_fn=lambda: os.close(closed))
    err = proc.stderr.decode()
    assert proc.returncode == 1, err
    assert "Traceback" not in err and err.count("\n") == 1 and "closed" in err


@needs_huffman
def test_output_cut_short_by_the_reader_is_not_success(tmp_path):
    # a reader that goes away made BufferedWriter.write return a partial count without raising: the
    # command exited 0 although most of the output was lost
    data = random.Random(3).randbytes(1 << 20) + _text(1 << 20)
    path = tmp_path / "big.bin"
    path.write_bytes(data)
    env = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    for argv in (["compress", "-c", str(path)], ["decompress", "-c"]):
        stdin = subprocess.PIPE if argv[0] == "decompress" else subprocess.DEVNULL
        with subprocess.Popen([sys.executable, "-m", "codelength", *argv], stdin=stdin, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, env=env) as proc:
            if argv[0] == "decompress":  # fed from a thread: the command streams, it does not read all first
                import threading
                import codelength
                blob = codelength.compress(data)

                def feed():
                    try:
                        proc.stdin.write(blob)
                        proc.stdin.close()
                    except (BrokenPipeError, ValueError):
                        pass
                feeder = threading.Thread(target=feed, daemon=True)
                feeder.start()
            proc.stdout.read(100)
            proc.stdout.close()
            err = proc.stderr.read().decode()
            assert proc.wait(timeout=120) == 1, err
        assert "Traceback" not in err


def test_large_text_output_cut_short_is_not_success(tmp_path):
    # the same short write, through sys.stdout.write of one large table (TextIOWrapper ignores short counts)
    path = tmp_path / "big.bin"
    path.write_bytes(random.Random(4).randbytes(1 << 17))  # 8192 blocks: about 600 KB of table
    env = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    for argv in (["profile", "-b", "16", str(path)], ["profile", "--json", "-b", "16", str(path)],
                 ["analyze", "--json", "--no-coders", "--block-size", "16", str(path)]):
        with subprocess.Popen([sys.executable, "-m", "codelength", *argv], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, env=env) as proc:
            proc.stdout.read(100)
            proc.stdout.close()
            err = proc.stderr.read().decode()
            assert proc.wait(timeout=120) == 1, (argv, err)
        assert "Traceback" not in err


def test_output_files_are_written_in_full_despite_short_writes(tmp_path, monkeypatch):
    # BufferedWriter.write may return a short count (disk nearly full) without raising: the output file
    # was then renamed into place truncated, with exit 0
    import builtins
    real_open = builtins.open

    class ShortWrites:
        def __init__(self, handle):
            self.handle = handle

        def write(self, data):
            return self.handle.write(bytes(memoryview(data)[:1000]))

        def __getattr__(self, name):
            return getattr(self.handle, name)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.handle.close()

    def short_open(file, mode="r", *args, **kwargs):
        handle = real_open(file, mode, *args, **kwargs)
        return ShortWrites(handle) if "w" in mode and ".codelength-" in os.fspath(file) else handle

    data = _text(50_000)
    path = tmp_path / "in.txt"
    path.write_bytes(data)
    monkeypatch.setattr(builtins, "open", short_open)
    assert cli.main(["compress", "--format", "gzip", str(path)]) == 0
    monkeypatch.undo()
    assert gzip.decompress((tmp_path / "in.txt.gz").read_bytes()) == data


def test_profile_plot_is_not_overwritten_without_force(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    path = _mixed(tmp_path)
    out = tmp_path / "plot.png"
    out.write_bytes(b"precious")
    assert cli.main(["profile", str(path), "--plot", str(out), "-q"]) == 1
    out_text, err = capsys.readouterr()
    assert out.read_bytes() == b"precious" and out_text == ""  # refused before any work
    assert err.strip() == f"codelength: profile: {out} already exists; not overwritten (use -f to overwrite)"
    assert cli.main(["profile", str(path), "--plot", str(out), "-q", "-f"]) == 0
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    _no_stray_files(tmp_path, ["mixed.bin", "plot.png"])


def test_analyze_out_of_memory_is_one_line_and_the_others_go_on(text_file, tmp_path, capsys, monkeypatch):
    # order-k statistics of a large random file need memory per distinct (k+1)-byte string
    from codelength.app import report as rp
    real = rp.analyze
    big = tmp_path / "big.bin"
    big.write_bytes(b"x")

    def analyze(source, **kwargs):
        if str(source) == str(big):
            raise MemoryError("cannot allocate an n-gram table of 1073741824 entries")
        return real(source, **kwargs)

    monkeypatch.setattr(rp, "analyze", analyze)
    assert cli.main(["analyze", "--no-coders", "--json", str(big), str(text_file)]) == 1
    out, err = capsys.readouterr()
    assert err.count("\n") == 1 and str(big) in err and "memory" in err and "--order" in err
    assert json.loads(out)["source"] == str(text_file)


def test_profile_plot_never_replaces_its_input(tmp_path, capsys):
    path = _mixed(tmp_path)
    before = path.read_bytes()
    assert cli.main(["profile", str(path), "--plot", str(path), "-f", "-q"]) == 1
    assert path.read_bytes() == before
    assert capsys.readouterr().err.strip() == f"codelength: profile: {path}: the plot would overwrite the input"


def test_decompress_does_not_wait_for_compressed_data_typed_at_a_terminal(capsys, monkeypatch):
    class Terminal(io.TextIOWrapper):
        def isatty(self):
            return True

    monkeypatch.setattr(sys, "stdin", Terminal(io.BytesIO(b"")))
    assert cli.main(["decompress"]) == 1
    assert capsys.readouterr().err.strip() == ("codelength: decompress: compressed data not read from a terminal "
                                               "(use -f to force)")


@pytest.mark.skipif(not os.path.exists("/dev/null") or os.path.isfile("/dev/null"), reason="no /dev/null device")
def test_compress_refuses_a_non_regular_file_without_a_named_output(capsys, tmp_path):
    # like gzip: compressing /dev/null must not create /dev/null.clen
    try:
        assert cli.main(["compress", "/dev/null"]) == 1
        assert "not a regular file" in capsys.readouterr().err
        assert not os.path.exists("/dev/null.clen")
    finally:
        if os.path.isfile("/dev/null.clen"):
            os.unlink("/dev/null.clen")
    # naming the output is fine
    out = tmp_path / "empty.clen"
    assert cli.main(["compress", "-o", str(out), "/dev/null"]) == 0
    assert cli.main(["decompress", "-c", str(out)]) == 0
