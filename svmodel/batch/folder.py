"""The output folder of a batch: one lock, a scratch area, and clean-up of what a killed
batch left behind.

- **Lock**: `DIR/.svmodel/lock`, held with `fcntl.flock` for the whole batch, so two batches
  writing into one folder cannot interleave their reports, index and manifest. The operating
  system releases it when the process ends, however it ends (even `kill -9`), so a lock is
  never stale. A second batch fails at once with `FolderBusy`, naming the holder's pid.
- **Scratch**: jobs on local workers write their notebook outputs under
  `DIR/.svmodel/tmp-<batch>/`, removed when the batch ends. A batch killed with `kill -9`
  cannot remove it; the next batch (holding the lock, so no other batch is running) removes
  every leftover scratch folder and every half-written `.*.tmp` file of an atomic write.
- **Full disk**: `disk_error` turns ENOSPC / EDQUOT into one `BatchDiskError` naming the folder.
"""

from __future__ import annotations

import errno
import fcntl
import os
import shutil
from pathlib import Path
from types import TracebackType

from svmodel.batch.stamps import STAMP_DIR


class FolderBusy(RuntimeError):
    """Another batch is writing into the same output folder."""


class BatchDiskError(OSError):
    """The disk (or quota) holding the output folder is full."""


def disk_error(out_dir: Path, exc: OSError) -> BatchDiskError:
    reason = "no space left on the device" if exc.errno == errno.ENOSPC else "disk quota exceeded"
    return BatchDiskError(exc.errno, f"{reason} while writing to {out_dir.resolve()}: free some "
                                     "space or choose another --out folder, then run the same "
                                     "command again (finished reports are kept and skipped)")


class OutputFolder:
    """`with OutputFolder(dir, batch_id) as folder:` holds the lock and a scratch folder."""

    def __init__(self, out_dir: Path, batch_id: str):
        self.out_dir = Path(out_dir)
        self.batch_id = batch_id
        self.meta = self.out_dir / STAMP_DIR
        self.scratch = self.meta / f"tmp-{batch_id}"
        self._lock_fd: int | None = None

    def __enter__(self) -> "OutputFolder":
        try:
            self.meta.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            if exc.errno in (errno.ENOSPC, errno.EDQUOT):
                raise disk_error(self.out_dir, exc) from None
            raise
        fd = os.open(self.meta / "lock", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "unknown"
            os.close(fd)
            raise FolderBusy(f"--out {self.out_dir}: another `svmodel report` (pid {holder}) is "
                             "writing into this folder; wait for it to finish or choose another "
                             "folder") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode("ascii"), 0)
        self._lock_fd = fd
        self.clean_leftovers()
        self.scratch.mkdir()
        return self

    def clean_leftovers(self) -> list[Path]:
        """Remove scratch folders and half-written temporary files of killed batches."""
        removed = []
        for path in self.meta.glob("tmp-*"):
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
        for folder in (self.out_dir, self.meta):
            for path in folder.glob(".*.tmp"):
                path.unlink(missing_ok=True)
                removed.append(path)
        return removed

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        shutil.rmtree(self.scratch, ignore_errors=True)
        if self._lock_fd is not None:
            os.close(self._lock_fd)  # releases the flock
            self._lock_fd = None
