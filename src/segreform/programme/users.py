"""Administering people: admins create (invite) users, set their role and organisation, deactivate,
reactivate and reset them; users change their own password.

An invitation or a reset gives a one-time password that is returned once (for the admin to hand over) and
is stored only as its argon2 hash; the user must replace it at the next sign-in. Deactivating or resetting
a user ends every session they have.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from segreform.programme import accounts
from segreform.programme.audit import record
from segreform.programme.errors import NotFound
from segreform.programme.field_errors import FieldError, FieldErrors
from segreform.programme.seeding import ensure_municipality, ensure_organisation
from segreform.store.models.evaluation import ResearcherArea
from segreform.store.models.programme import DevelopmentArea, Organisation, User, WebSession

# Which organisation kinds each role may belong to (None: none needed). Admins, officers and reviewers work
# for the delegation; researchers for a research institution.
ROLE_ORGANISATION_KINDS: dict[str, tuple[str, ...]] = {
    "admin": ("delegation",),
    "officer": ("delegation",),
    "reviewer": ("delegation", "research", "agency"),
    "applicant": ("municipality", "region", "civil_society"),
    "agency": ("agency",),
    "researcher": ("research",),
    "public": (),
}
ORGANISATION_REQUIRED = ("applicant", "agency")
ORGANISATION_KINDS = ("municipality", "agency", "research", "delegation", "region", "civil_society")


@dataclass
class Issued:
    """A user and the one-time password that was just set (shown once, never stored in clear)."""

    user: User
    one_time_password: str


def one_time_password() -> str:
    # 16 URL-safe characters from a CSPRNG: letters, digits and '-'/'_' (passes the strength rule in practice).
    while True:
        candidate = secrets.token_urlsafe(12)
        try:
            accounts.check_password_strength(candidate)
            return candidate
        except FieldError:
            continue


def list_users(db: Session, *, include_inactive: bool = True) -> list[User]:
    query = select(User).order_by(User.role, User.email)
    if not include_inactive:
        query = query.where(User.active.is_(True))
    return list(db.scalars(query))


def find_user(db: Session, user_id: int) -> User:
    user = db.get(User, user_id)
    if user is None:
        raise NotFound(f"user {user_id} does not exist")
    return user


def find_by_email(db: Session, email: str) -> User:
    user = db.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise NotFound(f"no user has the e-mail address {email.strip().lower()}")
    return user


def _organisation(db: Session, role: str, organisation_code: str | None) -> list[FieldError]:
    errors = []
    if not organisation_code:
        if role in ORGANISATION_REQUIRED:
            errors.append(FieldError("organisation", "a user with this role must belong to an organisation"))
        return errors
    organisation = db.scalar(select(Organisation).where(Organisation.code == organisation_code))
    if organisation is None:
        errors.append(FieldError("organisation", "no organisation has the code %(code)s", code=organisation_code))
    elif role in ROLE_ORGANISATION_KINDS and organisation.kind not in ROLE_ORGANISATION_KINDS[role]:
        errors.append(FieldError("organisation", "this role cannot belong to that kind of organisation (%(kind)s)",
                                 kind=organisation.kind))
    return errors


def validate(db: Session, *, email: str, name: str, role: str, organisation_code: str | None,
             password: str | None = None, existing: User | None = None) -> list[FieldError]:
    """Every problem with these fields at once (empty when they are fine)."""
    errors = []
    email = email.strip().lower()
    if existing is None:
        if "@" not in email or email.startswith("@") or email.endswith("@") or len(email) > 200:
            errors.append(FieldError("email", "enter an e-mail address"))
        elif db.scalar(select(User.id).where(User.email == email)) is not None:
            errors.append(FieldError("email", "this e-mail address already has an account"))
    if not name.strip():
        errors.append(FieldError("name", "enter a name"))
    if role not in accounts.ROLES:
        errors.append(FieldError("role", "choose a role"))
    else:
        errors += _organisation(db, role, organisation_code)
    if password is not None:
        try:
            accounts.check_password_strength(password, email)
        except FieldError as exc:
            errors.append(exc)
    return errors


def create(db: Session, *, email: str, name: str, role: str, actor: str, organisation_code: str | None = None,
           password: str | None = None) -> Issued:
    """Create a user. Without ``password`` a one-time password is issued that must be changed at sign-in.

    Raises :class:`FieldErrors` naming every bad field; nothing is written then.
    """
    errors = validate(db, email=email, name=name, role=role, organisation_code=organisation_code,
                      password=password)
    if errors:
        raise FieldErrors(errors)
    issued = password or one_time_password()
    user = accounts.create_user(db, email=email, name=name.strip(), role=role, password=issued, actor=actor,
                                organisation_code=organisation_code or None)
    user.must_change_password = password is None
    return Issued(user, "" if password else issued)


def update(db: Session, user_id: int, *, name: str, role: str, organisation_code: str | None, actor: str) -> User:
    """Change a user's name, role and organisation. An admin cannot remove the last active admin."""
    user = find_user(db, user_id)
    errors = validate(db, email=user.email, name=name, role=role, organisation_code=organisation_code,
                      existing=user)
    if user.role == "admin" and role != "admin" and _other_active_admins(db, user) == 0:
        errors.append(FieldError("role", "this is the last active admin; make someone else admin first"))
    if errors:
        raise FieldErrors(errors)
    organisation_id = None
    if organisation_code:
        organisation_id = db.scalar(select(Organisation.id).where(Organisation.code == organisation_code))
    if role != user.role:
        _end_sessions(db, user.id)  # a session keeps no stale rights
    user.name, user.role, user.organisation_id = name.strip(), role, organisation_id
    record(db, actor, "user.update", "user", user.id, role=role, organisation=organisation_code or "")
    return user


def set_active(db: Session, user_id: int, active: bool, actor: str) -> User:
    """Deactivate (the user can no longer sign in; every session ends) or reactivate a user."""
    user = find_user(db, user_id)
    if not active and user.role == "admin" and user.active and _other_active_admins(db, user) == 0:
        raise FieldError("active", "this is the last active admin; make someone else admin first")
    user.active = active
    if not active:
        _end_sessions(db, user.id)
    record(db, actor, "user.activate" if active else "user.deactivate", "user", user.id)
    return user


def reset(db: Session, user_id: int, actor: str) -> Issued:
    """Replace the password with a one-time password (returned once) and end every session of the user."""
    user = find_user(db, user_id)
    issued = one_time_password()
    user.password_hash = accounts._hasher.hash(issued)
    user.must_change_password = True
    _end_sessions(db, user.id)
    record(db, actor, "user.reset", "user", user.id)
    return Issued(user, issued)


def change_password(db: Session, user_id: int, *, old_password: str, new_password: str,
                    repeat: str | None = None) -> User:
    """The user's own change: the old password is required; the new one must pass the strength rule."""
    user = find_user(db, user_id)
    errors = []
    if accounts.authenticate(db, user.email, old_password) is None:
        errors.append(FieldError("old_password", "the current password is wrong"))
    try:
        accounts.check_password_strength(new_password, user.email)
    except FieldError as exc:
        errors.append(FieldError("new_password", exc.msgid, **exc.fields))
    if repeat is not None and repeat != new_password:
        errors.append(FieldError("repeat", "the two new passwords differ"))
    if not errors and new_password == old_password:
        errors.append(FieldError("new_password", "choose a password other than the current one"))
    if errors:
        raise FieldErrors(errors)
    user.password_hash = accounts._hasher.hash(new_password)
    user.must_change_password = False
    record(db, user.email, "user.password", "user", user.id)
    return user


def _other_active_admins(db: Session, user: User) -> int:
    return len(list(db.scalars(select(User.id).where(User.role == "admin", User.active.is_(True),
                                                     User.id != user.id))))


def _end_sessions(db: Session, user_id: int) -> None:
    db.execute(delete(WebSession).where(WebSession.user_id == user_id))


def organisations(db: Session, kinds: tuple[str, ...] = ORGANISATION_KINDS) -> list[Organisation]:
    return list(db.scalars(select(Organisation).where(Organisation.kind.in_(kinds))
                           .order_by(Organisation.kind, Organisation.name)))


def create_organisation(db: Session, *, kind: str, code: str, name: str, actor: str,
                        kommunkod: str | None = None) -> Organisation:
    """Add an organisation users can belong to (a research institution, a region, the delegation, ...)."""
    errors = []
    code = code.strip().lower()
    if kind not in ORGANISATION_KINDS:
        errors.append(FieldError("kind", "choose a kind"))
    if kind == "municipality":
        if not (kommunkod or "").isdigit() or len(kommunkod or "") != 4:
            errors.append(FieldError("kommunkod", "enter the 4-digit kommunkod"))
        code = f"kommun-{kommunkod}"
    elif not code or len(code) > 40 or not all(c.isalnum() or c in "-_" for c in code):
        errors.append(FieldError("code", "use 1–40 letters, digits, '-' or '_'"))
    if not name.strip():
        errors.append(FieldError("name", "enter a name"))
    if not errors and db.scalar(select(Organisation.id).where(Organisation.code == code)) is not None:
        errors.append(FieldError("code", "the code %(code)s is taken", code=code))
    if errors:
        raise FieldErrors(errors)
    if kind == "municipality":
        organisation = ensure_municipality(db, kommunkod, name.strip())
    else:
        organisation = ensure_organisation(db, kind=kind, code=code, name=name.strip())
    record(db, actor, "organisation.create", "organisation", organisation.id, kind=kind, code=code)
    return organisation


def attach_area(db: Session, user_id: int, development_area: str, actor: str) -> User:
    """Attach a researcher to a development area (they see its evaluation plans, runs and data), in the caller's
    transaction — the same row as :func:`segreform.research.plans.attach_researcher` writes; idempotent."""
    user = find_user(db, user_id)
    errors = []
    if user.role != "researcher":
        errors.append(FieldError("role", "only a researcher is attached to development areas"))
    if db.get(DevelopmentArea, development_area) is None:
        errors.append(FieldError("development_area", "choose a development area"))
    if errors:
        raise FieldErrors(errors)
    exists = db.scalar(select(ResearcherArea.id).where(ResearcherArea.user_id == user.id,
                                                        ResearcherArea.development_area == development_area))
    if exists is None:
        db.add(ResearcherArea(user_id=user.id, development_area=development_area))
        record(db, actor, "user.area", "user", user.id, development_area=development_area)
    return user
