"""The batch's progress bar: reports done, failed and skipped, the rate and the time left.

One tqdm bar over every scenario file. Skipped (up to date) and invalid files count at once;
the estimate of the time left uses only the reports actually run (tqdm's rate over the
updates since the first report ran), so a folder of mostly skipped reports does not promise
an instant finish. The bar is left on screen when the batch ends (`leave=True`), showing the
final counts. Shown only when stderr is a terminal unless asked for.
"""

from __future__ import annotations

import time
from types import TracebackType
from typing import Any

from svmodel.batch.jobs import FAILED, INVALID, OK, SKIPPED, JobRecord


class Progress:
    def __init__(self, total: int, enabled: bool | None = None):
        from tqdm import tqdm

        self.counts = {OK: 0, FAILED: 0, SKIPPED: 0, INVALID: 0}
        self.bar: Any = tqdm(total=total, unit="report", desc="svmodel report", leave=True,
                             disable=None if enabled is None else not enabled, dynamic_ncols=True,
                             smoothing=0.1,
                             bar_format="{desc}: {percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt} "
                                        "[{elapsed}<{remaining}, {rate_fmt}] {postfix}")
        self._ran = False

    def text(self) -> str:
        c = self.counts
        parts = [f"{c[OK]} done", f"{c[FAILED] + c[INVALID]} failed", f"{c[SKIPPED]} skipped"]
        return ", ".join(parts)

    def record(self, record: JobRecord) -> None:
        self.counts[record.status] = self.counts.get(record.status, 0) + 1
        if self.bar.disable:
            return
        if record.status in (SKIPPED, INVALID) and not self._ran:
            # Instant results before any report ran: count them without letting them set
            # the rate (tqdm measures from the last `unpause`/reset point).
            self.bar.n += 1
            self.bar.last_print_n = self.bar.n
            self.bar.start_t = time.time()
            self.bar.initial = self.bar.n
        else:
            self._ran = True
            self.bar.update(1)
        self.bar.set_postfix_str(self.text(), refresh=True)

    def __enter__(self) -> "Progress":
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.bar.set_postfix_str(self.text(), refresh=False)
        self.bar.close()  # leave=True: the final line, with the counts, stays on screen
