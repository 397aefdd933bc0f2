"""Networks, their members and researchers, and the agency registry: pages and their API twins.

Meetings, action items and models of work are in :mod:`segreform.web.programme_meetings`. Minutes, decisions and
action items of a meeting are shown to the network's members (and the delegation's staff); everyone else sees them
once an officer publishes the meeting. Officers and admins edit.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from pydantic import BaseModel, Field
from sqlalchemy import select

from segreform.programme import agencies, network_admin, networks
from segreform.programme.clock import utcnow
from segreform.programme.errors import require
from segreform.programme.field_errors import FieldError
from segreform.store import session as db_session
from segreform.store.models.programme import (
    ActionItem,
    DevelopmentArea,
    Meeting,
    Network,
    NetworkMember,
    Organisation,
    User,
    WorkModel,
)
from segreform.store.models.programme_people import NetworkResearcher, WorkModelMeeting
from segreform.web.auth import current_user, require_role, verify_csrf
from segreform.web.params import RowId
from segreform.web.people_forms import act, api, page

router = APIRouter()
CSRF = [Depends(verify_csrf)]
EDITOR = require_role("network.edit")


# --- what a viewer may see --------------------------------------------------------------------------

def meeting_row(db, meeting: Meeting, members_of) -> dict:
    readable = network_admin.may_read_minutes(meeting, members_of)
    row = {"id": meeting.id, "network_id": meeting.network_id, "level": meeting.level, "title": meeting.title,
           "held_on": meeting.held_on, "agenda": meeting.agenda, "participants": meeting.participants,
           "published": meeting.published, "minutes_visible": readable,
           "minutes": None, "decisions": None, "actions": None}
    if readable:
        items = db.scalars(select(ActionItem).where(ActionItem.meeting_id == meeting.id).order_by(ActionItem.due_on,
                                                                                                   ActionItem.id))
        today = utcnow().date()
        row.update(minutes=meeting.minutes, decisions=meeting.decisions,
                   actions=[{"id": a.id, "description": a.description, "owner": a.owner, "due_on": a.due_on,
                             "done": a.done, "completed_at": a.completed_at,
                             "overdue": not a.done and a.due_on < today} for a in items])
    row["work_models"] = [{"id": m.id, "title": m.title} for m in db.scalars(
        select(WorkModel).join(WorkModelMeeting, WorkModelMeeting.work_model_id == WorkModel.id)
        .where(WorkModelMeeting.meeting_id == meeting.id))]
    return row


def _network_rows(db, user: User | None) -> list[dict]:
    members_of = network_admin.member_network_ids(db, user)
    rows = []
    for network in db.scalars(select(Network).order_by(Network.development_area_code)):
        members = db.execute(select(Organisation.id, Organisation.name, Organisation.kind, NetworkMember.first_year)
                             .join(NetworkMember, NetworkMember.organisation_id == Organisation.id)
                             .where(NetworkMember.network_id == network.id).order_by(Organisation.name)).all()
        researchers = db.execute(select(User.id, User.name).join(NetworkResearcher, NetworkResearcher.user_id == User.id)
                                 .where(NetworkResearcher.network_id == network.id).order_by(User.name)).all()
        meetings = [meeting_row(db, m, members_of) for m in db.scalars(
            select(Meeting).where(Meeting.network_id == network.id).order_by(Meeting.held_on, Meeting.id))]
        models = []
        for m in db.scalars(select(WorkModel).where(WorkModel.network_id == network.id).order_by(WorkModel.id)):
            linked = list(db.scalars(select(WorkModelMeeting.meeting_id).where(WorkModelMeeting.work_model_id == m.id)))
            models.append({"id": m.id, "title": m.title, "description": m.description, "evidence": m.evidence,
                           "evaluation_ref": m.evaluation_ref, "meetings": linked})
        rows.append({"id": network.id, "development_area": network.development_area_code, "name": network.name,
                     "member": members_of is None or network.id in members_of,
                     "members": [{"id": i, "name": n, "kind": k, "first_year": y} for i, n, k, y in members],
                     "researchers": [{"id": i, "name": n} for i, n in researchers],
                     "meetings": meetings, "work_models": models})
    return rows


def _editor_choices(db, rows: list[dict]) -> dict:
    """What an officer can add: granted municipalities per network, registry agencies, researchers, areas."""
    with_network = {r["development_area"] for r in rows}
    return {
        "granted": {r["id"]: network_admin.granted_municipalities(db, r["id"]) for r in rows},
        "agencies": agencies.registry(db),
        "researchers": list(db.scalars(select(User).where(User.role == "researcher", User.active.is_(True))
                                       .order_by(User.name))),
        "free_areas": [a for a in db.scalars(select(DevelopmentArea).order_by(DevelopmentArea.code))
                       if a.code not in with_network],
    }


def render_networks_page(request: Request, status_code: int = 200, errors: dict | None = None, values: dict | None = None,
                   form_for: str = ""):
    user = current_user(request)
    with db_session(request.app.state.engine) as db:
        rows = _network_rows(db, user)
        editing = user is not None and user.role in network_admin.STAFF
        members_of = network_admin.member_network_ids(db, user)
        overdue = ([{"item": a, "meeting": m} for a, m in network_admin.overdue(db, utcnow().date(), members_of)]
                   if user is not None else [])
        return page(request, "programme/networks.html", status_code=status_code, networks=rows,
                    levels=networks.LEVELS, editing=editing, choices=_editor_choices(db, rows) if editing else {},
                    overdue=overdue, errors=errors or {}, values=values or {}, form_for=form_for)


@router.get("/programme/networks", summary="Page: networks, members, meetings, models of work")
def networks_page(request: Request):
    return render_networks_page(request)


@router.get("/api/programme/networks", summary="Networks with members, meetings (minutes only where you may read "
                                                 "them) and models of work")
def networks_api(request: Request):
    with db_session(request.app.state.engine) as db:
        return _network_rows(db, current_user(request))


# --- creating networks and adding members -----------------------------------------------------------

@router.post("/programme/networks", dependencies=CSRF, summary="Create a network for a development area (form)")
def network_create(request: Request, development_area: str = Form(""), name: str = Form(""), user: User = EDITOR):
    return act(request, lambda db: network_admin.create_network(db, development_area, name, user.email).id,
               redirect=lambda network_id: f"/programme/networks#network-{network_id}",
               on_invalid=lambda errors: render_networks_page(request, errors=errors, form_for="new-network",
                                                        values={"development_area": development_area, "name": name}))


class NewNetwork(BaseModel):
    development_area: str = Field(max_length=40)
    name: str = Field("", max_length=500)


@router.post("/api/programme/networks", dependencies=CSRF, status_code=201, summary="Create a network")
def network_create_api(request: Request, body: NewNetwork, user: User = EDITOR):
    return api(request, lambda db: {"id": network_admin.create_network(db, body.development_area, body.name,
                                                                       user.email).id}, status_code=201)


def _add_member(db, network_id: int, organisation_id: int, first_year: int | None, actor: str) -> int:
    organisation = require(db, Organisation, organisation_id, "organisation")
    if organisation.kind == "agency":
        network_admin.add_agency(db, network_id, organisation_id, first_year or utcnow().year, actor)
    else:
        network_admin.add_municipality(db, network_id, organisation_id, actor)
    return network_id


def int_or_none(raw: str) -> int | None:
    raw = (raw or "").strip()
    return int(raw) if raw.isdigit() and len(raw) <= 9 else None


@router.post("/programme/networks/{network_id}/members", dependencies=CSRF,
             summary="Add a municipality (from the grants) or an agency (from the registry) to a network (form)")
def member_add(request: Request, network_id: RowId, organisation_id: str = Form(""), first_year: str = Form(""),
               user: User = EDITOR):
    def work(db):
        chosen = int_or_none(organisation_id)
        if chosen is None:
            raise FieldError("organisation", "choose an organisation")
        return _add_member(db, network_id, chosen, int_or_none(first_year), user.email)

    return act(request, work, redirect=f"/programme/networks#network-{network_id}",
               on_invalid=lambda errors: render_networks_page(request, errors=errors, form_for=f"members-{network_id}"))


class NewMember(BaseModel):
    organisation_id: int = Field(ge=1, le=2**31 - 1)
    first_year: int | None = Field(None, ge=1990, le=2100, description="agencies only; municipalities take "
                                                                         "their grant's first year")


@router.post("/api/programme/networks/{network_id}/members", dependencies=CSRF,
             summary="Add a municipality with a grant in the area, or a registry agency, to a network")
def member_add_api(request: Request, network_id: RowId, body: NewMember, user: User = EDITOR):
    return api(request, lambda db: {"network_id": _add_member(db, network_id, body.organisation_id, body.first_year,
                                                              user.email)})


@router.post("/programme/networks/{network_id}/researchers", dependencies=CSRF,
             summary="Add a researcher to a network (form)")
def researcher_add(request: Request, network_id: RowId, user_id: str = Form(""), user: User = EDITOR):
    return act(request, lambda db: network_admin.add_researcher(db, network_id, int_or_none(user_id) or 0,
                                                                user.email).network_id,
               redirect=f"/programme/networks#network-{network_id}",
               on_invalid=lambda errors: render_networks_page(request, errors=errors, form_for=f"researchers-{network_id}"))


class NewResearcher(BaseModel):
    user_id: int = Field(ge=1, le=2**31 - 1)


@router.post("/api/programme/networks/{network_id}/researchers", dependencies=CSRF,
             summary="Add a researcher (a user with the researcher role) to a network")
def researcher_add_api(request: Request, network_id: RowId, body: NewResearcher, user: User = EDITOR):
    return api(request, lambda db: {"network_id": network_admin.add_researcher(db, network_id, body.user_id,
                                                                                user.email).network_id})


# --- the agency registry ----------------------------------------------------------------------------

def _agency_rows(db) -> list[dict]:
    return [{"organisation_id": o.id, "code": o.code, "name_sv": e.name_sv, "name_en": e.name_en,
             "contact_name": e.contact_name, "contact_email": e.contact_email} for o, e in agencies.registry(db)]


def _agencies_page(request: Request, status_code: int = 200, errors=None, values=None):
    user = current_user(request)
    with db_session(request.app.state.engine) as db:
        return page(request, "programme/agencies.html", status_code=status_code, agencies=_agency_rows(db),
                    editing=user is not None and user.role in network_admin.STAFF, errors=errors or {},
                    values=values or {})


@router.get("/programme/agencies", summary="Page: the registry of state agencies and their contacts")
def agencies_page(request: Request):
    return _agencies_page(request)


@router.get("/api/programme/agencies", summary="The registry of state agencies and their contacts")
def agencies_api(request: Request):
    with db_session(request.app.state.engine) as db:
        return _agency_rows(db)


@router.post("/programme/agencies", dependencies=CSRF, summary="Add an agency or update its contact (form)")
def agency_save(request: Request, code: str = Form(""), name_sv: str = Form(""), name_en: str = Form(""),
                contact_name: str = Form(""), contact_email: str = Form(""), user: User = require_role("agency.edit")):
    values = {"code": code, "name_sv": name_sv, "name_en": name_en, "contact_name": contact_name,
              "contact_email": contact_email}
    return act(request, lambda db: agencies.save(db, actor=user.email, **values).organisation_id,
               redirect="/programme/agencies",
               on_invalid=lambda errors: _agencies_page(request, errors=errors, values=values))


class AgencyBody(BaseModel):
    code: str = Field(max_length=40)
    name_sv: str = Field(max_length=500)
    name_en: str = Field(max_length=500)
    contact_name: str = Field("", max_length=500)
    contact_email: str = Field("", max_length=200)


@router.post("/api/programme/agencies", dependencies=CSRF, summary="Add an agency to the registry or update it")
def agency_save_api(request: Request, body: AgencyBody, user: User = require_role("agency.edit")):
    return api(request, lambda db: {"organisation_id": agencies.save(db, actor=user.email,
                                                                     **body.model_dump()).organisation_id})

