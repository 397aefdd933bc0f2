"""Review: reviewers assigned per application, conflict-of-interest declarations, scores and aggregation."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from segreform.programme.applications import get_application
from segreform.programme.audit import record
from segreform.programme.calls import criteria
from segreform.programme.clock import utcnow
from segreform.programme.errors import InvalidInput, NotAllowed, NotFound, WrongState
from segreform.programme.validation import Message as M
from segreform.store.models.programme import ConflictDeclaration, ReviewAssignment, Score, User


def declare_conflict(db: Session, *, application_id: int, user_id: int, reason: str, actor: str) -> ConflictDeclaration:
    """Record a conflict of interest (jäv). The reviewer's assignment and any scores stop counting."""
    get_application(db, application_id)
    if not reason.strip():
        raise InvalidInput("reason", M("say why there is a conflict of interest"))
    existing = db.scalar(select(ConflictDeclaration).where(
        ConflictDeclaration.application_id == application_id, ConflictDeclaration.user_id == user_id))
    if existing is not None:
        return existing
    conflict = ConflictDeclaration(application_id=application_id, user_id=user_id, reason=reason,
                                   declared_at=utcnow())
    db.add(conflict)
    record(db, actor, "review.conflict", "application", application_id, user=user_id, reason=reason)
    return conflict


def is_conflicted(db: Session, application_id: int, user_id: int) -> bool:
    return db.scalar(select(ConflictDeclaration.id).where(
        ConflictDeclaration.application_id == application_id, ConflictDeclaration.user_id == user_id)) is not None


def assign(db: Session, *, application_id: int, user_id: int, actor: str) -> ReviewAssignment:
    """Assign a reviewer; refused when the reviewer has declared a conflict for this application."""
    application = get_application(db, application_id)
    if application.status != "submitted":
        raise WrongState(M("application %(id)s is %(status)s; only submitted ones are reviewed", id=application_id,
                           status=M(application.status)))
    user = db.get(User, user_id)
    if user is None or user.role != "reviewer":
        raise InvalidInput("user", M("user %(id)s is not a reviewer", id=user_id))
    if is_conflicted(db, application_id, user_id):
        raise NotAllowed(M("%(name)s has declared a conflict of interest for application %(id)s", name=user.name,
                           id=application_id))
    existing = db.scalar(select(ReviewAssignment).where(
        ReviewAssignment.application_id == application_id, ReviewAssignment.user_id == user_id))
    if existing is not None:
        return existing
    assignment = ReviewAssignment(application_id=application_id, user_id=user_id)
    db.add(assignment)
    db.flush()
    record(db, actor, "review.assign", "application", application_id, user=user_id)
    return assignment


def assignment_for(db: Session, application_id: int, user_id: int) -> ReviewAssignment | None:
    return db.scalar(select(ReviewAssignment).where(
        ReviewAssignment.application_id == application_id, ReviewAssignment.user_id == user_id))


def score(db: Session, *, application_id: int, user_id: int, scores: dict[str, int],
          comments: dict[str, str] | None = None, actor: str) -> list[Score]:
    """Record or change a reviewer's scores (criterion code -> value on the rubric's scale)."""
    assignment = assignment_for(db, application_id, user_id)
    if assignment is None:
        raise NotAllowed(M("user %(user)s is not assigned to application %(id)s", user=user_id, id=application_id))
    if is_conflicted(db, application_id, user_id):
        raise NotAllowed(M("user %(user)s has declared a conflict of interest for application %(id)s", user=user_id,
                           id=application_id))
    application = get_application(db, application_id)
    rubric = {c.code: c for c in criteria(db, application.call_id)}
    unknown = set(scores) - set(rubric)
    if unknown:
        raise InvalidInput(f"score {sorted(unknown)[0]}", M("not a criterion of this call; use %(codes)s",
                                                                  codes=", ".join(sorted(rubric))))
    comments = comments or {}
    written = []
    for code, value in scores.items():
        criterion = rubric[code]
        if isinstance(value, bool) or not isinstance(value, int) or not criterion.scale_min <= value <= criterion.scale_max:
            raise InvalidInput(f"score {code}", M("must be a whole number from %(low)s to %(high)s, got %(value)r",
                                                  low=criterion.scale_min, high=criterion.scale_max, value=value))
        row = db.scalar(select(Score).where(Score.assignment_id == assignment.id, Score.criterion_id == criterion.id))
        if row is None:
            row = Score(assignment_id=assignment.id, criterion_id=criterion.id, value=value,
                        comment=comments.get(code, ""))
            db.add(row)
        else:
            row.value, row.comment = value, comments.get(code, row.comment)
        written.append(row)
    db.flush()
    record(db, actor, "review.score", "application", application_id, user=user_id, scores=scores)
    return written


@dataclass
class ReviewSummary:
    """Aggregated review of one application: the mean of complete reviews on 0–100, and their spread."""

    application_id: int
    reviewer_scores: dict[int, float] = field(default_factory=dict)
    incomplete_reviewers: list[int] = field(default_factory=list)

    @property
    def mean(self) -> float | None:
        values = list(self.reviewer_scores.values())
        return statistics.fmean(values) if values else None

    @property
    def spread(self) -> float | None:
        values = list(self.reviewer_scores.values())
        return max(values) - min(values) if values else None

    @property
    def stdev(self) -> float | None:
        values = list(self.reviewer_scores.values())
        return statistics.stdev(values) if len(values) > 1 else None


def summarise(db: Session, application_id: int) -> ReviewSummary:
    """Weighted score per reviewer (0 = all minimum, 100 = all maximum); conflicted reviewers never count."""
    application = get_application(db, application_id)
    rubric = criteria(db, application.call_id)
    if not rubric:
        raise NotFound(M("the call of application %(id)s has no rubric", id=application_id))
    total_weight = sum(c.weight for c in rubric)
    summary = ReviewSummary(application_id)
    for assignment in db.scalars(select(ReviewAssignment).where(ReviewAssignment.application_id == application_id)):
        if is_conflicted(db, application_id, assignment.user_id):
            continue
        given = {s.criterion_id: s.value for s in db.scalars(select(Score).where(Score.assignment_id == assignment.id))}
        if any(c.id not in given for c in rubric):
            summary.incomplete_reviewers.append(assignment.user_id)
            continue
        weighted = sum(c.weight * (given[c.id] - c.scale_min) / (c.scale_max - c.scale_min) for c in rubric)
        summary.reviewer_scores[assignment.user_id] = 100.0 * weighted / total_weight
    return summary
