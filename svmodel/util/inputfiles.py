"""Reading an input file safely: a regular file of bounded size, or a clear error.

Every reader of user files (scenarios, proxy packs, tender specifications, frameworks, bids,
scores, delivery returns, workbooks) goes through `read_bounded`, so a FIFO never hangs,
``/dev/zero`` never fills memory and a huge file is refused before it is read.

The file is opened without blocking (``O_NONBLOCK``: opening a FIFO with no writer would
otherwise wait for ever) and checked with ``fstat`` on the open descriptor, so a path
swapped between a check and the read cannot slip through; at most `limit` + 1 bytes are
ever read, even when the size reported by the file system is wrong (``/proc`` files).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path


class InputFileError(OSError):
    """A path that is not a regular file, or a file too large to read.

    An OSError, so callers that report `exc.strerror` for unreadable files report this too.
    """

    def __init__(self, message: str):
        super().__init__(None, message)

    def __str__(self) -> str:
        return str(self.strerror)


def size_text(size: float) -> str:
    """1536 -> '1.5 KB' (binary multiples, as file managers show)."""
    for unit in ("bytes", "KB", "MB", "GB", "TB"):
        if size < 1024 or unit == "TB":
            return f"{size:,.0f} {unit}" if unit == "bytes" else f"{size:,.1f} {unit}"
        size /= 1024
    return f"{size:,.1f} TB"  # pragma: no cover


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def read_bounded(path: str | os.PathLike[str], limit: int) -> bytes:
    """The bytes of `path`, which must be a regular file of at most `limit` bytes.

    Raises FileNotFoundError / PermissionError as open() does, and InputFileError for a
    folder, FIFO, device or socket, or a file over the limit.
    """
    path = Path(path)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except IsADirectoryError:
        raise InputFileError("is a folder, not a file") from None
    except ValueError:  # an embedded NUL byte in the path
        raise InputFileError("the file name contains a NUL byte") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise InputFileError(f"is {_kind(info.st_mode)}, not a regular file; give an ordinary file")
        if info.st_size > limit:
            raise InputFileError(f"is {size_text(info.st_size)}; the largest file svmodel reads here is "
                                 f"{size_text(limit)}")
        chunks, total = [], 0
        while True:
            chunk = os.read(fd, min(1 << 20, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:
                raise InputFileError(f"is larger than {size_text(limit)}, the largest file svmodel "
                                     "reads here")
        return b"".join(chunks)
    finally:
        os.close(fd)


def read_text_bounded(path: str | os.PathLike[str], limit: int, encoding: str = "utf-8") -> str:
    """`read_bounded` decoded; raises UnicodeDecodeError for text that is not `encoding`."""
    return read_bounded(path, limit).decode(encoding)
