"""Files the service keeps: secret files written whole, mode 0600 from the moment they
exist, and durable; private directories; fsync; and a lock so processes starting at once
agree on one key."""

from __future__ import annotations

import contextlib
import fcntl
import os
import secrets
import stat
from collections.abc import Iterator
from pathlib import Path


def write_private_file(path: Path, data: bytes) -> None:
    """Writes ``data`` to ``path`` so that it only ever exists whole and with mode 0600."""
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    # The mode is given at creation: a chmod afterwards would leave a moment of umask's mode.
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
    try:
        with os.fdopen(fd, "wb") as stream:
            os.fchmod(stream.fileno(), 0o600)  # a umask may have taken bits away: exactly 0600
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        temporary.replace(path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    fsync_directory(path.parent)


def fsync(path: Path) -> None:
    """Flush ``path`` to disk. fsync flushes a file whichever descriptor wrote it, so
    SQLite's own descriptors stay untouched."""
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_directory(directory: Path) -> None:
    """Make a directory's entries (a file just made in it) durable, where the file system
    can sync a directory; where it cannot, the entries are as durable as it makes them."""
    with contextlib.suppress(OSError):
        fsync(directory)


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def make_private_directory(path: Path) -> None:
    """``path`` as a directory only its owner can enter (0700), made if missing.

    An existing directory of ours that others can read is tightened; one that is not ours,
    or is shared on purpose (the sticky bit, as /tmp has), is left as it is.
    """
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    info = path.stat()
    if info.st_uid == os.getuid() and info.st_mode & 0o077 and not info.st_mode & stat.S_ISVTX:
        path.chmod(0o700)


def make_private_file(path: Path) -> None:
    """``path`` as a file only its owner can read and write (0600), made empty if missing;
    an existing one of ours that others can read is tightened."""
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600))
    info = path.stat()
    if info.st_uid == os.getuid() and info.st_mode & 0o077:
        path.chmod(0o600)
