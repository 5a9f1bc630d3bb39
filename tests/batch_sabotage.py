"""Pool jobs for tests/test_batch_faults.py: one that dies half-way through sending its result,
as a worker killed at the worst moment does, and one that reports where it runs. They must be
importable by the pool's worker processes."""

from __future__ import annotations

import gc
import os
import signal
import struct
import time
from pathlib import Path

from svmodel.batch.jobs import JobOutcome, JobRecord, JobSpec


def die_while_sending_result(spec: JobSpec) -> JobOutcome:
    """The first job (per marker file) takes the executor's result-pipe lock, writes a message
    header announcing 1,000 bytes and 10 of them, and kills its own process; later jobs, and
    the same job when it is run again, finish normally."""
    marker = Path(spec.parameters["marker"])
    if spec.name == "saboteur" and not marker.exists():
        marker.write_text("sabotaged", encoding="utf-8")
        time.sleep(0.3)  # let the other worker take its job first
        from multiprocessing.queues import SimpleQueue

        queue = next(o for o in gc.get_objects() if isinstance(o, SimpleQueue))  # the result queue
        queue._wlock.acquire()
        queue._writer._send(struct.pack("!i", 1000) + b"x" * 10)
        os.kill(os.getpid(), signal.SIGKILL)
    time.sleep(0.5)
    return JobOutcome(spec=spec, record=JobRecord(name=spec.name, scenario="", status="ok"))


def where_am_i(spec: JobSpec) -> JobOutcome:
    """A job that reports the worker's environment variable SVMODEL_TEST_MARK, its folder and
    its process id in the record's message."""
    import json

    message = json.dumps({"mark": os.environ.get("SVMODEL_TEST_MARK"), "cwd": os.getcwd(),
                          "pid": os.getpid(), "ppid": os.getppid()})
    return JobOutcome(spec=spec, record=JobRecord(name=spec.name, scenario="", status="ok",
                                                  message=message))
