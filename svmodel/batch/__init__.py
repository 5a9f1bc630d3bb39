"""Many scenarios through the report notebook with papermill, locally or on Dask.

    run_batch(files, out_dir, BatchOptions(...)) -> BatchResult

Modules: `jobs` (specs and records), `shell` (the in-process warm kernel, the default),
`kernel` (warm Jupyter kernels reset between reports), `worker` (one job, never raises),
`pools` (this process, local processes, Dask; retries after a dead worker), `folder` (the
output folder's lock, scratch and clean-up), `stamps` (skip reports that are up to date),
`progress` (the progress bar), `runner` (the batch). See docs/reports.md.
"""

from svmodel.batch.jobs import FAILED, INVALID, OK, SKIPPED, JobRecord, JobSpec
from svmodel.batch.runner import BatchOptions, BatchResult, run_batch

__all__ = ["BatchOptions", "BatchResult", "FAILED", "INVALID", "JobRecord", "JobSpec", "OK",
           "SKIPPED", "run_batch"]
