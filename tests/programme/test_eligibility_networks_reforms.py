"""Eligibility rules as data, the need score, networks and meetings, reforms, and the participation contract."""

from datetime import date

import pandas as pd
import pytest

from segreform.programme import grants, networks, reforms
from segreform.programme.eligibility import apply_rules, load_rules, need_scores
from segreform.programme.errors import InvalidInput
from segreform.programme.networks import participation
from segreform.store import session, transaction
from segreform.web.app import create_app

from programme_builders import MSEK, municipality, submitted

AREA_TYPES = pd.DataFrame({
    "area_code": ["1280R001", "1280R002", "1480R001", "0180R001", "2480R001"],
    "kommunkod": ["1280", "1280", "1480", "0180", "2480"],
    "area_type": [1, 2, 2, 4, 5],
})
POLICE = pd.DataFrame({"name": ["Rosengård", "Hjällbo", "Tensta"], "category": [
    "Särskilt utsatt område", "Särskilt utsatt område", "Utsatt område"], "kommunkod": ["1280", "1480", "0180"]})


def test_eligibility_rules_give_the_reason():
    results = {r.kommunkod: r for r in apply_rules(["1280", "0180", "2480"], AREA_TYPES, POLICE)}
    assert results["1280"].eligible and results["0180"].eligible and not results["2480"].eligible
    assert "RegSO of area type 1 or 2: 2 (1280R001, 1280R002)" in results["1280"].reason("en")
    assert results["0180"].reason("en") == ("Eligible – Has an area on the police's list of vulnerable areas: 1 "
                                            "(Tensta)")
    assert results["2480"].reason("sv").startswith("Inte behörig")


def test_rules_combined_with_all():
    rules = load_rules()
    rules["eligible_when"] = "all"
    results = {r.kommunkod: r.eligible for r in apply_rules(["1280", "0180"], AREA_TYPES, POLICE, rules)}
    assert results == {"1280": True, "0180": False}


def test_unknown_rule_kind_is_refused(monkeypatch):
    import segreform.programme.eligibility as eligibility

    monkeypatch.setattr(eligibility, "load_yaml", lambda name: {
        "rules": [{"id": "x", "kind": "magic", "params": {}}], "need_score": []})
    with pytest.raises(InvalidInput, match="'magic' is unknown"):
        eligibility.load_rules()


def test_need_score_is_explained_and_scaled():
    scores = {s.kommunkod: s for s in need_scores(["1280", "1480", "2480"], AREA_TYPES, POLICE)}
    # 1280: type1 ×3 + type2 ×1 + särskilt utsatt ×3 = 7; 1480: type2 1 + särskilt 3 = 4
    assert scores["1280"].raw == 7 and scores["1480"].raw == 4 and scores["2480"].raw == 0
    assert scores["1280"].score == 100.0 and scores["1480"].score == pytest.approx(400 / 7)
    assert scores["1480"].explain() == ("57/100 = 1 × 1 (RegSO of area type 2 (challenges)) + 1 × 3 "
                                        "(Particularly vulnerable areas (police)) = 4 raw")


def test_networks_meetings_actions_and_models(seeded):
    with transaction(seeded) as db:
        network = networks.ensure_network(db, "school")
        networks.add_member(db, network.id, municipality(db), 2019, "t")
        meeting = networks.add_meeting(db, network_id=network.id, level="practitioners", title="Läsning",
                                       held_on=date(2019, 5, 2), agenda="1. Läget", minutes="...",
                                       decisions="pilot", participants=["Malmö", "Skolverket"], actor="t")
        item = networks.add_action_item(db, meeting_id=meeting.id, description="Sammanställ", owner="Malmö",
                                        due_on=date(2019, 6, 1), actor="t")
        with pytest.raises(InvalidInput, match="level"):
            networks.add_meeting(db, network_id=network.id, level="board", title="x", held_on=date(2019, 1, 1),
                                 actor="t")
        with pytest.raises(InvalidInput, match="owner"):
            networks.add_action_item(db, meeting_id=meeting.id, description="x", owner=" ", due_on=date(2019, 1, 1),
                                     actor="t")
        assert [a.id for a in networks.overdue_actions(db, date(2019, 7, 1))] == [item.id]
        networks.complete_action_item(db, item.id, "t")
        assert networks.overdue_actions(db, date(2019, 7, 1)) == []
        model = networks.add_work_model(db, network_id=network.id, title="Läsombud", description="...",
                                        evidence="pilot in two schools", evaluation_ref="evaluation:42", actor="t")
        assert model.evaluation_ref == "evaluation:42"


def test_participation_contract_comes_from_grant_decisions(seeded, call_id):
    with transaction(seeded) as db:
        application_id = submitted(db, call_id, municipality(db), areas=("school", "crime"), years=2,
                                   requested_msek=4, total_msek=5)
        grants.decide(db, application_id=application_id, amounts={2019: 2 * MSEK, 2020: 2 * MSEK}, actor="o")
        submitted(db, call_id, municipality(db, "1480", "Göteborg"))  # not granted: not treated
    frame = participation(seeded)
    assert list(frame.columns) == ["kommunkod", "development_area", "first_year"]
    assert frame.to_dict(orient="records") == [
        {"kommunkod": "1280", "development_area": "crime", "first_year": 2019},
        {"kommunkod": "1280", "development_area": "school", "first_year": 2019},
    ]


def test_reform_accountability_and_milestones(seeded):
    with transaction(seeded) as db:
        milestone = reforms.add_milestone(db, reform_code="r07", title="Law in force", due_year=2019, actor="t")
        with pytest.raises(InvalidInput, match="evidence"):
            reforms.update_milestone(db, milestone.id, status="done", progress_pct=100, evidence="", actor="t")
        reforms.update_milestone(db, milestone.id, status="in_progress", progress_pct=50, evidence="", actor="t")
    with session(seeded) as db:
        views = {v.reform.code: v for v in reforms.accountability(db)}
        assert len(views) == 10
        assert views["r07"].reform.status == "in_progress" and views["r07"].progress_pct == 50
        assert views["r07"].agency_name == "Boverket"
        assert views["r07"].budget_ore == sum([11, 15.7, 20.3] + [25] * 6) * MSEK


def test_eligibility_from_the_real_bundled_barometer_data(engine):
    from fastapi.testclient import TestClient

    from segreform.data.loader import ensure_initialised
    from segreform.programme.eligibility import assess_municipalities

    ensure_initialised(engine, progress=False)
    frame = assess_municipalities(engine)
    assert len(frame) == 290
    by_code = frame.set_index("kommunkod")
    # Malmö has area type 1 RegSO and areas on the police's list; Danderyd has neither.
    assert by_code.loc["1280", "eligible"] and not by_code.loc["0162", "eligible"]
    assert "area type 1 or 2" in by_code.loc["1280", "reason"] and by_code.loc["0162", "need_score"] == 0
    assert frame["need_score"].max() == 100.0 and frame["need_score"].is_monotonic_decreasing
    # every municipality with an area on the police's 2025 list is eligible
    police = set(__import__("segreform.data.queries", fromlist=["x"]).police_areas(engine)["kommunkod"])
    assert all(by_code.loc[code, "eligible"] for code in police)
    page = TestClient(create_app(engine)).get("/programme/eligibility?lang=sv")
    assert page.status_code == 200 and "Malmö (1280)" in page.text and "Behörig –" in page.text
