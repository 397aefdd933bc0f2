"""Accounts and roles. Passwords are hashed with argon2id (argon2-cffi); the clear text is never stored."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from segreform.programme.audit import record
from segreform.programme.errors import InvalidInput, require
from segreform.programme.field_errors import FieldError
from segreform.programme.validation import Message as M
from segreform.store.models.programme import Organisation, User

# role -> (Swedish, English)
ROLES: dict[str, tuple[str, str]] = {
    "admin": ("Delegationens administratör", "Delegation administrator"),
    "officer": ("Handläggare", "Programme officer"),
    "reviewer": ("Bedömare", "Reviewer"),
    "applicant": ("Kommunal sökande", "Municipal applicant"),
    "agency": ("Myndighetskontakt", "Agency contact"),
    "researcher": ("Forskare", "Researcher"),
    "public": ("Allmänheten", "Public"),
}
# Roles that act for an organisation and only ever see its own things.
ORGANISATION_ROLES = ("applicant", "agency")
MIN_PASSWORD_LENGTH = 12

# argon2id with the library's defaults (RFC 9106 low-memory profile); tests swap in a cheaper one.
_hasher = PasswordHasher()


def create_user(db: Session, *, email: str, name: str, role: str, password: str, actor: str,
                organisation_code: str | None = None) -> User:
    """Create an account. Applicants and agency contacts must belong to an organisation."""
    email = email.strip().lower()
    if "@" not in email:
        raise InvalidInput("email", M("%(email)r is not an e-mail address", email=email))
    if role not in ROLES:
        raise InvalidInput("role", M("%(role)r is not a role; use one of %(roles)s", role=role, roles=", ".join(ROLES)))
    if db.scalar(select(User.id).where(User.email == email)) is not None:
        raise InvalidInput("email", M("%(email)s already has an account", email=email))
    organisation_id = None
    if organisation_code:
        organisation = db.scalar(select(Organisation).where(Organisation.code == organisation_code))
        if organisation is None:
            raise InvalidInput("organisation", M("no organisation with code %(code)r (municipalities are "
                                                 "'kommun-<kommunkod>')", code=organisation_code))
        organisation_id = organisation.id
    elif role in ORGANISATION_ROLES:
        raise InvalidInput("organisation", M("a %(role)s account must name its organisation", role=M(role)))
    check_password_strength(password, email)
    user = User(email=email, name=name, role=role, organisation_id=organisation_id,
                password_hash=_hasher.hash(password), active=True)
    db.add(user)
    db.flush()
    record(db, actor, "user.create", "user", user.id, email=email, role=role)
    return user


def check_password_strength(password: str, email: str = "") -> None:
    """The strength rule: at least 12 characters, of at least two kinds (letters, digits, others), and not
    the e-mail address or its name part."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise FieldError("password", "must be at least %(n)s characters", n=MIN_PASSWORD_LENGTH)
    kinds = (any(c.isalpha() for c in password) + any(c.isdigit() for c in password)
             + any(not c.isalnum() for c in password))
    if kinds < 2:
        raise FieldError("password", "mix at least two of letters, digits and other characters")
    local = email.strip().lower().partition("@")[0]
    if email and password.strip().lower() in {email.strip().lower(), local}:
        raise FieldError("password", "must not be your e-mail address")


def authenticate(db: Session, email: str, password: str) -> User | None:
    """The active user with these credentials, or None (the same answer for unknown e-mail and wrong password)."""
    user = db.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None or not user.active:
        _hasher.hash(password)  # spend the same time as a real check so that e-mails cannot be probed
        return None
    try:
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    return user


def get_user(db: Session, user_id: int) -> User:
    return require(db, User, user_id, "user")
