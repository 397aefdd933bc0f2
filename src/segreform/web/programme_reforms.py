"""The ten reforms' accountability page and its milestones: officers add and edit milestones, the responsible
agency (or the delegation) reports progress with evidence, and the public page shows every report."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from pydantic import BaseModel, Field

from segreform.programme import access, milestones, reforms
from segreform.programme.errors import NotAllowed, require
from segreform.store import session as db_session
from segreform.store.models.programme import Milestone, Reform, User
from segreform.web.auth import current_user, require_role, verify_csrf
from segreform.web.params import RowId
from segreform.web.people_forms import act, api, page

router = APIRouter()
CSRF = [Depends(verify_csrf)]


def _reform_rows(db) -> list[dict]:
    views = reforms.accountability(db)
    history = milestones.history(db, [m.id for v in views for m in v.milestones])
    return [{"code": v.reform.code, "number": v.reform.number, "title_sv": v.reform.title_sv,
             "title_en": v.reform.title_en, "agency": v.agency_name, "agency_code": v.reform.agency_code,
             "status": v.reform.status, "progress_pct": v.progress_pct, "budget_ore": v.budget_ore,
             "committed_ore": v.committed_ore, "paid_ore": v.paid_ore, "source": v.reform.source,
             "milestones": [{"id": m.id, "title": m.title, "due_year": m.due_year, "status": m.status,
                             "progress_pct": m.progress_pct, "evidence": m.evidence,
                             "reports": [{"reported_at": r.reported_at, "reported_by": r.reported_by,
                                          "status": r.status, "progress_pct": r.progress_pct,
                                          "evidence": r.evidence} for r in history[m.id]]}
                            for m in v.milestones]}
            for v in views]


def _may_report(db, user: User | None, reform_agency_code: str) -> bool:
    return user is not None and access.allowed(db, user, "reform.update", reform_agency_code=reform_agency_code)


def _reforms_page(request: Request, status_code: int = 200, errors: dict | None = None, values: dict | None = None,
                  form_for: str = ""):
    user = current_user(request)
    with db_session(request.app.state.engine) as db:
        rows = _reform_rows(db)
        for row in rows:
            row["may_report"] = _may_report(db, user, row["agency_code"])
        return page(request, "programme/reforms.html", status_code=status_code, reforms=rows,
                    editing=user is not None and access.role_may(user, "milestone.edit"),
                    errors=errors or {}, values=values or {}, form_for=form_for)


@router.get("/programme/reforms", summary="Page: the ten reforms, their money and milestones")
def reforms_page(request: Request):
    return _reforms_page(request)


@router.get("/api/programme/reforms", summary="The ten reforms with money, milestones and every progress report")
def reforms_api(request: Request):
    with db_session(request.app.state.engine) as db:
        return _reform_rows(db)


@router.post("/programme/reforms/{reform_code}/milestones", dependencies=CSRF, summary="Add a milestone (form)")
def milestone_create(request: Request, reform_code: str, title: str = Form(""), due_year: str = Form(""),
                     user: User = require_role("milestone.edit")):
    return act(request, lambda db: milestones.create(db, reform_code=reform_code, title=title, due_year=due_year,
                                                     actor=user.email).id,
               redirect=f"/programme/reforms#reform-{reform_code}",
               on_invalid=lambda errors: _reforms_page(request, errors=errors, form_for=f"new-{reform_code}",
                                                       values={"title": title, "due_year": due_year}))


class MilestoneBody(BaseModel):
    title: str = Field(max_length=2000)
    due_year: int = Field(ge=2000, le=2100)


@router.post("/api/programme/reforms/{reform_code}/milestones", dependencies=CSRF, status_code=201,
             summary="Add a milestone to a reform")
def milestone_create_api(request: Request, reform_code: str, body: MilestoneBody,
                         user: User = require_role("milestone.edit")):
    return api(request, lambda db: {"id": milestones.create(db, reform_code=reform_code, title=body.title,
                                                            due_year=body.due_year, actor=user.email).id},
               status_code=201)


@router.post("/programme/milestones/{milestone_id}/edit", dependencies=CSRF, summary="Edit a milestone (form)")
def milestone_edit(request: Request, milestone_id: RowId, title: str = Form(""), due_year: str = Form(""),
                   user: User = require_role("milestone.edit")):
    return act(request, lambda db: milestones.edit(db, milestone_id, title=title, due_year=due_year,
                                                   actor=user.email).reform_code,
               redirect=lambda code: f"/programme/reforms#reform-{code}",
               on_invalid=lambda errors: _reforms_page(request, errors=errors, form_for=f"edit-{milestone_id}",
                                                       values={"title": title, "due_year": due_year}))


@router.post("/api/programme/milestones/{milestone_id}/edit", dependencies=CSRF,
             summary="Edit a milestone's title and due year")
def milestone_edit_api(request: Request, milestone_id: RowId, body: MilestoneBody,
                       user: User = require_role("milestone.edit")):
    return api(request, lambda db: {"id": milestones.edit(db, milestone_id, title=body.title, due_year=body.due_year,
                                                          actor=user.email).id})


def _report(db, user: User, milestone_id: int, status: str, progress_pct, evidence: str) -> str:
    reform = db.get(Reform, require(db, Milestone, milestone_id, "milestone").reform_code)
    if not access.allowed(db, user, "reform.update", reform_agency_code=reform.agency_code):
        raise NotAllowed(f"only the responsible agency or the delegation may update reform {reform.code}")
    milestones.report(db, milestone_id, status=status, progress_pct=progress_pct, evidence=evidence, actor=user.email)
    return reform.code


@router.post("/programme/milestones/{milestone_id}", dependencies=CSRF,
             summary="Report progress on a milestone with evidence (form; the responsible agency or the delegation)")
def milestone_report(request: Request, milestone_id: RowId, status: str = Form(""), progress_pct: str = Form(""),
                     evidence: str = Form(""), user: User = require_role("reform.update")):
    return act(request, lambda db: _report(db, user, milestone_id, status, progress_pct, evidence),
               redirect=lambda code: f"/programme/reforms#reform-{code}",
               on_invalid=lambda errors: _reforms_page(request, errors=errors, form_for=f"report-{milestone_id}",
                                                       values={"status": status, "progress_pct": progress_pct,
                                                               "evidence": evidence}))


class ReportBody(BaseModel):
    status: str = Field(description="planned, in_progress or done", max_length=20)
    progress_pct: int = Field(ge=0, le=100)
    evidence: str = Field("", max_length=100_000, description="required for done: a report, a link")


@router.post("/api/programme/milestones/{milestone_id}/progress", dependencies=CSRF,
             summary="Report progress on a milestone with evidence (the responsible agency or the delegation)")
def milestone_report_api(request: Request, milestone_id: RowId, body: ReportBody,
                         user: User = require_role("reform.update")):
    return api(request, lambda db: {"reform": _report(db, user, milestone_id, body.status, body.progress_pct,
                                                      body.evidence)})
