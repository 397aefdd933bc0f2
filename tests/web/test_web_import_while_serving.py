"""Imports never freeze or fail the web (issue 11, findings 4 and 5), on SQLite and PostgreSQL.

- After an import, the barometer answers from its previous snapshot at once while the new one is built in the
  background, reading only the datasets the import touched; the new values appear once it is ready.
- A large import is written in batches into a staged dataset: other writers are never refused meanwhile
  (20 concurrent writers, nothing lost), and a failed or killed import leaves no trace.
"""

from __future__ import annotations

import json
import threading
import time
from datetime import datetime, timezone

import pandas as pd
import pytest
from sqlalchemy import func, insert, select

from segreform.barometer.cache import Barometer
from segreform.barometer.segregation import BOOTSTRAP_DRAWS
from segreform.data import bundled, queries, writer
from segreform.data.errors import DataInputError
from segreform.data.px import import_px
from segreform.data.writer import STAGING_PREFIX, Release, discard_stale_staging, write_release
from segreform.store import transaction
from segreform.store.models.data import Dataset, Observation
from segreform.store.models.programme import AuditEntry


def scaled_px_export(path, groups: int, *, bad_cell_at_end: bool = False):
    """The bundled RegSO PX export with its body repeated ``groups`` times, kön relabelled "grupp N"."""
    lines = [line.rstrip("\r") for line in bundled.FODELSEREGION_PX_EXPORT.read_bytes().decode("utf-8-sig").split("\n")]
    end = next(i for i, line in enumerate(lines[1:], start=1) if not line.strip())
    body = [line for line in lines[1:end] if line.strip()]
    out = [lines[0]]
    for group in range(1, groups + 1):
        out += [f'{head}"grupp {group}"{tail}' for head, tail in (line.rsplit('"totalt"', 1) for line in body)]
    if bad_cell_at_end:
        out[-1] = out[-1].rsplit(",", 1)[0] + ",12x"
    path.write_text("\n".join(out) + "\n", encoding="utf-8")
    return path, len(body) * groups * 4


def probe_release(name: str, value: float) -> Release:
    frame = pd.DataFrame({
        "variable": ["b2_probe"], "area_level": ["kommun"], "area_version": ["2025"], "area_code": ["0180"],
        "year": [2020], "value": [value], "missing_marker": [None], "reference_year": [2020], "area_match": [None],
    })
    return Release(name=name, source="test", source_table="test", content_sha256=f"{name}-{value}",
                   observations=frame, variables={"b2_probe": ("persons", "probe")}, vintage=f"v{value}")


def test_requests_are_answered_from_the_old_snapshot_until_the_new_one_is_ready(loaded_engine, monkeypatch):
    barometer = Barometer(loaded_engine)
    old = barometer.data
    assert "b2_probe" not in set(old.observations["variable"])
    old_indices = old.segregation_indices("kommun", bootstrap=BOOTSTRAP_DRAWS)
    held = threading.Event()
    barometer.prepare.append(lambda snapshot: held.wait(120))  # keeps the rebuild open until released
    reads = []
    real_observations = queries.observations
    monkeypatch.setattr(queries, "observations", lambda *a, **k: reads.append(k) or real_observations(*a, **k))

    write_release(loaded_engine, probe_release("b2_probe_dataset", 42.0))  # the next request starts the rebuild
    started = time.perf_counter()
    assert barometer.data is old  # the import's hook made this request look at the stamp: rebuild started
    assert barometer._builder is not None
    for _ in range(2):
        barometer._stamp_checked = float("-inf")  # as if a second had passed: the stamp is looked at again
        assert barometer.data is old
    answered_in = time.perf_counter() - started
    assert barometer._builder is not None and barometer._builder.is_alive()
    assert "b2_probe" not in set(barometer.data.observations["variable"])

    held.set()
    assert barometer.wait_until_current(180)
    new = barometer.data
    assert new is not old
    probe = new.observations[new.observations["variable"] == "b2_probe"]
    assert probe[["area_code", "year", "value"]].values.tolist() == [["0180", 2020, 42.0]]
    # Only the touched dataset was read again; everything else came from the old snapshot.
    assert reads and all(call.get("dataset") == "b2_probe_dataset" for call in reads), reads
    assert len(new.observations) == len(old.observations) + 1
    # The import carried no segregation inputs: the indices (with their bootstrap) were kept, not recomputed.
    assert new.segregation_indices("kommun", bootstrap=BOOTSTRAP_DRAWS) is old_indices
    print(f"old snapshot answered 3 requests in {answered_in * 1000:.1f} ms during the rebuild")

    # A second release of the same dataset replaces the value (the old vintage stops being current).
    write_release(loaded_engine, probe_release("b2_probe_dataset", 43.0))
    assert barometer.data is new  # answered at once; the rebuild runs behind it
    assert barometer.wait_until_current(180)
    probe = barometer.data.observations.query("variable == 'b2_probe'")
    assert probe["value"].tolist() == [43.0]


def test_the_web_answers_during_a_rebuild(loaded_engine, client):
    barometer = client.app.state.barometer
    before = client.get("/api/kommun/0180")
    assert before.status_code == 200
    held = threading.Event()
    pre_rendering, barometer.prepare = barometer.prepare, [lambda snapshot: held.wait(120)]  # (not all 580 pages)
    try:
        write_release(loaded_engine, probe_release("b2_probe_web", 7.0))
        started = time.perf_counter()
        during = client.get("/api/kommun/0180")
        took = time.perf_counter() - started
        assert during.status_code == 200 and during.json() == before.json()
        assert barometer._builder is not None and barometer._builder.is_alive()
    finally:
        held.set()
    assert barometer.wait_until_current(300)
    barometer.prepare = pre_rendering
    print(f"/api/kommun/0180 during the rebuild: {took * 1000:.1f} ms")


def _audit_count(engine, actor_prefix: str) -> int:
    with engine.connect() as conn:
        return conn.execute(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.actor.startswith(actor_prefix))
        ).scalar_one()


def test_an_import_while_20_writers_write_refuses_none_and_loses_nothing(loaded_engine, tmp_path, monkeypatch):
    monkeypatch.setattr(writer, "BATCH_ROWS", 4_000)  # many batches from a file small enough for a test
    export, values = scaled_px_export(tmp_path / "regso_fodelseregion_grupper.csv", groups=3)
    assert values > 10 * writer.BATCH_ROWS
    failures, waits, done = [], [], threading.Event()
    writes_per_writer = 15

    def write(n: int) -> None:
        for i in range(writes_per_writer):
            started = time.perf_counter()
            try:
                with transaction(loaded_engine) as db:
                    db.execute(insert(AuditEntry).values(
                        at=datetime.now(timezone.utc), actor=f"b2-writer-{n}", action="note", entity="test",
                        entity_id=str(i), detail={"n": n, "i": i},
                    ))
            except Exception as exc:  # any refusal is a failure of the test
                failures.append(f"writer {n} write {i}: {type(exc).__name__}: {exc}")
            waits.append(time.perf_counter() - started)
            time.sleep(0.05)

    importer_result = {}

    def run_import() -> None:
        try:
            importer_result["result"] = import_px(loaded_engine, export, name="b2_concurrent_import")
        except Exception as exc:
            importer_result["error"] = exc
        finally:
            done.set()

    importer = threading.Thread(target=run_import)
    writers = [threading.Thread(target=write, args=(n,)) for n in range(20)]
    importer.start()
    for thread in writers:
        thread.start()
    for thread in writers + [importer]:
        thread.join(600)
    assert "error" not in importer_result, importer_result.get("error")
    assert failures == []
    assert _audit_count(loaded_engine, "b2-writer-") == 20 * writes_per_writer
    result = importer_result["result"]
    assert result.status == "imported" and result.rows == values and result.is_current
    stored = queries.observations(loaded_engine, dataset="b2_concurrent_import", geography="all")
    assert len(stored) == values
    assert queries.datasets(loaded_engine).query("name == 'b2_concurrent_import'")["rows"].tolist() == [values]
    print(f"{len(waits)} writes during the import; longest wait {max(waits):.2f} s")


def _staged(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(
            select(func.count()).select_from(Dataset).where(Dataset.name.startswith(STAGING_PREFIX))
        ).scalar_one()


def _observation_count(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(Observation)).scalar_one()


def test_a_failed_batched_import_leaves_no_trace(loaded_engine, tmp_path, monkeypatch):
    monkeypatch.setattr(writer, "BATCH_ROWS", 4_000)
    export, _values = scaled_px_export(tmp_path / "bad_at_the_end.csv", groups=2, bad_cell_at_end=True)
    datasets_before = queries.datasets(loaded_engine)
    observations_before = _observation_count(loaded_engine)
    with pytest.raises(DataInputError, match="'12x' is not a number"):
        import_px(loaded_engine, export, name="b2_fails_late")
    assert _staged(loaded_engine) == 0
    assert _observation_count(loaded_engine) == observations_before
    pd.testing.assert_frame_equal(queries.datasets(loaded_engine), datasets_before)


def test_rows_of_a_killed_import_are_invisible_and_discarded_by_the_next(loaded_engine):
    observations_before = _observation_count(loaded_engine)
    with transaction(loaded_engine) as db:
        dataset_id = db.execute(insert(Dataset).values(
            name=f"{STAGING_PREFIX}killed", source="test", source_table="test", vintage="x", is_current=False,
            imported_at=datetime(2020, 1, 1), content_sha256="killed", rows=0,
            metadata_json=json.dumps({"staging": {"pid": 2 ** 22 + 12345, "host": __import__("socket").gethostname()}}),
        ).returning(Dataset.id)).scalar_one()
        db.execute(insert(Observation), [
            {"dataset_id": dataset_id, "variable": "half_written", "area_level": "kommun", "area_version": "2025",
             "area_code": "0180", "year": year, "value": 1.0, "reference_year": year} for year in (2020, 2021)
        ])
    assert "~staging:killed" not in set(queries.datasets(loaded_engine)["name"])
    assert queries.observations(loaded_engine, "half_written", current_only=False).empty
    assert discard_stale_staging(loaded_engine) == 1
    assert _staged(loaded_engine) == 0 and _observation_count(loaded_engine) == observations_before


def test_a_dataset_name_cannot_pose_as_a_staged_one(loaded_engine):
    with pytest.raises(DataInputError, match="may not start with"):
        write_release(loaded_engine, probe_release(f"{STAGING_PREFIX}mine", 1.0))


def test_sqlite_is_in_wal_mode_with_a_busy_timeout(loaded_engine):
    if loaded_engine.dialect.name != "sqlite":
        pytest.skip("SQLite only")
    with loaded_engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000
    assert loaded_engine.pool.size() >= 20


def test_kommun_pages_are_rendered_before_their_first_visit(client, monkeypatch):
    from segreform.web import barometer as pages

    data = client.app.state.barometer.data
    assert pages.prerender_kommun_pages(client.app, data, codes=["2584", "0114"]) == 4
    assert pages.prerender_kommun_pages(client.app, data, codes=["2584"]) == 0  # already there

    def no_rendering(*args, **kwargs):
        raise AssertionError("a pre-rendered page was rendered again on its first visit")

    monkeypatch.setattr(pages, "render_kommun_page", no_rendering)
    for lang, heading in (("sv", "Kiruna"), ("en", "Kiruna")):
        response = client.get("/kommun/2584", cookies={"lang": lang})
        assert response.status_code == 200 and heading in response.text
        assert f'<html lang="{lang}">' in response.text


def test_map_geometry_is_precompressed_with_an_etag_and_304(client):
    full = client.get("/api/map/regso.geojson", headers={"Accept-Encoding": "gzip"})
    assert full.status_code == 200 and full.headers["content-encoding"] == "gzip"
    etag = full.headers["etag"]
    assert len(full.json()["features"]) == 3363
    for header in (etag, f"W/{etag}", f'"other", {etag}', "*"):
        again = client.get("/api/map/regso.geojson", headers={"If-None-Match": header})
        assert again.status_code == 304 and again.headers["etag"] == etag and again.content == b""
    assert client.get("/api/map/regso.geojson", headers={"If-None-Match": '"other"'}).status_code == 200
