"""Meetings, their action items and the models of work a network develops: pages and their API twins.

Minutes, decisions and action items of a meeting are shown to the network's members (and the delegation's
staff); everyone else sees them once an officer publishes the meeting. Officers and admins edit. Networks and
their members are in :mod:`segreform.web.programme_networks`.
"""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Form, HTTPException, Request
from pydantic import BaseModel, Field
from sqlalchemy import select

from segreform.programme import network_admin, networks
from segreform.programme.clock import utcnow
from segreform.programme.errors import require
from segreform.programme.field_errors import FieldError, FieldErrors
from segreform.programme.validation import Message
from segreform.store import session as db_session
from segreform.store.models.programme import Meeting, Network, User, WorkModel
from segreform.web.auth import current_user, require_role
from segreform.web.params import RowId
from segreform.web.people_forms import act, api, page
from segreform.web.programme_networks import CSRF, EDITOR, int_or_none, meeting_row, render_networks_page

router = APIRouter()


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
               on_invalid=lambda errors: render_networks_page(request, errors=errors, values=values,
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
        row = meeting_row(db, meeting, network_admin.member_network_ids(db, user))
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
        return meeting_row(db, meeting, network_admin.member_network_ids(db, current_user(request)))


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
        if int_or_none(meeting_id):
            network_admin.link_work_model(db, model.id, int_or_none(meeting_id), user.email)
        return model.id

    return act(request, work, redirect=f"/programme/networks#network-{network_id}",
               on_invalid=lambda errors: render_networks_page(request, errors=errors, form_for=f"model-{network_id}",
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
    return act(request, lambda db: network_admin.link_work_model(db, model_id, int_or_none(meeting_id) or 0,
                                                                 user.email).meeting_id,
               redirect=lambda mid: f"/programme/meetings/{mid}")


class LinkBody(BaseModel):
    meeting_id: int = Field(ge=1, le=2**31 - 1)


@router.post("/api/programme/models/{model_id}/meetings", dependencies=CSRF,
             summary="Link a model of work to a meeting of the same network")
def work_model_link_api(request: Request, model_id: RowId, body: LinkBody, user: User = EDITOR):
    return api(request, lambda db: {"work_model_id": model_id, "meeting_id": network_admin.link_work_model(
        db, model_id, body.meeting_id, user.email).meeting_id})

