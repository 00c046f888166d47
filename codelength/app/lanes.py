"""Run the rows of a report side by side: each row is a *lane* fed the input in order, on a few threads.

:func:`codelength.app.report.analyze` reads its input once; every piece goes to each lane (the
statistics, zlib, bz2, lzma, this library's coders). A lane is a thread with a short queue, and a
semaphore lets at most ``threads`` lanes compute at once, so the standard-library compressors (which
release the GIL) and the library's kernels (which release it too) run in parallel on that many cores.
Pieces are immutable ``bytes`` shared by all lanes: memory is the queued pieces (``QUEUE_DEPTH`` per
lane at most) plus what each lane holds, whatever the input size.

Progress is counted in *work*: each lane has a cost per byte (:data:`COST`, seconds per MiB measured on
one core of the reference machine), so the progress total is the estimated CPU time of the whole
analysis and the ETA stays steady while fast lanes finish early and slow ones go on.
"""
from __future__ import annotations

import queue
import threading

#: Items (pieces, chunks or sample blocks) a lane may have waiting; the reader blocks past it.
QUEUE_DEPTH = 3
#: Estimated CPU seconds per MiB of input of each lane on one core (mixed data; coders include the
#: decoding that checks them). Only the ratios matter: they weight the progress bar.
COST = {"stats": 0.08, "stats-low": 0.004, "measures": 0.01, "zlib": 0.11, "bz2": 0.16, "lzma": 0.7, "huffman": 0.008,
        "range": 0.02, "rans": 0.014, "adaptive": 0.4, "cm": 1.0}
DEFAULT_COST = 0.1
_STOP = object()


class Lane:
    """One row of work: ``feed(item)`` in order, then ``finish()`` (its return value is the lane's
    result). ``cost`` is the CPU seconds per MiB used to weight progress; ``work`` the bytes it will be
    fed (None if unknown)."""

    name = "lane"

    def __init__(self, name: str, cost: float | None = None, work: int | None = None):
        self.name = name
        self.cost = COST.get(name, DEFAULT_COST) if cost is None else cost
        self.work = work

    def feed(self, item) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def finish(self):  # pragma: no cover - overridden
        return None

    @staticmethod
    def item_size(item) -> int:
        """Bytes of input an item stands for (its length)."""
        return len(item)


class _Worker(threading.Thread):
    def __init__(self, lane: Lane, gate: threading.Semaphore, report):
        super().__init__(name=f"codelength-{lane.name}", daemon=True)
        self.lane, self.gate, self.report = lane, gate, report
        self.items: queue.Queue = queue.Queue(maxsize=QUEUE_DEPTH)
        self.result = None
        self.error: BaseException | None = None

    def run(self) -> None:
        while True:
            item = self.items.get()
            if item is _STOP:
                break
            if self.error is not None:
                continue  # drain: a failed lane takes no more work, but the reader must not block
            try:
                with self.gate:
                    self.lane.feed(item)
                self.report(self.lane, self.lane.item_size(item))
            except BaseException as exc:  # handed to the caller of finish()
                self.error = exc
        if self.error is None:
            try:
                with self.gate:
                    self.result = self.lane.finish()
            except BaseException as exc:
                self.error = exc


class LaneRunner:
    """Feed items to lanes running on ``threads`` cores at most; ``finish()`` returns ``{name: result}``
    and ``{name: exception}`` for lanes that raised.

    ``progress(units)`` is called with whole units as lanes finish items; the units of a run that
    succeeds add up to ``total`` exactly (default: the sum of the lanes' bytes), each lane's share in
    proportion to its cost.
    """

    def __init__(self, lanes, threads: int = 2, progress=None, total: float | None = None):
        if threads < 1:
            raise ValueError(f"threads must be at least 1, got {threads}")
        self.lanes = list(lanes)
        self.progress = progress
        self._lock = threading.Lock()
        self._done = 0.0     # units of work done (float: each lane's share is a fraction)
        self._emitted = 0    # whole units reported to ``progress``
        weights = {lane.name: lane.cost * (lane.work or 0) for lane in self.lanes}
        whole = sum(weights.values())
        if total is None:
            total = sum(lane.work or 0 for lane in self.lanes)
        self.total = int(total)
        # units per byte of each lane: its cost share of the total
        self._scale = {lane.name: (total * lane.cost / whole if whole else 0.0) for lane in self.lanes}
        gate = threading.Semaphore(threads)
        self._workers = {lane.name: _Worker(lane, gate, self._report) for lane in self.lanes}
        for worker in self._workers.values():
            worker.start()

    def _report(self, lane: Lane, nbytes: int) -> None:
        if self.progress is not None and nbytes:
            with self._lock:
                self._done += nbytes * self._scale[lane.name]
                self._emit(min(int(self._done), self.total))

    def _emit(self, target: int) -> None:
        # whole units only, so that the reports add up to ``total`` exactly
        if target > self._emitted:
            step, self._emitted = target - self._emitted, target
            self.progress(step)

    def feed(self, name: str, item) -> None:
        """Queue ``item`` for the lane ``name`` (blocks while its queue is full)."""
        self._workers[name].items.put(item)

    def feed_all(self, item, names=None) -> None:
        for name in (self._workers if names is None else names):
            self.feed(name, item)

    def finish(self):
        for worker in self._workers.values():
            worker.items.put(_STOP)
        results, errors = {}, {}
        for name, worker in self._workers.items():
            worker.join()
            if worker.error is not None:
                errors[name] = worker.error
            else:
                results[name] = worker.result
        if self.progress is not None and not errors:
            with self._lock:
                self._emit(self.total)
        return results, errors

    def abort(self) -> None:
        """Stop every lane without finishing (after the reader failed)."""
        for worker in self._workers.values():
            worker.error = worker.error or RuntimeError("aborted")
            worker.items.put(_STOP)
        for worker in self._workers.values():
            worker.join()
