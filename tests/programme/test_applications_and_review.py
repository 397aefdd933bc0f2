"""Applications (drafts, deadline, co-funding, attachments, withdrawal) and review (conflicts, aggregation)."""

from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select

from segreform.programme import applications, review
from segreform.programme.errors import InvalidInput, NotAllowed, WrongState
from segreform.store import session, transaction
from segreform.store.models.programme import Attachment

from programme_builders import BEFORE_DEADLINE, draft, municipality, reviewer, scored, submitted

PDF = b"%PDF-1.4\n%demo\n"


def test_submission_after_the_deadline_is_refused_with_a_clear_message(seeded, call_id):
    with transaction(seeded) as db:
        application_id = draft(db, call_id, municipality(db))
    with pytest.raises(WrongState, match="deadline .* was 2019-03-31 22:00 UTC; submission is closed"):
        with transaction(seeded) as db:
            applications.submit(db, application_id, "t", now=datetime(2019, 4, 1, tzinfo=timezone.utc))
    with session(seeded) as db:
        assert applications.get_application(db, application_id).status == "draft"


def test_co_funding_of_at_least_ten_percent(seeded, call_id):
    with transaction(seeded) as db:
        organisation = municipality(db)
        with pytest.raises(InvalidInput, match="co-funding must cover at least 10 %"):
            draft(db, call_id, organisation, requested_msek=91, total_msek=100)
        assert draft(db, call_id, organisation, requested_msek=90, total_msek=100)


def test_drafts_need_all_parts_and_only_drafts_are_edited(seeded, call_id):
    with transaction(seeded) as db:
        application_id = draft(db, call_id, municipality(db))
        applications.update_draft(db, application_id, "t", goals="")
        with pytest.raises(InvalidInput, match="goals: is required"):
            applications.submit(db, application_id, "t", now=BEFORE_DEADLINE)
        applications.update_draft(db, application_id, "t", goals="fewer long-term unemployed",
                                  development_areas=["work", "school"])
        applications.submit(db, application_id, "t", now=BEFORE_DEADLINE)
        assert applications.area_codes(db, application_id) == ["school", "work"]
        with pytest.raises(WrongState, match="only drafts can be edited"):
            applications.update_draft(db, application_id, "t", title="changed")
        applications.withdraw(db, application_id, "t")
        with pytest.raises(WrongState, match="can no longer be withdrawn"):
            applications.withdraw(db, application_id, "t")


def test_years_are_limited_to_three(seeded, call_id):
    with transaction(seeded) as db:
        with pytest.raises(InvalidInput, match="years: decisions run for 1 to 3 years"):
            draft(db, call_id, municipality(db), years=4)


@pytest.mark.parametrize("name, content_type, content, message", [
    ("plan.exe", "application/x-msdownload", b"MZ", "is not accepted"),
    ("fake.pdf", "application/pdf", b"PK\x03\x04 not a pdf", "does not look like application/pdf"),
    ("big.pdf", "application/pdf", b"%PDF-" + b"0" * applications.MAX_ATTACHMENT_BYTES, "the limit is"),
    ("latin1.txt", "text/plain", "Malmö".encode("latin-1"), "not UTF-8"),
    ("empty.csv", "text/csv", b"", "is empty"),
])
def test_attachments_are_checked(seeded, call_id, name, content_type, content, message):
    with transaction(seeded) as db:
        application_id = draft(db, call_id, municipality(db))
        with pytest.raises(InvalidInput, match=message):
            applications.add_attachment(db, application_id, filename=name, content_type=content_type,
                                        content=content, actor="t")
        attachment = applications.add_attachment(db, application_id, filename="plan.pdf",
                                                 content_type="application/pdf", content=PDF, actor="t")
        assert attachment.size_bytes == len(PDF) and len(attachment.sha256) == 64
    with session(seeded) as db:
        assert db.scalar(select(func.count()).select_from(Attachment)) == 1


def test_conflict_of_interest_blocks_the_reviewer(seeded, call_id):
    with transaction(seeded) as db:
        application_id = submitted(db, call_id, municipality(db))
        conflicted = reviewer(db, 1)
        review.assign(db, application_id=application_id, user_id=conflicted, actor="officer")
        review.declare_conflict(db, application_id=application_id, user_id=conflicted, reason="former employee",
                                actor="r1")
        with pytest.raises(NotAllowed, match="conflict of interest"):
            review.score(db, application_id=application_id, user_id=conflicted, scores={"relevance": 5}, actor="r1")
        other = submitted(db, call_id, municipality(db, "1480", "Göteborg"))
        review.declare_conflict(db, application_id=other, user_id=conflicted, reason="board member", actor="r1")
        with pytest.raises(NotAllowed, match="declared a conflict"):
            review.assign(db, application_id=other, user_id=conflicted, actor="officer")


def test_aggregation_is_weighted_with_a_visible_spread(seeded, call_id):
    with transaction(seeded) as db:
        application_id = submitted(db, call_id, municipality(db))
        r1, r2, r3 = reviewer(db, 1), reviewer(db, 2), reviewer(db, 3)
        scored(db, application_id, r1, 5)  # 100
        scored(db, application_id, r2, 3)  # 50
        review.assign(db, application_id=application_id, user_id=r3, actor="officer")
        review.score(db, application_id=application_id, user_id=r3, scores={"relevance": 5}, actor="r3")
        # relevance weight 4, efficiency 2, sustainability 3, reporting 1 on 1–5
        summary = review.summarise(db, application_id)
        assert summary.reviewer_scores == {r1: 100.0, r2: 50.0}
        assert summary.mean == 75.0 and summary.spread == 50.0
        assert summary.incomplete_reviewers == [r3]
        review.score(db, application_id=application_id, user_id=r3, actor="r3",
                     scores={"efficiency": 1, "sustainability": 1, "reporting": 1})
        assert review.summarise(db, application_id).reviewer_scores[r3] == pytest.approx(100 * 4 / 10)
        with pytest.raises(InvalidInput, match="score relevance: must be a whole number from 1 to 5"):
            review.score(db, application_id=application_id, user_id=r1, scores={"relevance": 6}, actor="r1")
        with pytest.raises(NotAllowed, match="not assigned"):
            review.score(db, application_id=application_id, user_id=reviewer(db, 4), scores={"relevance": 3},
                         actor="r4")
