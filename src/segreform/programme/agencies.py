"""The registry of state agencies: names in Swedish and English and a contact person with e-mail address.

Every entry is an organisation of kind ``agency`` (so agencies can join networks, own reforms and have
agency-contact users); the registry adds what the networks need to reach them. The real agencies named in the
programme are seeded from ``seed/agencies.yaml`` (no contacts are invented; officers fill them in).
"""

from __future__ import annotations

from pathlib import Path

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from segreform.programme.audit import record
from segreform.programme.field_errors import FieldError, FieldErrors
from segreform.store.models.programme import Organisation
from segreform.store.models.programme_people import AgencyRegistryEntry

SEED_FILE = Path(__file__).parent / "seed" / "agencies.yaml"


def seed_agencies(db: Session, path: Path = SEED_FILE) -> int:
    """Create or rename the seeded agencies (idempotent; contacts already entered are kept). Returns the count."""
    spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    rows = spec.get("agencies") if isinstance(spec, dict) else None
    if not isinstance(rows, list):
        raise FieldError("agencies", "%(file)s has no list 'agencies'", file=str(path))
    for n, row in enumerate(rows, start=1):
        missing = [key for key in ("code", "name_sv", "name_en") if not str(row.get(key) or "").strip()]
        if missing:
            raise FieldError(missing[0], "%(file)s, agency %(row)s: %(field)s is missing",
                             file=str(path), row=n, field=missing[0])
        _upsert(db, row["code"], row["name_sv"], row["name_en"])
    return len(rows)


def _upsert(db: Session, code: str, name_sv: str, name_en: str) -> AgencyRegistryEntry:
    organisation = db.scalar(select(Organisation).where(Organisation.code == code))
    if organisation is None:
        organisation = Organisation(kind="agency", code=code, name=name_sv)
        db.add(organisation)
        db.flush()
    entry = db.get(AgencyRegistryEntry, organisation.id)
    if entry is None:
        entry = AgencyRegistryEntry(organisation_id=organisation.id, name_sv=name_sv, name_en=name_en,
                                    contact_name="", contact_email="")
        db.add(entry)
    else:
        entry.name_sv, entry.name_en = name_sv, name_en
    db.flush()
    return entry


def registry(db: Session) -> list[tuple[Organisation, AgencyRegistryEntry]]:
    return list(db.execute(select(Organisation, AgencyRegistryEntry)
                           .join(AgencyRegistryEntry, AgencyRegistryEntry.organisation_id == Organisation.id)
                           .order_by(AgencyRegistryEntry.name_sv)).all())


def save(db: Session, *, code: str, name_sv: str, name_en: str, contact_name: str, contact_email: str,
         actor: str) -> AgencyRegistryEntry:
    """Add an agency to the registry or update its names and contact."""
    errors = []
    code = code.strip().lower()
    if not code or len(code) > 40 or not all(c.isalnum() or c in "-_" for c in code):
        errors.append(FieldError("code", "use 1–40 letters, digits, '-' or '_'"))
    if not name_sv.strip():
        errors.append(FieldError("name_sv", "enter the Swedish name"))
    if not name_en.strip():
        errors.append(FieldError("name_en", "enter the English name"))
    contact_email = contact_email.strip()
    if contact_email and ("@" not in contact_email or len(contact_email) > 200):
        errors.append(FieldError("contact_email", "enter an e-mail address"))
    existing = db.scalar(select(Organisation).where(Organisation.code == code)) if code else None
    if existing is not None and existing.kind != "agency":
        errors.append(FieldError("code", "the code %(code)s belongs to an organisation that is not an agency",
                                 code=code))
    if errors:
        raise FieldErrors(errors)
    entry = _upsert(db, code, name_sv.strip(), name_en.strip())
    entry.contact_name, entry.contact_email = contact_name.strip(), contact_email
    record(db, actor, "agency.save", "organisation", entry.organisation_id, code=code)
    return entry
