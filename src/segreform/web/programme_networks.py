"""Networks, meetings, action items, models of work and the agency registry: pages and their API twins.

Minutes, decisions and action items of a meeting are shown to the network's members (and the delegation's
staff); everyone else sees them once an officer publishes the meeting. Officers and admins edit.
"""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from pydantic import BaseModel, Field
from sqlalchemy import select

from segreform.programme import agencies, network_admin, networks
from segreform.programme.clock import utcnow
from segreform.programme.errors import require
from segreform.programme.field_errors import FieldError, FieldErrors
from segreform.programme.validation import Message
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

def _meeting_row(db, meeting: Meeting, members_of) -> dict:
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
        meetings = [_meeting_row(db, m, members_of) for m in db.scalars(
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


def _networks_page(request: Request, status_code: int = 200, errors: dict | None = None, values: dict | None = None,
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
    return _networks_page(request)


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
               on_invalid=lambda errors: _networks_page(request, errors=errors, form_for="new-network",
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


def _int_or_none(raw: str) -> int | None:
    raw = (raw or "").strip()
    return int(raw) if raw.isdigit() and len(raw) <= 9 else None


@router.post("/programme/networks/{network_id}/members", dependencies=CSRF,
             summary="Add a municipality (from the grants) or an agency (from the registry) to a network (form)")
def member_add(request: Request, network_id: RowId, organisation_id: str = Form(""), first_year: str = Form(""),
               user: User = EDITOR):
    def work(db):
        chosen = _int_or_none(organisation_id)
        if chosen is None:
            raise FieldError("organisation", "choose an organisation")
        return _add_member(db, network_id, chosen, _int_or_none(first_year), user.email)

    return act(request, work, redirect=f"/programme/networks#network-{network_id}",
               on_invalid=lambda errors: _networks_page(request, errors=errors, form_for=f"members-{network_id}"))


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
    return act(request, lambda db: network_admin.add_researcher(db, network_id, _int_or_none(user_id) or 0,
                                                                user.email).network_id,
               redirect=f"/programme/networks#network-{network_id}",
               on_invalid=lambda errors: _networks_page(request, errors=errors, form_for=f"researchers-{network_id}"))


class NewResearcher(BaseModel):
    user_id: int = Field(ge=1, le=2**31 - 1)


@router.post("/api/programme/networks/{network_id}/researchers", dependencies=CSRF,
             summary="Add a researcher (a user with the researcher role) to a network")
def researcher_add_api(request: Request, network_id: RowId, body: NewResearcher, user: User = EDITOR):
    return api(request, lambda db: {"network_id": network_admin.add_researcher(db, network_id, body.user_id,
                                                                                user.email).network_id})


# --- meetings ---------------------------------------------------------------------------------------

class MeetingBody(BaseModel):
    level: str = Field(description="political, management or practitioners", max_length=20)
    title: str = Field(max_length=1000)
    held_on: date
    agenda: str = Field("", max_length=100_000)
    minutes: str = Field("", max_length=100_000)
    decisions: str = Field("", max_length=100_000)
    participants: list[str] = Field(default_factory=list, max_length=500)
    published: bool = False


def _meeting_form_values(level, title, held_on, agenda, minutes, decisions, participants, published) -> dict:
    return {"level": level, "title": title, "held_on": held_on, "agenda": agenda, "minutes": minutes,
            "decisions": decisions, "participants": participants, "published": published}


@router.post("/programme/networks/{network_id}/meetings", dependencies=CSRF, summary="Record a meeting (form)")
def meeting_create(request: Request, network_id: RowId, level: str = Form(""), title: str = Form(""),
                   held_on: str = Form(""), agenda: str = Form(""), minutes: str = Form(""),
                   decisions: str = Form(""), participants: str = Form(""), published: str = Form(""),
                   user: User = EDITOR):
    values = _meeting_form_values(level, title, held_on, agenda, minutes, decisions, participants, published)

    def work(db):
        require(db, Network, network_id, "network")
        fields = network_admin.check_meeting(level=level, title=title, held_on=held_on, agenda=agenda,
                                             minutes=minutes, decisions=decisions, participants=participants)
        return network_admin.create_meeting(db, network_id, fields, user.email, published=bool(published)).id

    return act(request, work, redirect=lambda meeting_id: f"/programme/meetings/{meeting_id}",
               on_invalid=lambda errors: _networks_page(request, errors=errors, values=values,
                                                        form_for=f"meeting-{network_id}"))


@router.post("/api/programme/networks/{network_id}/meetings", dependencies=CSRF, status_code=201,
             summary="Record a meeting with agenda, participants, minutes and decisions")
def meeting_create_api(request: Request, network_id: RowId, body: MeetingBody, user: User = EDITOR):
    def work(db):
        require(db, Network, network_id, "network")
        fields = network_admin.check_meeting(**body.model_dump(exclude={"published"}))
        return {"id": network_admin.create_meeting(db, network_id, fields, user.email, body.published).id}

    return api(request, work, status_code=201)


def _meeting_page(request: Request, meeting_id: int, status_code: int = 200, errors: dict | None = None,
                  values: dict | None = None, form_for: str = ""):
    user = current_user(request)
    with db_session(request.app.state.engine) as db:
        meeting = db.get(Meeting, meeting_id)
        if meeting is None:
            raise HTTPException(status_code=404, detail=Message("%(what)s %(key)s does not exist",
                                                               what=Message("meeting"), key=meeting_id))
        row = _meeting_row(db, meeting, network_admin.member_network_ids(db, user))
        network = db.get(Network, meeting.network_id)
        models = list(db.scalars(select(WorkModel).where(WorkModel.network_id == meeting.network_id)))
        return page(request, "programme/meeting.html", status_code=status_code, m=row, network=network,
                    levels=networks.LEVELS, models=models, editing=user is not None and user.role in network_admin.STAFF,
                    errors=errors or {}, values=values or {}, form_for=form_for)


@router.get("/programme/meetings/{meeting_id}", summary="Page: one meeting (edit, action items, models of work)")
def meeting_page(request: Request, meeting_id: RowId):
    return _meeting_page(request, meeting_id)


@router.get("/api/programme/meetings/{meeting_id}", summary="One meeting (minutes only where you may read them)")
def meeting_api(request: Request, meeting_id: RowId):
    with db_session(request.app.state.engine) as db:
        meeting = db.get(Meeting, meeting_id)
        if meeting is None:
            raise HTTPException(status_code=404, detail=Message("%(what)s %(key)s does not exist",
                                                               what=Message("meeting"), key=meeting_id))
        return _meeting_row(db, meeting, network_admin.member_network_ids(db, current_user(request)))


@router.post("/programme/meetings/{meeting_id}", dependencies=CSRF, summary="Edit a meeting afterwards (form)")
def meeting_update(request: Request, meeting_id: RowId, level: str = Form(""), title: str = Form(""),
                   held_on: str = Form(""), agenda: str = Form(""), minutes: str = Form(""),
                   decisions: str = Form(""), participants: str = Form(""), published: str = Form(""),
                   user: User = EDITOR):
    values = _meeting_form_values(level, title, held_on, agenda, minutes, decisions, participants, published)

    def work(db):
        fields = network_admin.check_meeting(level=level, title=title, held_on=held_on, agenda=agenda,
                                             minutes=minutes, decisions=decisions, participants=participants)
        return network_admin.update_meeting(db, meeting_id, fields, user.email, published=bool(published)).id

    return act(request, work, redirect=f"/programme/meetings/{meeting_id}",
               on_invalid=lambda errors: _meeting_page(request, meeting_id, errors=errors, values=values,
                                                       form_for="edit"))


@router.post("/api/programme/meetings/{meeting_id}", dependencies=CSRF,
             summary="Edit a meeting afterwards (all fields; `published` makes the minutes public)")
def meeting_update_api(request: Request, meeting_id: RowId, body: MeetingBody, user: User = EDITOR):
    def work(db):
        fields = network_admin.check_meeting(**body.model_dump(exclude={"published"}))
        return {"id": network_admin.update_meeting(db, meeting_id, fields, user.email, body.published).id}

    return api(request, work)


# --- action items -----------------------------------------------------------------------------------

@router.post("/programme/meetings/{meeting_id}/actions", dependencies=CSRF, summary="Add an action item (form)")
def action_create(request: Request, meeting_id: RowId, description: str = Form(""), owner: str = Form(""),
                  due_on: str = Form(""), user: User = EDITOR):
    def work(db):
        text, who, day = network_admin.check_action(description=description, owner=owner, due_on=due_on)
        return networks.add_action_item(db, meeting_id=meeting_id, description=text, owner=who, due_on=day,
                                        actor=user.email).id

    return act(request, work, redirect=f"/programme/meetings/{meeting_id}",
               on_invalid=lambda errors: _meeting_page(request, meeting_id, errors=errors, form_for="action",
                                                       values={"description": description, "owner": owner,
                                                               "due_on": due_on}))


class ActionBody(BaseModel):
    description: str = Field(max_length=10_000)
    owner: str = Field(max_length=500)
    due_on: date


@router.post("/api/programme/meetings/{meeting_id}/actions", dependencies=CSRF, status_code=201,
             summary="Add an action item (owner, due date) to a meeting")
def action_create_api(request: Request, meeting_id: RowId, body: ActionBody, user: User = EDITOR):
    def work(db):
        text, who, day = network_admin.check_action(**body.model_dump())
        return {"id": networks.add_action_item(db, meeting_id=meeting_id, description=text, owner=who, due_on=day,
                                               actor=user.email).id}

    return api(request, work, status_code=201)


@router.post("/programme/actions/{item_id}/complete", dependencies=CSRF, summary="Mark an action item done (form)")
def action_complete(request: Request, item_id: RowId, user: User = EDITOR):
    return act(request, lambda db: networks.complete_action_item(db, item_id, user.email).meeting_id,
               redirect=lambda meeting_id: f"/programme/meetings/{meeting_id}")


@router.post("/api/programme/actions/{item_id}/complete", dependencies=CSRF, summary="Mark an action item done")
def action_complete_api(request: Request, item_id: RowId, user: User = EDITOR):
    def work(db):
        item = networks.complete_action_item(db, item_id, user.email)
        return {"id": item.id, "done": item.done, "completed_at": item.completed_at.isoformat()}

    return api(request, work)


@router.get("/api/programme/actions/overdue", summary="Overdue action items you may see (staff: all)")
def overdue_api(request: Request, user: User = require_role("worklist.view")):
    with db_session(request.app.state.engine) as db:
        ids = network_admin.member_network_ids(db, user)
        return [{"id": a.id, "description": a.description, "owner": a.owner, "due_on": a.due_on,
                 "meeting_id": m.id, "network_id": m.network_id}
                for a, m in network_admin.overdue(db, utcnow().date(), ids)]


# --- models of work ---------------------------------------------------------------------------------

@router.post("/programme/networks/{network_id}/models", dependencies=CSRF, summary="Add a model of work (form)")
def work_model_create(request: Request, network_id: RowId, title: str = Form(""), description: str = Form(""),
                      evidence: str = Form(""), meeting_id: str = Form(""), user: User = EDITOR):
    def work(db):
        errors = [FieldError(f, "this field is required") for f, v in (("title", title), ("description", description))
                  if not v.strip()]
        if errors:
            raise FieldErrors(errors)
        model = networks.add_work_model(db, network_id=network_id, title=title.strip(), description=description,
                                        evidence=evidence, actor=user.email)
        if _int_or_none(meeting_id):
            network_admin.link_work_model(db, model.id, _int_or_none(meeting_id), user.email)
        return model.id

    return act(request, work, redirect=f"/programme/networks#network-{network_id}",
               on_invalid=lambda errors: _networks_page(request, errors=errors, form_for=f"model-{network_id}",
                                                        values={"title": title, "description": description,
                                                                "evidence": evidence}))


class WorkModelBody(BaseModel):
    title: str = Field(min_length=1, max_length=1000)
    description: str = Field(min_length=1, max_length=100_000)
    evidence: str = Field("", max_length=100_000)
    meeting_ids: list[int] = Field(default_factory=list, max_length=100)


@router.post("/api/programme/networks/{network_id}/models", dependencies=CSRF, status_code=201,
             summary="Add a model of work to the library, optionally linked to meetings")
def work_model_create_api(request: Request, network_id: RowId, body: WorkModelBody, user: User = EDITOR):
    def work(db):
        model = networks.add_work_model(db, network_id=network_id, title=body.title, description=body.description,
                                        evidence=body.evidence, actor=user.email)
        for meeting_id in body.meeting_ids:
            network_admin.link_work_model(db, model.id, meeting_id, user.email)
        return {"id": model.id}

    return api(request, work, status_code=201)


@router.post("/programme/models/{model_id}/meetings", dependencies=CSRF, summary="Link a model of work to a meeting (form)")
def work_model_link(request: Request, model_id: RowId, meeting_id: str = Form(""), user: User = EDITOR):
    return act(request, lambda db: network_admin.link_work_model(db, model_id, _int_or_none(meeting_id) or 0,
                                                                 user.email).meeting_id,
               redirect=lambda mid: f"/programme/meetings/{mid}")


class LinkBody(BaseModel):
    meeting_id: int = Field(ge=1, le=2**31 - 1)


@router.post("/api/programme/models/{model_id}/meetings", dependencies=CSRF,
             summary="Link a model of work to a meeting of the same network")
def work_model_link_api(request: Request, model_id: RowId, body: LinkBody, user: User = EDITOR):
    return api(request, lambda db: {"work_model_id": model_id, "meeting_id": network_admin.link_work_model(
        db, model_id, body.meeting_id, user.email).meeting_id})


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
