"""People: each role's worklist after sign-in, one's own password, and the admin's user administration.

Pages: ``/programme/home`` (the worklist every sign-in lands on), ``/programme/account/password``,
``/programme/users`` (admin). API: ``/api/programme/me``, ``/api/programme/me/worklist``,
``/api/programme/me/password``, ``/api/programme/users[...]``, ``/api/programme/organisations``. Every POST carries
the session's CSRF token (form field or ``X-CSRF-Token``).
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, Field
from sqlalchemy import select

from segreform.programme import users as people, worklists
from segreform.programme.accounts import ROLES
from segreform.programme.errors import InvalidInput, NotFound, missing_message
from segreform.store import session as db_session, transaction
from segreform.store.models.evaluation import ResearcherArea
from segreform.store.models.programme import DevelopmentArea, Organisation, User
from segreform.web.auth import current_user, require_role, verify_csrf
from segreform.web.i18n import language
from segreform.web.messages import detail as error_detail
from segreform.web.params import RowId
from segreform.web.people_forms import act, api, field_errors, page

router = APIRouter()
CSRF = [Depends(verify_csrf)]
ADMIN = require_role("user.manage")


def _user_row(db, user: User) -> dict:
    organisation = db.get(Organisation, user.organisation_id) if user.organisation_id else None
    return {"id": user.id, "email": user.email, "name": user.name, "role": user.role, "active": user.active,
            "must_change_password": user.must_change_password,
            "organisation": organisation.code if organisation else None,
            "organisation_name": organisation.name if organisation else None,
            "organisation_kind": organisation.kind if organisation else None}


# --- the worklist -----------------------------------------------------------------------------------

@router.get("/programme/home", summary="The signed-in user's worklist (where sign-in lands)")
def home(request: Request):
    user = current_user(request)
    lang = language(request)
    if user is None:
        return RedirectResponse(f"/programme/login?lang={lang}", status_code=303)
    if user.must_change_password:
        return RedirectResponse(f"/programme/account/password?lang={lang}", status_code=303)
    with db_session(request.app.state.engine) as db:
        return page(request, "programme/home.html", work=worklists.worklist(db, user))


@router.get("/api/programme/me", summary="Who is signed in")
def me_api(request: Request, user: User = require_role("worklist.view")):
    with db_session(request.app.state.engine) as db:
        return _user_row(db, db.get(User, user.id))


@router.get("/api/programme/me/worklist", summary="The signed-in user's worklist (as on /programme/home)")
def worklist_api(request: Request, user: User = require_role("worklist.view")):
    with db_session(request.app.state.engine) as db:
        return worklists.worklist(db, db.get(User, user.id))


# --- one's own password -----------------------------------------------------------------------------

@router.get("/programme/account/password", summary="Form: change your password")
def password_page(request: Request, user: User = require_role("worklist.view")):
    return page(request, "programme/password.html", errors={})


@router.post("/programme/account/password", dependencies=CSRF, summary="Change your password (form)")
def password_change(request: Request, old_password: str = Form(""), new_password: str = Form(""),
                    repeat: str = Form(""), user: User = require_role("worklist.view")):
    return act(request, lambda db: people.change_password(db, user.id, old_password=old_password,
                                                          new_password=new_password, repeat=repeat).id,
               redirect="/programme/home",
               on_invalid=lambda errors: page(request, "programme/password.html", errors=errors))


class PasswordChange(BaseModel):
    old_password: str = Field(max_length=1000)
    new_password: str = Field(max_length=1000)


@router.post("/api/programme/me/password", dependencies=CSRF, summary="Change your password",
             description="The current password is required; the new one needs at least 12 characters of at "
                         "least two kinds (letters, digits, others). Answers 400 with `fields` when refused.")
def password_change_api(request: Request, body: PasswordChange, user: User = require_role("worklist.view")):
    return api(request, lambda db: _user_row(db, people.change_password(
        db, user.id, old_password=body.old_password, new_password=body.new_password)))


# --- users (admin) ----------------------------------------------------------------------------------

def _users_page(request: Request, status_code: int = 200, **context):
    with db_session(request.app.state.engine) as db:
        rows = [_user_row(db, u) for u in people.list_users(db)]
        organisations = people.organisations(db)
        return page(request, "programme/users.html", status_code=status_code, users=rows,
                    organisations=organisations, kinds=people.ROLE_ORGANISATION_KINDS,
                    errors=context.pop("errors", {}), values=context.pop("values", {}),
                    org_errors=context.pop("org_errors", {}), org_kinds=people.ORGANISATION_KINDS, **context)


@router.get("/programme/users", summary="Page: users (admin)")
def users_page(request: Request, user: User = ADMIN):
    return _users_page(request)


def _issued_page(request: Request, row: dict, password: str, reason: str):
    # The one-time password is shown on this response only; it is never stored in clear or shown again.
    response = page(request, "programme/user_issued.html", row=row, password=password, reason=reason)
    response.headers["Cache-Control"] = "no-store"
    return response


@router.post("/programme/users", dependencies=CSRF, summary="Create a user (form, admin)")
def user_create(request: Request, email: str = Form(""), name: str = Form(""), role: str = Form(""),
                organisation: str = Form(""), user: User = ADMIN):
    values = {"email": email, "name": name, "role": role, "organisation": organisation}
    try:
        with transaction(request.app.state.engine) as db:
            issued = people.create(db, email=email, name=name, role=role, organisation_code=organisation or None,
                                   actor=user.email)
            row = _user_row(db, issued.user)
    except InvalidInput as exc:
        return _users_page(request, status_code=400, errors=field_errors(language(request), exc), values=values)
    return _issued_page(request, row, issued.one_time_password, "created")


@router.get("/programme/users/{user_id}", summary="Page: one user (admin)")
def user_page(request: Request, user_id: RowId, user: User = ADMIN):
    with db_session(request.app.state.engine) as db:
        found = db.get(User, user_id)
        if found is None:
            raise HTTPException(status_code=404, detail=missing_message("user", user_id))
        return page(request, "programme/user.html", row=_user_row(db, found), errors={}, values={},
                    organisations=people.organisations(db), kinds=people.ROLE_ORGANISATION_KINDS,
                    areas=_areas(db, user_id), all_areas=_development_areas(db))


@router.post("/programme/users/{user_id}", dependencies=CSRF, summary="Change a user's name, role, organisation (form)")
def user_update(request: Request, user_id: RowId, name: str = Form(""), role: str = Form(""),
                organisation: str = Form(""), user: User = ADMIN):
    def again(errors):
        with db_session(request.app.state.engine) as db:
            found = db.get(User, user_id)
            return page(request, "programme/user.html", row=_user_row(db, found), errors=errors,
                        values={"name": name, "role": role, "organisation": organisation},
                        organisations=people.organisations(db), kinds=people.ROLE_ORGANISATION_KINDS,
                        areas=_areas(db, user_id), all_areas=_development_areas(db))

    return act(request, lambda db: people.update(db, user_id, name=name, role=role,
                                                 organisation_code=organisation or None, actor=user.email).id,
               redirect=f"/programme/users/{user_id}", on_invalid=again)


@router.post("/programme/users/{user_id}/deactivate", dependencies=CSRF, summary="Deactivate a user (form)")
def user_deactivate(request: Request, user_id: RowId, user: User = ADMIN):
    return act(request, lambda db: people.set_active(db, user_id, False, user.email).id,
               redirect="/programme/users")


@router.post("/programme/users/{user_id}/activate", dependencies=CSRF, summary="Reactivate a user (form)")
def user_activate(request: Request, user_id: RowId, user: User = ADMIN):
    return act(request, lambda db: people.set_active(db, user_id, True, user.email).id,
               redirect="/programme/users")


@router.post("/programme/users/{user_id}/reset", dependencies=CSRF, summary="Reset a user's password (form)")
def user_reset(request: Request, user_id: RowId, user: User = ADMIN):
    try:
        with transaction(request.app.state.engine) as db:
            issued = people.reset(db, user_id, user.email)
            row = _user_row(db, issued.user)
    except NotFound as exc:
        raise HTTPException(status_code=404, detail=error_detail(exc)) from None
    return _issued_page(request, row, issued.one_time_password, "reset")


# --- users API --------------------------------------------------------------------------------------

class NewUser(BaseModel):
    email: str = Field(max_length=200)
    name: str = Field(max_length=500)
    role: str = Field(description=f"one of {', '.join(ROLES)}", max_length=20)
    organisation: str | None = Field(None, max_length=40,
                                     description="organisation code (municipalities: kommun-<kommunkod>)")
    password: str | None = Field(None, max_length=1000, description=(
        "leave out to issue a one-time password (returned once; the user must change it at sign-in)"))


class UserChange(BaseModel):
    name: str = Field(max_length=500)
    role: str = Field(max_length=20)
    organisation: str | None = Field(None, max_length=40)


@router.get("/api/programme/users", summary="List users (admin)")
def users_api(request: Request, user: User = ADMIN):
    with db_session(request.app.state.engine) as db:
        return [_user_row(db, u) for u in people.list_users(db)]


@router.post("/api/programme/users", dependencies=CSRF, status_code=201, summary="Create a user (admin)",
             description="Answers 201 with the user and `one_time_password` (only when no password was given: "
                         "shown once, never again); 400 with `fields` naming every bad field.")
def user_create_api(request: Request, body: NewUser, user: User = ADMIN):
    def work(db):
        issued = people.create(db, email=body.email, name=body.name, role=body.role, actor=user.email,
                               organisation_code=body.organisation or None, password=body.password)
        return {**_user_row(db, issued.user), "one_time_password": issued.one_time_password or None}

    return api(request, work, status_code=201)


@router.get("/api/programme/users/{user_id}", summary="One user (admin)")
def user_api(request: Request, user_id: RowId, user: User = ADMIN):
    return api(request, lambda db: _user_row(db, people.find_user(db, user_id)))


@router.post("/api/programme/users/{user_id}", dependencies=CSRF, summary="Change a user's name, role, organisation")
def user_update_api(request: Request, user_id: RowId, body: UserChange, user: User = ADMIN):
    return api(request, lambda db: _user_row(db, people.update(
        db, user_id, name=body.name, role=body.role, organisation_code=body.organisation or None, actor=user.email)))


@router.post("/api/programme/users/{user_id}/deactivate", dependencies=CSRF,
             summary="Deactivate a user: no sign-in, every session ends")
def user_deactivate_api(request: Request, user_id: RowId, user: User = ADMIN):
    return api(request, lambda db: _user_row(db, people.set_active(db, user_id, False, user.email)))


@router.post("/api/programme/users/{user_id}/activate", dependencies=CSRF, summary="Reactivate a user")
def user_activate_api(request: Request, user_id: RowId, user: User = ADMIN):
    return api(request, lambda db: _user_row(db, people.set_active(db, user_id, True, user.email)))


@router.post("/api/programme/users/{user_id}/reset", dependencies=CSRF,
             summary="Reset a user's password to a one-time password (returned once)")
def user_reset_api(request: Request, user_id: RowId, user: User = ADMIN):
    def work(db):
        issued = people.reset(db, user_id, user.email)
        return {**_user_row(db, issued.user), "one_time_password": issued.one_time_password}

    return api(request, work)


@router.get("/api/programme/organisations", summary="Organisations users can belong to (admin)")
def organisations_api(request: Request, user: User = ADMIN):
    with db_session(request.app.state.engine) as db:
        return [{"code": o.code, "name": o.name, "kind": o.kind} for o in people.organisations(db)]


# --- organisations (admin) --------------------------------------------------------------------------

@router.post("/programme/organisations", dependencies=CSRF, summary="Add an organisation (form, admin)")
def organisation_create(request: Request, kind: str = Form(""), code: str = Form(""), name: str = Form(""),
                        kommunkod: str = Form(""), user: User = ADMIN):
    values = {"org_kind": kind, "org_code": code, "org_name": name, "org_kommunkod": kommunkod}
    return act(request, lambda db: people.create_organisation(db, kind=kind, code=code, name=name,
                                                              kommunkod=kommunkod or None, actor=user.email).id,
               redirect="/programme/users",
               on_invalid=lambda errors: _users_page(request, org_errors=errors, values=values))


class NewOrganisation(BaseModel):
    kind: str = Field(description="research, delegation, region, civil_society, municipality or agency",
                      max_length=20)
    code: str = Field("", max_length=40, description="a short unique code (municipalities: made from kommunkod)")
    name: str = Field(max_length=500)
    kommunkod: str | None = Field(None, max_length=4)


@router.post("/api/programme/organisations", dependencies=CSRF, status_code=201,
             summary="Add an organisation users can belong to (admin)")
def organisation_create_api(request: Request, body: NewOrganisation, user: User = ADMIN):
    def work(db):
        organisation = people.create_organisation(db, kind=body.kind, code=body.code, name=body.name,
                                                  kommunkod=body.kommunkod, actor=user.email)
        return {"code": organisation.code, "name": organisation.name, "kind": organisation.kind}

    return api(request, work, status_code=201)


# --- researchers' development areas (admin) ---------------------------------------------------------

def _attach_area(request: Request, db, user_id: int, development_area: str, actor: str) -> int:
    people.attach_area(db, user_id, development_area, actor)
    db.flush()
    return user_id


@router.post("/programme/users/{user_id}/areas", dependencies=CSRF,
             summary="Attach a researcher to a development area (form, admin)")
def user_area(request: Request, user_id: RowId, development_area: str = Form(""), user: User = ADMIN):
    return act(request, lambda db: _attach_area(request, db, user_id, development_area, user.email),
               redirect=f"/programme/users/{user_id}")


class AreaBody(BaseModel):
    development_area: str = Field(max_length=40)


@router.post("/api/programme/users/{user_id}/areas", dependencies=CSRF,
             summary="Attach a researcher to a development area (they see its evaluation plans and data)")
def user_area_api(request: Request, user_id: RowId, body: AreaBody, user: User = ADMIN):
    def work(db):
        _attach_area(request, db, user_id, body.development_area, user.email)
        return {**_user_row(db, people.find_user(db, user_id)), "development_areas": sorted(_areas(db, user_id))}

    return api(request, work)


def _areas(db, user_id: int) -> list[str]:
    return list(db.scalars(select(ResearcherArea.development_area).where(ResearcherArea.user_id == user_id)))


def _development_areas(db):
    return list(db.scalars(select(DevelopmentArea).order_by(DevelopmentArea.code)))
