"""Staged datasets: a large import is written in batches under a hidden name, and what a failed or killed
import left behind is deleted (see :func:`segreform.data.writer.write_release`).
"""

from __future__ import annotations

import json
import os
import socket
from datetime import datetime, timezone

from sqlalchemy import Engine, delete, select

from segreform.store.db import transaction
from segreform.store.models.data import Dataset, Observation

# Datasets being written in batches carry this name prefix until their last batch is in; no query shows them.
STAGING_PREFIX = "~staging:"
# Observations deleted per transaction when a staged dataset is discarded (other writers wait for one batch).
DISCARD_BATCH_ROWS = 25_000


def staging_owner() -> dict:
    """What a staged dataset records about the process writing it (see :func:`discard_stale_staging`)."""
    return {"pid": os.getpid(), "host": socket.gethostname()}


def discard(engine: Engine, dataset_id: int) -> None:
    """Delete a staged dataset (its observations go with it, in batches so other writers are not held up)."""
    while True:
        with transaction(engine) as db:
            conn = db.connection()
            ids = conn.execute(select(Observation.id).where(Observation.dataset_id == dataset_id)
                               .limit(DISCARD_BATCH_ROWS)).scalars().all()
            if not ids:
                conn.execute(delete(Dataset).where(Dataset.id == dataset_id))
                return
            conn.execute(delete(Observation).where(Observation.id.in_(ids)))


def discard_stale_staging(engine: Engine) -> int:
    """Delete staged datasets whose import is no longer running (killed); return how many.

    A staged dataset names the process that writes it; it is stale when that process (on this host) is gone,
    or, from another host, after a day.
    """
    with engine.connect() as conn:
        staged = conn.execute(
            select(Dataset.id, Dataset.metadata_json, Dataset.imported_at).where(Dataset.name.startswith(STAGING_PREFIX))
        ).all()
    stale = []
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    for row in staged:
        owner = (json.loads(row.metadata_json or "{}") or {}).get("staging") or {}
        if owner.get("host") == socket.gethostname():
            if not _process_alive(owner.get("pid")):
                stale.append(row.id)
        elif (now - row.imported_at).total_seconds() > 86400:
            stale.append(row.id)
    for dataset_id in stale:
        discard(engine, dataset_id)
    return len(stale)


def _process_alive(pid) -> bool:
    if not isinstance(pid, int) or pid <= 0:
        return False
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
