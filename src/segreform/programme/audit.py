"""The append-only audit log: every decision, override and payment leaves one row that is never changed."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from segreform.programme.clock import utcnow
from segreform.store.models.programme import AuditEntry


def record(db: Session, actor: str, action: str, entity: str, entity_id: Any, **detail: Any) -> AuditEntry:
    """Append an audit entry inside the caller's transaction (so it commits or rolls back with the action)."""
    entry = AuditEntry(
        at=utcnow(), actor=actor, action=action, entity=entity, entity_id=str(entity_id), detail=detail
    )
    db.add(entry)
    return entry


def history(db: Session, entity: str | None = None, entity_id: Any = None) -> list[AuditEntry]:
    """Audit entries, oldest first, optionally for one entity."""
    query = select(AuditEntry).order_by(AuditEntry.id)
    if entity is not None:
        query = query.where(AuditEntry.entity == entity)
    if entity_id is not None:
        query = query.where(AuditEntry.entity_id == str(entity_id))
    return list(db.scalars(query))


def _refuse_change(_mapper, _connection, target: AuditEntry) -> None:
    raise PermissionError(f"audit entry {target.id} is append-only: it cannot be changed or deleted")


event.listen(AuditEntry, "before_update", _refuse_change)
event.listen(AuditEntry, "before_delete", _refuse_change)
