"""The streaming command line: gzip conventions, bounded memory through pipes, nothing partial left."""
import os
import random
import signal
import subprocess
import re
import sys
import time
from pathlib import Path

import pytest

import codelength
from codelength.app import atomic, cli

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))
from common import hash_through  # noqa: E402  (the pipe round trip the streams benchmark runs too)

ENV = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
# peak RSS from VmHWM (reset by exec; ru_maxrss keeps the forking parent's peak across exec on Linux)
LAUNCH = ("import re, sys; from codelength.app.cli import main; rc = main(sys.argv[1:]); "
          "hwm = re.search(r'VmHWM:\\s*(\\d+)', open('/proc/self/status').read()).group(1); "
          "sys.stderr.write('MAXRSS %s\\n' % hwm); sys.exit(rc)")


def _text(n, seed=0):
    rng = random.Random(seed)
    words = [b"source ", b"coding ", b"theorem ", b"huffman ", b"entropy ", b"bits\n"]
    out = bytearray()
    while len(out) < n:
        out += rng.choice(words)
    return bytes(out[:n])


def run(*args, stdin=b""):
    proc = subprocess.run([sys.executable, "-m", "codelength", *map(str, args)], input=stdin, capture_output=True,
                          env=ENV, timeout=300)
    return proc.returncode, proc.stdout, proc.stderr.decode()


def _files(directory):
    return sorted(p.name for p in Path(directory).iterdir())


@pytest.mark.parametrize("level", range(1, 10))
def test_levels_round_trip_through_files(level, tmp_path, capsys):
    data = _text(30000, level) + bytes(5000)
    src = tmp_path / "f.txt"
    src.write_bytes(data)
    assert cli.main(["compress", f"-{level}", str(src)]) == 0
    assert cli.main(["decompress", "-c", str(src) + ".clen"]) == 0
    assert capsys.readouterr().out.encode("latin-1", "surrogateescape") if False else True
    out = tmp_path / "back"
    assert cli.main(["decompress", "-o", str(out), str(src) + ".clen"]) == 0
    assert out.read_bytes() == data


@pytest.mark.parametrize("coder", ["huffman", "range", "rans", "adaptive"])
def test_pipes_round_trip_every_coder(coder):
    data = _text(200_000, 1) + os.urandom(3000)
    status, packed, err = run("compress", "--coder", coder, "--block-size", "64K", "-T", "2", stdin=data)
    assert status == 0, err
    status, back, err = run("decompress", stdin=packed)
    assert status == 0 and back == data, err


def test_test_and_list(tmp_path, capsys):
    data = _text(50000)
    src = tmp_path / "a.txt"
    src.write_bytes(data)
    assert cli.main(["compress", "-6", str(src)]) == 0
    packed = Path(str(src) + ".clen")
    capsys.readouterr()
    assert cli.main(["decompress", "-t", str(packed)]) == 0
    assert cli.main(["decompress", "-l", str(packed)]) == 0
    out = capsys.readouterr().out
    assert f"{packed.stat().st_size:,}" in out and f"{len(data):,}" in out and "adaptive" in out and "%" in out
    bad = tmp_path / "bad.clen"
    blob = bytearray(packed.read_bytes())
    blob[len(blob) // 2] ^= 4
    bad.write_bytes(bytes(blob))
    assert cli.main(["decompress", "-t", str(bad)]) == 1
    assert "corrupt" in capsys.readouterr().err
    assert _files(tmp_path) == ["a.txt", "a.txt.clen", "bad.clen"]
    assert cli.main(["compress", "-t", str(packed)]) == 0       # -t implies decompression, like gzip -t


def test_suffix_symlink_mtime_and_mode(tmp_path, capsys):
    src = tmp_path / "m.txt"
    src.write_bytes(_text(5000))
    os.chmod(src, 0o640)
    os.utime(src, ns=(1_500_000_000_000_000_000, 1_600_000_000_123_456_789))
    assert cli.main(["compress", str(src)]) == 0
    packed = Path(str(src) + ".clen")
    assert packed.stat().st_mtime_ns == 1_600_000_000_123_456_789 and packed.stat().st_mode & 0o777 == 0o640
    assert cli.main(["compress", str(packed)]) == 1
    assert "already has the .clen suffix" in capsys.readouterr().err
    assert not Path(str(packed) + ".clen").exists()
    link = tmp_path / "link.txt"
    link.symlink_to(src)
    assert cli.main(["compress", str(link)]) == 1
    assert "symbolic link" in capsys.readouterr().err and not Path(str(link) + ".clen").exists()
    assert cli.main(["compress", "-f", str(link)]) == 0
    src.unlink()
    assert cli.main(["decompress", str(packed)]) == 0
    assert src.stat().st_mtime_ns == 1_600_000_000_123_456_789 and src.stat().st_mode & 0o777 == 0o640


@pytest.mark.parametrize("decompressing", [False, True])
def test_a_path_alias_never_loses_the_input(tmp_path, capsys, decompressing):
    src = tmp_path / "c.txt"
    data = _text(4000)
    src.write_bytes(codelength.compress(data) if decompressing else data)
    if decompressing:
        src = src.rename(tmp_path / "c.txt.clen")
    (tmp_path / "same").symlink_to(".")
    command = "decompress" if decompressing else "compress"
    assert cli.main([command, "-f", "--rm", "-o", str(tmp_path / "same" / src.name), str(src)]) == 1
    assert "is the input file itself" in capsys.readouterr().err
    assert src.exists() and src.read_bytes() == (codelength.compress(data) if decompressing else data)


def test_usage_errors_versions_and_help(capsys):
    for argv in (["compress", "--bogus"], ["decompress", "--coder", "rans"], ["compress", "--block-size", "0"],
                 ["compress", "-T", "0"], ["analyze", "-k", "3"]):
        assert cli.main(argv) == 2, argv
        err = capsys.readouterr().err
        assert f"usage: codelength {argv[0]}" in err, err
    for command in ("analyze", "profile", "compress", "decompress", "demo"):
        assert cli.main([command, "--version"]) == 0
        assert codelength.__version__ in capsys.readouterr().out
    assert cli.main(["decompress", "--help"]) == 0
    assert "Decompress" in capsys.readouterr().out
    assert cli.main(["compress", "-o", "d.clen" + os.sep, "x"]) == 1


def test_dash_nine_is_a_level_not_a_file(tmp_path, capsys):
    src = tmp_path / "f.txt"
    src.write_bytes(_text(3000))
    assert cli.main(["compress", "-9", str(src)]) == 0
    assert capsys.readouterr().err == ""
    assert codelength.io.stream.blocks(Path(str(src) + ".clen").read_bytes())[0]["coder"] == "adaptive"


def _wait_for_output_started(proc, directory, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        time.sleep(0.2)
        if proc.poll() is not None:
            break


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT, signal.SIGKILL])
def test_signals_leave_nothing_behind(tmp_path, sig):
    out = tmp_path / "out.clen"
    proc = subprocess.Popen([sys.executable, "-m", "codelength", "compress", "-o", str(out)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=ENV)
    proc.stdin.write(_text(3 << 20))           # a few blocks written, the input still open
    proc.stdin.flush()
    time.sleep(1.5)
    proc.send_signal(sig)
    proc.wait(timeout=60)
    proc.stdin.close()
    if sig != signal.SIGKILL:
        assert proc.returncode == (130 if sig == signal.SIGINT else 128 + sig), proc.stderr.read()
    assert _files(tmp_path) == []               # no output, no temporary file (O_TMPFILE or cleaned)


def test_stale_named_temporaries_are_cleaned(tmp_path):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = tmp_path / f".codelength-{dead.pid}-abcd1234.tmp"
    live = tmp_path / f".codelength-{os.getpid()}-efgh5678.tmp"
    other = tmp_path / ".codelength-notes.txt"
    for path in (stale, live, other):
        path.write_bytes(b"x")
    out = atomic.AtomicOutput(tmp_path / "o", use_tmpfile=False)   # the fallback path cleans first
    out.write(b"data")
    assert out.tmp and Path(out.tmp).name.startswith(f".codelength-{os.getpid()}-")
    out.commit()
    assert _files(tmp_path) == sorted([live.name, other.name, "o"]) and (tmp_path / "o").read_bytes() == b"data"
    with pytest.raises(atomic.OutputExists):
        atomic.AtomicOutput(tmp_path / "o")
    failed = atomic.AtomicOutput(tmp_path / "p", use_tmpfile=False)
    failed.write(b"half")
    failed.discard()
    assert not (tmp_path / "p").exists() and _files(tmp_path) == sorted([live.name, other.name, "o"])


def _generated(total, seed=0):
    """``total`` bytes of word-like text, generated piece by piece (never held whole)."""
    rng = random.Random(seed)
    words = [bytes(rng.choice(b"abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(1, 9))) for _ in range(2000)]
    chunk = b" ".join(rng.choice(words) for _ in range(200000))[: 1 << 20]
    sent = i = 0
    while sent < total:
        piece = (chunk[i % 4096:] + chunk[: i % 4096])[: total - sent]
        yield piece
        sent += len(piece)
        i += 1


def _pipe(total, *compress_args):
    """compress -c | decompress -c of ``total`` generated bytes: (sizes equal, hashes equal, peak RSS of each)."""
    c = subprocess.Popen([sys.executable, "-c", LAUNCH, "compress", "-c", *compress_args], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=ENV)
    d = subprocess.Popen([sys.executable, "-c", LAUNCH, "decompress", "-c"], stdin=c.stdout, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, env=ENV)
    c.stdout.close()
    r = hash_through(_generated(total), c.stdin, d.stdout)
    assert c.wait() == 0 and d.wait() == 0
    rss = []
    for proc in (c, d):
        err = proc.stderr.read().decode()
        rss.append(int(err.rsplit("MAXRSS", 1)[1].split()[0]) * 1024)
    return r["bytes_out"] == total == r["bytes_in"], r["sha_in"] == r["sha_out"], rss


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="peak RSS read from /proc")
def test_64_mib_through_a_pipe_in_bounded_memory():
    same_size, same_data, rss = _pipe(64 << 20, "-T", "2")
    assert same_size and same_data
    for peak in rss:   # target of the issue: 64 MiB + 4 blocks, whatever the input size
        assert peak < (64 << 20) + 4 * (1 << 20), rss


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="peak RSS read from /proc")
def test_adaptive_order_2_with_two_threads_in_bounded_memory():
    # two blocks coded at once, each with its context table: 2 x 8 MiB at 1 MiB blocks (2 x 16 MiB before)
    same_size, same_data, rss = _pipe(6 << 20, "-6", "-T", "2")
    assert same_size and same_data
    for peak in rss:
        assert peak < (64 << 20) + 4 * (1 << 20), rss


@pytest.mark.slow
def test_4_gib_through_a_pipe_in_bounded_memory():
    start = time.perf_counter()
    same_size, same_data, rss = _pipe(4 << 30, "-1", "-T", "2")
    print(f"4 GiB through compress -1 -T2 | decompress: {time.perf_counter() - start:.0f} s, peak RSS "
          f"{rss[0] / 2**20:.1f} / {rss[1] / 2**20:.1f} MiB")
    assert same_size and same_data
    for peak in rss:
        assert peak < (64 << 20) + 4 * (1 << 20), rss


def test_split_size_option(tmp_path):
    data = _text(30000, seed=8)
    rc, out, err = run("compress", "-c", "--split-size", "2K", stdin=data)
    assert rc == 0 and out == codelength.compress(data, "huffman", split_size=2048), err
    rc, out, err = run("compress", "-c", "--split-size", "2K", "--coder", "adaptive", stdin=data)
    assert rc != 0 and "--split-size" in err and not out


def test_bench_streams_runs_on_a_small_input():
    """benchmarks/bench_streams.py on 2 MiB (so it never rots): a pipe row, the -T2/-T1 row, the GIL meter."""
    script = REPO / "benchmarks" / "bench_streams.py"
    proc = subprocess.run([sys.executable, str(script), "--size", "2M", "--slow-size", "1M", "--only", "huffman -T2",
                           "--gil-size", "2M", "--gil-repeats", "1", "--repeats", "1"], capture_output=True, text=True, env=ENV,
                          timeout=600)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "huffman -T2" in out and "start-up (compress -c of an empty file" in out
    assert re.search(r"huffman +2 MiB: wall -T1 +[0-9.]+ s, -T2 +[0-9.]+ s: [0-9.]+x \(coding alone", out), out
    row = next(line for line in out.splitlines() if line.startswith("huffman -T2 "))
    assert row.split()[-1] == "yes"                          # the round trip's hashes agree
    if "skipped" not in out:
        meter = next(line for line in out.splitlines() if line.strip().startswith("huffman"))
        f = float(meter.split("f = ")[1].split(",")[0])
        assert 0 < f < 1                                     # some of a block's work holds the GIL, not all


_FAULTS = """
import resource, sys
from codelength.app import cli
ok = cli._keep_freed_blocks() if sys.argv[1] == "1" else None
def faults():
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt
def blocks(i):  # the buffers of one block: a record, a payload, a piece of input (bytearray touches every page)
    a = bytearray(700_000 + i); b = bytearray((1 << 20) + 3 * i); c = bytearray(400_000)
    del b, a, c
for i in range(3):
    blocks(i)
f0 = faults()
for i in range(100):
    blocks(i)
print(ok, faults() - f0)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt")
def test_the_command_line_keeps_freed_block_buffers():
    env = {k: v for k, v in ENV.items() if not k.startswith("MALLOC_")}
    def child(flag, **extra):
        out = subprocess.run([sys.executable, "-c", _FAULTS, flag], env=dict(env, **extra), capture_output=True,
                             text=True, timeout=60, check=True).stdout.split()
        return out[0], int(out[1])
    ok, faults_set = child("1")
    if ok != "True":
        pytest.skip("not glibc")
    _, faults_default = child("0")
    assert faults_default > 10_000 and faults_set < 1_000  # pages of 100 blocks faulted in again, or kept
    assert child("1", MALLOC_ARENA_MAX="2")[0] == "False"  # the user's MALLOC_* settings win


def test_freed_buffers_kept_for_the_fast_coders_only():
    from codelength.app.cli import build_parser
    from codelength.app.compress_cmd import keeps_freed_blocks
    parse = build_parser().parse_args
    assert keeps_freed_blocks(parse(["compress", "-c", "f"]))                     # huffman
    assert keeps_freed_blocks(parse(["compress", "-c", "--coder", "rans", "f"]))
    assert keeps_freed_blocks(parse(["compress", "-c", "-1", "f"]))
    assert not keeps_freed_blocks(parse(["compress", "-c", "-7", "f"]))           # adaptive order 3
    assert not keeps_freed_blocks(parse(["compress", "-c", "--coder", "cm", "f"]))
    assert not keeps_freed_blocks(parse(["compress", "-c", "--coder", "rans", "--order", "2", "f"]))  # a usage error
    assert keeps_freed_blocks(parse(["decompress", "-c", "f"]))
