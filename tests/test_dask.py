"""codelength.dask on a real distributed.LocalCluster of 2 worker processes (started once for the module).

Results must equal the single-machine functions on the concatenated bytes: on generated data cut so that
chunk boundaries fall inside n-grams, with empty files and empty partitions, on fsspec's memory://
filesystem (the stand-in for object stores) and on the corpus; a worker killed mid-computation must not
change the result; an unreachable scheduler must fail fast with a clear error.
"""
import os
import time
from pathlib import Path

import numpy as np
import pytest

distributed = pytest.importorskip("distributed")
da = pytest.importorskip("dask.array")
db = pytest.importorskip("dask.bag")
fsspec = pytest.importorskip("fsspec")

import codelength  # noqa: E402
import codelength.dask as cd  # noqa: E402
from conftest import corpus_path  # noqa: E402


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0",
                                       memory_limit="1GiB", silence_logs=40)
    with distributed.Client(cluster) as c:
        yield c
    cluster.close()


def _mixed(seed: int, n: int) -> bytes:
    rng = np.random.default_rng(seed)
    parts = [bytes(rng.integers(0, 4, n // 3, dtype=np.uint8)), b"ab" * (n // 12),
             bytes(rng.integers(0, 256, n // 3, dtype=np.uint8))]
    return b"".join(parts)


def assert_same_statistics(stats, data: bytes, max_order: int):
    """Exact counts and n-gram table sizes; H_0 .. H_k equal to the single-machine functions bit for bit."""
    reference = codelength.ContextStatistics(max_order)
    reference.update(data)
    assert stats.size == len(data)
    assert np.array_equal(stats.counts, codelength.counts(data))
    assert stats.distinct_ngrams().tolist() == reference.distinct_ngrams().tolist()
    assert stats.contexts.ngram_totals().tolist() == reference.ngram_totals().tolist()
    assert stats.entropies().tolist() == reference.entropies().tolist()
    assert stats.entropies().tolist() == codelength.context_entropies(data, max_order).tolist()


def test_dask_array_chunks_inside_ngrams(client):
    data = _mixed(1, 30_000)
    x = da.from_array(np.frombuffer(data, np.uint8), chunks=((1, 2, 3, 997, 5, 4096, 1, len(data) - 5105),))
    assert np.array_equal(cd.counts(x), codelength.counts(data))
    assert_same_statistics(cd.context_statistics(x, 5, split_every=3), data, 5)
    # tasks whose statistics spill sorted runs (the smallest memory bound): the same numbers
    assert_same_statistics(cd.context_statistics(x, 3, memory=1 << 16), data, 3)
    two_d = da.from_array(np.frombuffer(data[:24_000], np.uint8).reshape(24, 1000), chunks=(7, 250))
    assert np.array_equal(cd.counts(two_d), codelength.counts(data[:24_000]))
    assert cd.context_entropies(two_d, 2).tolist() == codelength.context_entropies(data[:24_000], 2).tolist()
    # Hblock of the array: blocks cut across the chunks, as analyze's of the whole
    from codelength.app.report import analyze
    bounds = {b.name: b for b in cd.bounds(two_d, order=2, block_size=1000)}
    single = analyze(data[:24_000], order=2, coders=False, block_size=1000)
    assert [b for b in bounds.values()] == list(single.bounds)


def test_dask_bag_with_empty_and_short_records(client):
    rng = np.random.default_rng(2)
    data = _mixed(2, 20_000)
    cuts = np.sort(rng.integers(0, len(data), 300))
    records = [data[a:b] for a, b in zip(np.r_[0, cuts], np.r_[cuts, len(data)])] + [b"", b"", b"x"]
    bag = db.from_sequence(records, npartitions=17)
    joined = b"".join(records)
    assert_same_statistics(cd.context_statistics(bag, 7), joined, 7)
    assert [b.name for b in cd.bounds(bag, order=2)] == ["H0", "H1", "H2"]


def test_memory_filesystem_files_empty_files_and_globs(client):
    fs = fsspec.filesystem("memory")
    contents = [_mixed(3, 5000), b"", b"z", _mixed(4, 7777), b"", b"tail" * 50]
    for i, content in enumerate(contents):
        fs.pipe(f"/cl-test/f{i}.bin", content)
    # the cluster's worker processes have their own memory filesystem: copy the files there
    client.run(_put_files, [(f"/cl-test/f{i}.bin", c) for i, c in enumerate(contents)])
    joined = b"".join(contents)
    urls = "memory://cl-test/f*.bin"
    assert np.array_equal(cd.counts(urls, chunk_size=1000), codelength.counts(joined))
    assert_same_statistics(cd.context_statistics(urls, 4, chunk_size=777), joined, 4)
    listed = [f"memory://cl-test/f{i}.bin" for i in (5, 0)]
    assert_same_statistics(cd.context_statistics(listed, 3, chunk_size=100), contents[5] + contents[0], 3)


def _put_files(files):
    fs = fsspec.filesystem("memory")
    for path, content in files:
        fs.pipe(path, content)


def test_per_file_reports_and_corpus_total(client, tmp_path):
    from codelength.app.report import analyze, csv_row
    contents = {"a.txt": _mixed(5, 3000), "b.bin": b"", "c.txt": b"hello world " * 300}
    for name, content in contents.items():
        (tmp_path / name).write_bytes(content)
    paths = [str(tmp_path / n) for n in contents]
    frame = cd.report_frame(paths, order=2).compute()
    assert frame["source"].tolist() == paths
    for row, path in zip(frame.to_dict("records"), paths):
        assert row == {k: v for k, v in csv_row(analyze(path, order=2)).items() if not k.endswith("_seconds")}
    result = cd.analyze_corpus(str(tmp_path / "*"), order=2, coders=False, chunk_size=512, block_size=1000)
    assert [r.size_bytes for r in result.reports] == [len(c) for c in contents.values()]
    assert_same_statistics(result.total, b"".join(contents.values()), 2)
    # the corpus total's bounds (H0 .. H2 and Hblock, blocks across chunks and files) are analyze's of the
    # concatenation, field for field
    single = analyze(b"".join(contents.values()), order=2, coders=False, block_size=1000)
    assert result.total_bounds() == list(single.bounds)
    assert [b.name for b in result.total_bounds()] == ["H0", "H1", "H2", "Hblock"]


def test_corpus_equals_single_machine(client):
    paths = [str(corpus_path(name)) for name in ("alice29.txt", "fireworks.jpeg", "paper-100k.pdf")]
    joined = b"".join(Path(p).read_bytes() for p in paths)
    stats = cd.context_statistics(paths, 3, chunk_size=100_003)
    assert_same_statistics(stats, joined, 3)


def _slow_partition(i: int) -> bytes:
    time.sleep(0.15)
    return _mixed(100 + i, 3000)


def test_worker_killed_mid_computation_gives_the_exact_result(client):
    pieces = [_mixed(100 + i, 3000) for i in range(24)]
    bag = db.from_sequence(range(24), npartitions=24).map(_slow_partition)
    future = client.compute(cd.statistics_graph(bag, max_order=3))
    time.sleep(0.6)
    victim = sorted(client.scheduler_info()["workers"])[0]
    client.run(os._exit, 1, workers=[victim], on_error="ignore")  # the nanny restarts it; its tasks run again elsewhere
    stats = future.result(timeout=60)
    assert_same_statistics(stats, b"".join(pieces), 3)


def test_unreachable_scheduler_fails_fast():
    start = time.monotonic()
    with pytest.raises(OSError):
        distributed.Client("tcp://127.0.0.1:9", timeout="2s")
    assert time.monotonic() - start < 15


def test_bad_sources(client):
    with pytest.raises(TypeError):
        cd.counts(12)
    with pytest.raises(TypeError):
        cd.counts(da.zeros(10, dtype=np.int32))
    with pytest.raises(FileNotFoundError):
        cd.counts("memory://nothing-here/*.bin")
    with pytest.raises(TypeError):
        cd.counts(db.from_sequence(["text"], npartitions=1))
    with pytest.raises(ValueError):
        cd.context_statistics(db.from_sequence([b"a"]), 8)


def test_record_stats_map_partitions(client):
    pd = pytest.importorskip("pandas")
    dd = pytest.importorskip("dask.dataframe")
    texts = [f"record {i} " * (i % 7) for i in range(500)]
    frame = dd.from_pandas(pd.DataFrame({"text": texts}), npartitions=5)
    result = cd.record_stats(frame["text"]).compute()
    expected = codelength.record_stats(texts).to_pandas()
    assert result.reset_index(drop=True).equals(expected)


def test_cli_scheduler_matches_single_machine(client, tmp_path, capsys):
    from codelength.app.cli import main
    for name, content in (("one.txt", _mixed(7, 4000)), ("two.bin", b"\x00" * 100 + b"xyz")):
        (tmp_path / name).write_bytes(content)
    inputs = [str(tmp_path), str(tmp_path / "one.txt")]
    assert main(["analyze", "--csv", "-q", "-O", "2", *inputs]) == 0
    single = capsys.readouterr().out
    assert main(["analyze", "--csv", "-q", "-O", "2", "--scheduler", client.scheduler.address, *inputs]) == 0
    assert capsys.readouterr().out == single
    # a missing input fails alone (status 1), the others are still reported
    assert main(["analyze", "-q", "--no-coders", "--scheduler", client.scheduler.address,
                 str(tmp_path / "nope"), str(tmp_path / "one.txt")]) == 1
    captured = capsys.readouterr()
    assert "nope: No such file or directory" in captured.err and "one.txt" in captured.out


def test_cli_workers_and_unreachable_scheduler(tmp_path, capsys):
    from codelength.app.cli import main
    path = tmp_path / "data.bin"
    path.write_bytes(_mixed(8, 3000))
    assert main(["analyze", "--json", "-q", "--no-coders", "--workers", "1", str(path)]) == 0
    import json
    report = json.loads(capsys.readouterr().out)
    assert report["size_bytes"] == path.stat().st_size and report["source"] == str(path)
    start = time.monotonic()
    assert main(["analyze", "-q", "--scheduler", "tcp://127.0.0.1:9", "--connect-timeout", "1", str(path)]) == 1
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in capsys.readouterr().err
    assert time.monotonic() - start < 20
    assert main(["analyze", "--workers", "0", str(path)]) == 2
    assert main(["analyze", "--workers", "2", "--scheduler", "tcp://x:1", str(path)]) == 2
