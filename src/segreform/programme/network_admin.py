"""Running the networks after they exist: members from grants and the agency registry, researchers,
meetings edited and published afterwards, models of work linked to meetings, and who may read the minutes.

Minutes, decisions and action items are for the network's members (its municipalities' and agencies' users,
its researchers, and the delegation's staff) until an officer publishes the meeting.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from segreform.programme import networks
from segreform.programme.audit import record
from segreform.programme.errors import require
from segreform.programme.field_errors import FieldError, FieldErrors
from segreform.store.models.programme import (
    ActionItem,
    Application,
    ApplicationArea,
    DevelopmentArea,
    Grant,
    Meeting,
    Network,
    NetworkMember,
    Organisation,
    User,
    WorkModel,
)
from segreform.store.models.programme_people import AgencyRegistryEntry, NetworkResearcher, WorkModelMeeting

STAFF = ("admin", "officer")


@dataclass
class MeetingFields:
    level: str
    title: str
    held_on: date
    agenda: str
    minutes: str
    decisions: str
    participants: list[str]


def _checked_day(value: str | date | None, field: str, errors: list[FieldError]) -> date | None:
    """The date typed in ``field`` (ISO), or None with the reason appended to ``errors``."""
    day = value if isinstance(value, date) else None
    if day is None:
        try:
            day = date.fromisoformat(str(value or "").strip())
        except ValueError:
            errors.append(FieldError(field, "enter a date (YYYY-MM-DD)"))
    if day is not None and not 1990 <= day.year <= 2100:
        errors.append(FieldError(field, "the year must be between %(low)s and %(high)s", low=1990, high=2100))
        return None
    return day


def check_meeting(*, level: str, title: str, held_on: str | date | None, agenda: str = "", minutes: str = "",
                  decisions: str = "", participants: str | list[str] = "") -> MeetingFields:
    """Validate a meeting's fields as typed; every error at once (:class:`FieldErrors`)."""
    errors = []
    if level not in networks.LEVELS:
        errors.append(FieldError("level", "choose a level"))
    if not title.strip():
        errors.append(FieldError("title", "enter a title"))
    day = _checked_day(held_on, "held_on", errors)
    if errors:
        raise FieldErrors(errors)
    people = participants if isinstance(participants, list) else participants.replace("\n", ",").split(",")
    return MeetingFields(level, title.strip(), day, agenda, minutes, decisions,
                         [p.strip() for p in people if p.strip()])


def create_meeting(db: Session, network_id: int, fields: MeetingFields, actor: str, published: bool = False) -> Meeting:
    meeting = networks.add_meeting(db, network_id=network_id, level=fields.level, title=fields.title,
                                   held_on=fields.held_on, agenda=fields.agenda, minutes=fields.minutes,
                                   decisions=fields.decisions, participants=fields.participants, actor=actor)
    meeting.published = published
    return meeting


def update_meeting(db: Session, meeting_id: int, fields: MeetingFields, actor: str,
                   published: bool | None = None) -> Meeting:
    """Edit a meeting afterwards (agenda, participants, minutes, decisions...); audited."""
    meeting = require(db, Meeting, meeting_id, "meeting")
    meeting.level, meeting.title, meeting.held_on = fields.level, fields.title, fields.held_on
    meeting.agenda, meeting.minutes, meeting.decisions = fields.agenda, fields.minutes, fields.decisions
    meeting.participants = fields.participants
    if published is not None:
        meeting.published = published
    record(db, actor, "meeting.update", "meeting", meeting_id, published=meeting.published)
    return meeting


def check_action(*, description: str, owner: str, due_on: str | date | None) -> tuple[str, str, date]:
    errors = []
    if not description.strip():
        errors.append(FieldError("description", "describe the action"))
    if not owner.strip():
        errors.append(FieldError("owner", "every action item needs an owner"))
    day = _checked_day(due_on, "due_on", errors)
    if errors:
        raise FieldErrors(errors)
    return description.strip(), owner.strip(), day


def create_network(db: Session, development_area_code: str, name: str, actor: str) -> Network:
    if db.get(DevelopmentArea, development_area_code) is None:
        raise FieldError("development_area", "choose a development area")
    existing = db.scalar(select(Network).where(Network.development_area_code == development_area_code))
    if existing is not None:
        raise FieldError("development_area", "this development area already has a network")
    network = networks.ensure_network(db, development_area_code, name.strip() or None)
    record(db, actor, "network.create", "network", network.id, development_area=development_area_code)
    return network


def granted_municipalities(db: Session, network_id: int) -> list[tuple[Organisation, int]]:
    """Municipalities with a grant in the network's development area that are not yet members, with the
    grant's first year (what a member's first year should be)."""
    network = require(db, Network, network_id, "network")
    rows = db.execute(
        select(Organisation, Grant.start_year)
        .join(Application, Application.organisation_id == Organisation.id)
        .join(Grant, Grant.application_id == Application.id)
        .join(ApplicationArea, ApplicationArea.application_id == Application.id)
        .where(ApplicationArea.development_area_code == network.development_area_code)
        .order_by(Organisation.name, Grant.start_year)
    ).all()
    members = set(db.scalars(select(NetworkMember.organisation_id).where(NetworkMember.network_id == network_id)))
    first: dict[int, tuple[Organisation, int]] = {}
    for organisation, year in rows:
        if organisation.id not in members and organisation.id not in first:
            first[organisation.id] = (organisation, year)
    return list(first.values())


def add_municipality(db: Session, network_id: int, organisation_id: int, actor: str) -> NetworkMember:
    """Add a municipality that holds a grant in the network's area (first year = the grant's start)."""
    candidates = {o.id: year for o, year in granted_municipalities(db, network_id)}
    if organisation_id not in candidates:
        raise FieldError("organisation", "only a municipality with a grant in this development area can join")
    return networks.add_member(db, network_id, organisation_id, candidates[organisation_id], actor)


def add_agency(db: Session, network_id: int, organisation_id: int, first_year: int, actor: str) -> NetworkMember:
    require(db, Network, network_id, "network")
    if db.get(AgencyRegistryEntry, organisation_id) is None:
        raise FieldError("organisation", "choose an agency from the registry")
    if not 1990 <= first_year <= 2100:
        raise FieldError("first_year", "the year must be between %(low)s and %(high)s", low=1990, high=2100)
    return networks.add_member(db, network_id, organisation_id, first_year, actor)


def add_researcher(db: Session, network_id: int, user_id: int, actor: str) -> NetworkResearcher:
    require(db, Network, network_id, "network")
    user = db.get(User, user_id)
    if user is None or user.role != "researcher" or not user.active:
        raise FieldError("user", "choose an active researcher")
    link = db.get(NetworkResearcher, (network_id, user_id))
    if link is None:
        link = NetworkResearcher(network_id=network_id, user_id=user_id)
        db.add(link)
        record(db, actor, "network.researcher", "network", network_id, user=user_id)
    return link


def link_work_model(db: Session, work_model_id: int, meeting_id: int, actor: str) -> WorkModelMeeting:
    model = require(db, WorkModel, work_model_id, "model of work")
    meeting = require(db, Meeting, meeting_id, "meeting")
    if model.network_id != meeting.network_id:
        raise FieldError("meeting", "the meeting belongs to another network")
    link = db.get(WorkModelMeeting, (work_model_id, meeting_id))
    if link is None:
        link = WorkModelMeeting(work_model_id=work_model_id, meeting_id=meeting_id)
        db.add(link)
        record(db, actor, "work_model.link", "work_model", work_model_id, meeting=meeting_id)
    return link


def member_network_ids(db: Session, user: User | None) -> set[int] | None:
    """The networks whose unpublished minutes ``user`` may read; None means every network (staff)."""
    if user is None:
        return set()
    if user.role in STAFF:
        return None
    ids = set(db.scalars(select(NetworkResearcher.network_id).where(NetworkResearcher.user_id == user.id)))
    if user.organisation_id is not None:
        ids |= set(db.scalars(select(NetworkMember.network_id)
                              .where(NetworkMember.organisation_id == user.organisation_id)))
    return ids


def may_read_minutes(meeting: Meeting, members_of: set[int] | None) -> bool:
    return meeting.published or members_of is None or meeting.network_id in members_of


def overdue(db: Session, today: date, network_ids: set[int] | None = None) -> list[tuple[ActionItem, Meeting]]:
    query = (select(ActionItem, Meeting).join(Meeting, Meeting.id == ActionItem.meeting_id)
             .where(ActionItem.done.is_(False), ActionItem.due_on < today).order_by(ActionItem.due_on))
    if network_ids is not None:
        query = query.where(Meeting.network_id.in_(network_ids))
    return list(db.execute(query).all())
