"""Networks per development area, meetings at three levels with agendas, minutes, decisions and action items,
and the library of models of work the networks develop."""

from __future__ import annotations

from datetime import date

import pandas as pd
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from segreform.programme.audit import record
from segreform.programme.clock import utcnow
from segreform.programme.errors import InvalidInput, require
from segreform.store import session
from segreform.store.models.programme import (
    ActionItem,
    DevelopmentArea,
    Meeting,
    Network,
    NetworkMember,
    Organisation,
    WorkModel,
)

LEVELS = {"political": ("Politisk ledning", "Political leadership"),
          "management": ("Förvaltningsledning", "Management"),
          "practitioners": ("Praktiker", "Practitioners")}


def ensure_network(db: Session, development_area_code: str, name: str | None = None) -> Network:
    area = db.get(DevelopmentArea, development_area_code)
    if area is None:
        raise InvalidInput("development_area", f"{development_area_code!r} is not a development area")
    network = db.scalar(select(Network).where(Network.development_area_code == development_area_code))
    if network is None:
        network = Network(development_area_code=development_area_code, name=name or f"Nätverk {area.name_sv}")
        db.add(network)
        db.flush()
    elif name:
        network.name = name
    return network


def add_member(db: Session, network_id: int, organisation_id: int, first_year: int, actor: str) -> NetworkMember:
    """Add a municipality or agency to a network (idempotent; keeps the earliest first year)."""
    require(db, Organisation, organisation_id, "organisation")
    member = db.get(NetworkMember, (network_id, organisation_id))
    if member is None:
        member = NetworkMember(network_id=network_id, organisation_id=organisation_id, first_year=first_year)
        db.add(member)
        record(db, actor, "network.member", "network", network_id, organisation=organisation_id)
    else:
        member.first_year = min(member.first_year, first_year)
    return member


def add_meeting(db: Session, *, network_id: int, level: str, title: str, held_on: date, actor: str,
                agenda: str = "", minutes: str = "", decisions: str = "",
                participants: list[str] | None = None) -> Meeting:
    if level not in LEVELS:
        raise InvalidInput("level", f"{level!r} is not a level; use {', '.join(LEVELS)}")
    require(db, Network, network_id, "network")
    meeting = Meeting(network_id=network_id, level=level, title=title, held_on=held_on, agenda=agenda,
                      minutes=minutes, decisions=decisions, participants=list(participants or []))
    db.add(meeting)
    db.flush()
    record(db, actor, "meeting.create", "meeting", meeting.id, network=network_id, level=level)
    return meeting


def add_action_item(db: Session, *, meeting_id: int, description: str, owner: str, due_on: date,
                    actor: str) -> ActionItem:
    require(db, Meeting, meeting_id, "meeting")
    if not owner.strip():
        raise InvalidInput("owner", "every action item needs an owner")
    item = ActionItem(meeting_id=meeting_id, description=description, owner=owner, due_on=due_on, done=False)
    db.add(item)
    db.flush()
    record(db, actor, "action.create", "meeting", meeting_id, item=item.id, owner=owner)
    return item


def complete_action_item(db: Session, item_id: int, actor: str) -> ActionItem:
    item = require(db, ActionItem, item_id, "action item")
    item.done = True
    item.completed_at = item.completed_at or utcnow()
    record(db, actor, "action.done", "action_item", item_id)
    return item


def add_work_model(db: Session, *, network_id: int, title: str, description: str, actor: str,
                   evidence: str = "", evaluation_ref: str | None = None) -> WorkModel:
    """Add a model of work to the library; ``evaluation_ref`` links an evaluation when one exists."""
    require(db, Network, network_id, "network")
    model = WorkModel(network_id=network_id, title=title, description=description, evidence=evidence,
                      evaluation_ref=evaluation_ref)
    db.add(model)
    db.flush()
    record(db, actor, "work_model.create", "work_model", model.id, network=network_id)
    return model


def overdue_actions(db: Session, today: date) -> list[ActionItem]:
    return list(db.scalars(select(ActionItem).where(ActionItem.done.is_(False), ActionItem.due_on < today)
                           .order_by(ActionItem.due_on)))


def participation(engine: Engine) -> pd.DataFrame:
    """Treated municipalities for evaluation: one row per municipality and development area with the first
    year it took part (its network membership, which a grant decision creates).

    Returns
    -------
    DataFrame with columns ``kommunkod`` (str), ``development_area`` (str), ``first_year`` (int).
    """
    with session(engine) as db:
        rows = db.execute(
            select(Organisation.kommunkod, Network.development_area_code, NetworkMember.first_year)
            .join(NetworkMember, NetworkMember.organisation_id == Organisation.id)
            .join(Network, Network.id == NetworkMember.network_id)
            .where(Organisation.kind == "municipality", Organisation.kommunkod.is_not(None))
            .order_by(Organisation.kommunkod, Network.development_area_code)
        ).all()
    frame = pd.DataFrame(rows, columns=["kommunkod", "development_area", "first_year"])
    return frame.astype({"kommunkod": str, "development_area": str, "first_year": "int64"})
