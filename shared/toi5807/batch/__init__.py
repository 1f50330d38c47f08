"""Many stars in one run: ``python -m toi5807 vet-batch TARGETS.csv --out DIR`` on a Dask cluster.

The target table (:mod:`.targets`), the vetting record of one target (:mod:`.record`, also what ``vet --json``
prints), the per-target worker (:mod:`.worker`) and the resumable run on dask.distributed (:mod:`.run`).
Layer: beside ``tutorial``, above ``plots``; may import every lower layer (data … plots), never ``tutorial``.
"""

from .record import input_files, vet_record
from .run import BatchSummary, run_batch
from .targets import TARGET_COLUMNS, Target, read_targets

__all__ = ["run_batch", "BatchSummary", "read_targets", "Target", "TARGET_COLUMNS", "vet_record", "input_files"]
