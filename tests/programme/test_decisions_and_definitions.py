"""Decisions follow the selection; a programme definition is validated naming file and field; calls have a life
cycle; submission reports every problem at once and refuses an ineligible applicant when the rule says so."""

from datetime import datetime, timedelta, timezone

import pytest
import yaml
from sqlalchemy import select

from segreform.programme import call_cycle, decisions, definition, selection, submission
from segreform.programme.errors import NotAllowed, WrongState
from segreform.programme.validation import FormErrors
from segreform.store import session, transaction
from segreform.store.models.programme import Application, AuditEntry, Grant

from programme_builders import BEFORE_DEADLINE, municipality, reviewer, scored, submitted


def test_a_grant_outside_the_selection_needs_a_reason_and_an_ineligible_one_never_passes(seeded, call_id):
    with transaction(seeded) as db:
        r = reviewer(db)
        ids = []
        for kommun, name in (("1280", "Malmö"), ("1480", "Göteborg"), ("0180", "Stockholm")):
            application_id = submitted(db, call_id, municipality(db, kommun, name), requested_msek=9, total_msek=10)
            scored(db, application_id, r, 4)
            ids.append(application_id)
        ineligible = submitted(db, call_id, municipality(db, "0162", "Danderyd"), requested_msek=1, total_msek=2)
        scored(db, ineligible, r, 5)
        db.get(Application, ineligible).eligible = False  # as found at submission
        _, run_id = selection.run_selection(db, year=2019, actor="officer", stability_draws=50)
    with transaction(seeded) as db:
        chosen = [i for i in ids if decisions.selected_in_latest_run(db, db.get(Application, i))]
        left_out = next(i for i in ids if i not in chosen)
    with pytest.raises(FormErrors, match="needs a written reason"):
        with transaction(seeded) as db:
            decisions.grant_one(db, left_out, "officer", reason="   ")
    with pytest.raises(NotAllowed, match="can never be granted"):
        with transaction(seeded) as db:
            decisions.grant_one(db, ineligible, "officer", reason="a very good reason")
    with transaction(seeded) as db:
        granted = decisions.decide_run(db, run_id, "officer")
    assert len(granted) == len(chosen) == 2
    with pytest.raises(WrongState, match="was decided"):
        with transaction(seeded) as db:
            decisions.decide_run(db, run_id, "officer")
    with session(seeded) as db:
        rows = decisions.grant_rows(db)
        assert all(not row.outside_selection for row in rows) and {row.application_id for row in rows} == set(chosen)
        assert db.scalar(select(Grant).where(Grant.application_id == ineligible)) is None


def test_an_override_grant_is_audited_and_flagged(seeded, call_id):
    with transaction(seeded) as db:
        application_id = submitted(db, call_id, municipality(db), requested_msek=2, total_msek=3)
        grant = decisions.grant_one(db, application_id, "officer", reason="Regeringsuppdrag")
        assert grant.override_reason == "Regeringsuppdrag" and grant.selection_run_id is None
    with session(seeded) as db:
        assert [row.outside_selection for row in decisions.grant_rows(db)] == [True]
        assert db.scalar(select(AuditEntry.detail).where(AuditEntry.action == "grant.override"))["reason"] == \
            "Regeringsuppdrag"


def test_definition_errors_name_the_file_and_the_field(tmp_path):
    data = definition.bundled()
    data["reforms"][3]["agency"] = "nobody"
    path = tmp_path / "successor.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(definition.DefinitionError, match=r"successor.yaml: reforms\[3\].agency: 'nobody'"):
        definition.read_definition(path)
    data = definition.bundled()
    data["schema_version"] = 7
    with pytest.raises(definition.DefinitionError, match="schema_version: 7 is not supported"):
        definition.validate(data, "x.yaml")
    path.write_text("years: [unclosed", encoding="utf-8")
    with pytest.raises(definition.DefinitionError, match="successor.yaml line"):
        definition.read_definition(path)


def test_a_successor_programme_loads_from_a_file(engine, tmp_path):
    data = definition.bundled()
    data.update(code="sverige-2026-2030", name={"sv": "Efterföljare", "en": "Successor"},
                period={"first_year": 2026, "last_year": 2030},
                years=[{"year": y, "frame_msek": 300, "source": "test"} for y in range(2026, 2031)])
    data["eligibility"]["on_ineligible"] = "refuse"
    path = tmp_path / "successor.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    summary = definition.load_file(engine, path)
    assert summary.years == 5
    with session(engine) as db:
        assert definition.rules_for_year(db, 2028)["eligibility"]["on_ineligible"] == "refuse"
        assert [d.code for d in definition.definitions(db)] == ["sverige-2026-2030"]


def test_calls_open_extend_close_and_refuse_late_or_closed_submissions(seeded):
    soon = datetime.now(timezone.utc) + timedelta(days=30)
    with transaction(seeded) as db:
        with pytest.raises(FormErrors) as caught:
            call_cycle.create(db, year=1999, title=" ", development_area="x", reform_code="r99",
                              deadline=datetime(2000, 1, 1, tzinfo=timezone.utc), actor="officer")
        assert set(caught.value.errors) == {"title", "year", "development_area", "reform_code", "deadline"}
        call = call_cycle.create(db, year=2025, title="Skola", development_area="school", reform_code="r06",
                                 deadline=soon, actor="officer", max_amount_ore=5 * 10**8)
        assert call.status == "draft" and not call_cycle.accepting(call)
        call_cycle.open_call(db, call.id, "officer")
        call_cycle.extend(db, call.id, soon + timedelta(days=7), "officer")
        with pytest.raises(FormErrors, match="later than the current one"):
            call_cycle.extend(db, call.id, soon, "officer")
        application_id = submitted_to(db, call.id, start_year=2999, requested_msek=6, plan="")
        with pytest.raises(FormErrors) as caught:
            submission.submit(db, application_id, "applicant")
        assert {"start_year", "requested_sek", "plan"} <= set(caught.value.errors)
        call_cycle.close(db, call.id, "officer")
        with pytest.raises(WrongState, match="closed"):
            submission.submit(db, application_id, "applicant")


def submitted_to(db, call_id, *, start_year, requested_msek, plan):
    from segreform.programme import applications

    application = applications.create_draft(
        db, call_id=call_id, organisation_id=municipality(db), development_areas=["school"], actor="test",
        title="t", start_year=2025, years=1, total_budget_ore=10 * 10**8, requested_ore=requested_msek * 10**8,
        plan=plan, goals="g", time_plan="tp")
    application.start_year = start_year  # as a draft saved before the limits were known
    return application.id


def test_refuse_rule_refuses_an_ineligible_applicant_with_evidence(seeded, monkeypatch):
    with transaction(seeded) as db:
        call = call_cycle.create(db, year=2025, title="Skola", development_area="school", reform_code="r06",
                                 deadline=datetime.now(timezone.utc) + timedelta(days=3), actor="o", open_now=True)
        application_id = submitted_to(db, call.id, start_year=2025, requested_msek=5, plan="p")
    rules = definition.rules_for_year
    monkeypatch.setattr(definition, "rules_for_year", lambda db, year: {
        **rules(db, year), "eligibility": {**rules(db, year)["eligibility"], "on_ineligible": "refuse"}})
    monkeypatch.setattr(submission, "evaluate", lambda bind, org, rule: {
        "eligible": False, "need_score": 0.0, "rules": [], "summary_en": "Not eligible – area type 1 or 2: 0",
        "summary_sv": "Inte behörig"})
    with pytest.raises(FormErrors, match="refuses this applicant: Not eligible – area type 1 or 2: 0"):
        with transaction(seeded) as db:
            submission.submit(db, application_id, "applicant")
    with session(seeded) as db:
        assert db.get(Application, application_id).status == "draft"  # nothing written


def test_an_override_cannot_put_an_ineligible_application_in(seeded, call_id):
    with transaction(seeded) as db:
        r = reviewer(db)
        application_id = submitted(db, call_id, municipality(db, "0162", "Danderyd"), requested_msek=1, total_msek=2)
        scored(db, application_id, r, 5)
        db.get(Application, application_id).eligible = False
        _, run_id = selection.run_selection(db, year=2019, actor="officer", stability_draws=0)
        with pytest.raises(NotAllowed, match="can never be granted"):
            selection.override(db, run_id=run_id, application_id=application_id, include=True, reason="ändå",
                               actor="officer")
