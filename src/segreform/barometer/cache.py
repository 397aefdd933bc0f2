"""The barometer's data for one database, kept in memory as a :class:`~segreform.barometer.snapshot.Snapshot`
and rebuilt in the background when an import changes the data.

Only the changed datasets are read again, and the new snapshot is swapped in when complete, so nothing stale is
shown for longer than the rebuild and no request waits for it.
"""

from __future__ import annotations

import logging
import threading
import time
import weakref

from sqlalchemy import Engine

from segreform.barometer.snapshot import Snapshot
from segreform.data import queries
from segreform.data.writer import on_import


class Barometer:
    """The barometer's data for one database, cached until the loaded data change.

    Requests never wait for an import: when the data change (noticed by a cheap *data stamp*, the list of loaded
    releases, looked at most once a second, and at once after an import in this process through
    :func:`segreform.data.writer.on_import`), a new snapshot is built in a background thread, reading again only
    the datasets whose releases changed, and is swapped in when it is complete. Until then every request is
    answered from the previous snapshot.

    Parameters
    ----------
    engine : sqlalchemy.Engine
        A migrated segreform database (see ``segreform.data.loader.ensure_initialised``).
    """

    # Imports are rare; looking at the list of releases at most this often keeps requests fast.
    STAMP_INTERVAL_S = 1.0

    def __init__(self, engine: Engine):
        self.engine = engine
        self._lock = threading.RLock()
        self._stamp = None
        self._stamp_checked = float("-inf")
        self._data: Snapshot | None = None
        self._builder: threading.Thread | None = None
        self._build_again = False
        # Run on every new snapshot in the background before it is served (the web app pre-renders pages).
        self.prepare: list = []
        _LIVE_BAROMETERS.add(self)
        # Registered by the first live barometer, not at import: importing a module switches nothing on.
        on_import(_refresh_after_import)

    # -- cache control -------------------------------------------------------------------------------
    def _current_stamp(self):
        frame = queries.datasets(self.engine)
        police = len(queries.police_areas(self.engine)) if not frame.empty else 0
        rows = tuple(map(tuple, frame[["name", "vintage", "is_current", "rows"]].astype(str).to_numpy()))
        return rows, police

    @property
    def data(self) -> "Snapshot":
        """The newest complete snapshot. A change of the data (checked at most once a second) starts a
        rebuild in the background; the previous snapshot is returned until the new one is ready."""
        now = time.monotonic()
        if self._data is not None and now - self._stamp_checked < self.STAMP_INTERVAL_S:
            return self._data
        self._stamp_checked = now
        if self._data is None:
            with self._lock:
                if self._data is None:
                    self._stamp = self._current_stamp()
                    self._data = Snapshot(self.engine)
                return self._data
        if self._current_stamp() != self._stamp:
            self.refresh()
        return self._data

    def check_due(self) -> bool:
        """Whether the next :attr:`data` looks at the database (first snapshot, or the stamp is due)."""
        return self._data is None or time.monotonic() - self._stamp_checked >= self.STAMP_INTERVAL_S

    def refresh(self) -> threading.Thread:
        """Rebuild the snapshot in the background (if one is being built, once more after it); returns the
        builder thread. Requests keep getting the previous snapshot until the new one is complete."""
        with self._lock:
            if self._builder is not None and self._builder.is_alive():
                self._build_again = True
                return self._builder
            self._build_again = False
            self._builder = threading.Thread(target=self._rebuild, name="segreform-barometer-refresh", daemon=True)
            self._builder.start()
            return self._builder

    def wait_until_current(self, timeout: float = 120.0) -> bool:
        """Block until no rebuild is running (for tests, benchmarks and the CLI); False on timeout."""
        deadline = time.monotonic() + timeout
        while True:
            builder = self._builder
            if builder is None or not builder.is_alive():
                return True
            builder.join(max(0.0, deadline - time.monotonic()))
            if time.monotonic() >= deadline:
                return not builder.is_alive()

    def _rebuild(self) -> None:
        while True:
            try:
                stamp = self._current_stamp()
                previous = self._data
                changed = _changed_datasets(self._stamp, stamp) if previous is not None else None
                snapshot = Snapshot(self.engine, previous=previous, changed=changed)
                snapshot.warm()
                for prepare in list(self.prepare):
                    prepare(snapshot)
                with self._lock:
                    self._data, self._stamp = snapshot, stamp
            except Exception:  # the previous snapshot stays in service; the next change tries again
                logging.getLogger("segreform.barometer").warning("barometer refresh failed", exc_info=True)
            with self._lock:
                if not self._build_again:
                    self._builder = None if self._builder is threading.current_thread() else self._builder
                    return
                self._build_again = False


_LIVE_BAROMETERS: "weakref.WeakSet[Barometer]" = weakref.WeakSet()


def _changed_datasets(old_stamp, new_stamp) -> set[str] | None:
    """Names of datasets whose releases differ between two stamps; None when everything must be read again."""
    if not isinstance(old_stamp, tuple) or len(old_stamp) != 2 or old_stamp[1] != new_stamp[1]:
        return None

    def by_name(rows):
        found: dict[str, set] = {}
        for row in rows:
            found.setdefault(row[0], set()).add(row)
        return found

    old, new = by_name(old_stamp[0]), by_name(new_stamp[0])
    return {name for name in old.keys() | new.keys() if old.get(name) != new.get(name)}


def _refresh_after_import(engine: Engine, result) -> None:
    """After-import hook: every barometer on the same database looks at its data stamp on its next request
    (which starts the background rebuild and is answered from the old snapshot), not a second later. A
    barometer nobody asks is not rebuilt for nothing."""
    url = engine.url.render_as_string(hide_password=False)
    for barometer in list(_LIVE_BAROMETERS):
        if barometer.engine.url.render_as_string(hide_password=False) == url:
            barometer._stamp_checked = float("-inf")
    return None
