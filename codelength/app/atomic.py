"""Outputs that appear only when complete: never a partial file, whatever stops the command.

On Linux the output is written to an unnamed file (``O_TMPFILE``) in the target's directory and
linked into place when complete (``linkat`` through ``/proc/self/fd``), so nothing can be orphaned,
not even by SIGKILL. Elsewhere (or on file systems without ``O_TMPFILE``) it is written to
``.codelength-<pid>-XXXXXXXX.tmp`` in the same directory and renamed; such a file left by a killed
run (its pid no longer alive) is removed by the next run that writes into that directory.
"""
from __future__ import annotations

import errno
import os
import re
import tempfile

__all__ = ["AtomicOutput", "clean_stale", "TEMP_PREFIX", "TEMP_SUFFIX"]

TEMP_PREFIX, TEMP_SUFFIX = ".codelength-", ".tmp"
_STALE = re.compile(r"^\.codelength-(\d+)-[A-Za-z0-9_]+\.tmp$")


class OutputExists(Exception):
    """The output appeared (or was there) and overwriting was not allowed."""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OverflowError:
        return False
    return True


def clean_stale(directory: str) -> list:
    """Remove temporary files of earlier runs that were killed (their pid is gone); return their names."""
    removed = []
    try:
        names = os.listdir(directory)
    except OSError:
        return removed
    for name in names:
        match = _STALE.match(name)
        if match and int(match.group(1)) != os.getpid() and not _alive(int(match.group(1))):
            try:
                os.unlink(os.path.join(directory, name))
                removed.append(name)
            except OSError:
                pass
    return removed


class AtomicOutput:
    """A binary file that becomes ``path`` on :meth:`commit` and leaves nothing on :meth:`discard`.

    ``force``: replace an existing ``path`` (else :class:`OutputExists`, checked again at commit).
    """

    def __init__(self, path, *, force: bool = False, use_tmpfile: bool = True):
        self.path = os.fspath(path)
        self.force = force
        self.directory = os.path.dirname(os.path.abspath(self.path))
        if not force and os.path.lexists(self.path):
            raise OutputExists(self.path)
        self.tmp = None
        fd = None
        if use_tmpfile and hasattr(os, "O_TMPFILE") and os.path.isdir("/proc/self/fd"):
            try:
                fd = os.open(self.directory, os.O_TMPFILE | os.O_WRONLY | getattr(os, "O_CLOEXEC", 0), 0o600)
            except OSError as exc:
                if exc.errno not in (errno.EOPNOTSUPP, errno.EISDIR, errno.EINVAL, errno.ENOENT) or \
                        not os.path.isdir(self.directory):
                    raise
                fd = None
        if fd is None:
            clean_stale(self.directory)
            fd, self.tmp = tempfile.mkstemp(prefix=f"{TEMP_PREFIX}{os.getpid()}-", suffix=TEMP_SUFFIX,
                                            dir=self.directory)
        self.file = os.fdopen(fd, "wb")

    def write(self, data) -> int:
        return self.file.write(data)

    def commit(self, *, mode: int | None = None, times_ns=None) -> None:
        """Flush, apply ``mode`` / ``times_ns`` (atime, mtime), sync and put the file in place."""
        f = self.file
        f.flush()
        fd = f.fileno()
        if mode is not None:
            os.chmod(fd, mode)
        if times_ns is not None:
            os.utime(fd, ns=times_ns)
        os.fsync(fd)
        try:
            if self.tmp is None:
                source = f"/proc/self/fd/{fd}"
                # os.link only calls linkat(..., AT_SYMLINK_FOLLOW), which links the open file rather
                # than the /proc symlink, when given a directory fd (ignored for an absolute path)
                dir_fd = os.open(self.directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
                if self.force:
                    # link under a temporary name, then rename over the old file (atomic replace)
                    name = tempfile.mktemp(prefix=f"{TEMP_PREFIX}{os.getpid()}-", suffix=TEMP_SUFFIX,
                                           dir=self.directory)
                    try:
                        os.link(source, name, src_dir_fd=dir_fd, follow_symlinks=True)
                    finally:
                        os.close(dir_fd)
                    try:
                        os.replace(name, self.path)
                    except BaseException:
                        os.unlink(name)
                        raise
                else:
                    try:
                        os.link(source, self.path, src_dir_fd=dir_fd, follow_symlinks=True)
                    except FileExistsError:
                        raise OutputExists(self.path) from None
                    finally:
                        os.close(dir_fd)
            else:
                if self.force:
                    os.replace(self.tmp, self.path)
                else:
                    try:
                        os.link(self.tmp, self.path)   # never replaces: an output that appeared is kept
                    except FileExistsError:
                        raise OutputExists(self.path) from None
                    os.unlink(self.tmp)
                self.tmp = None
        finally:
            self.discard()

    def discard(self) -> None:
        """Close and remove the temporary file (idempotent)."""
        try:
            if not self.file.closed:
                self.file.close()
        finally:
            if self.tmp is not None:
                try:
                    os.unlink(self.tmp)
                except FileNotFoundError:
                    pass
                self.tmp = None
