"""A platform event's "processed" mark is written in the same transaction as what the event records."""

from datetime import UTC, datetime

import pytest
from sqlalchemy.exc import OperationalError

from bot.coach import Message, Unavailable
from bot.ledger import queries
from bot.ledger.repo import UserRef

ANA = UserRef("slack", "T1", "UANA")
T0 = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)


def reply_from_bo(at=T0) -> Message:
    return Message("slack", "T1", "C1", "2", "UBO", "thanks!", at, parent_id="1", parent_author_id="UANA")


def test_a_failure_while_recording_leaves_the_event_unprocessed(coach, monkeypatch):
    coach.record_outreach(ANA, "<@UBO>", T0)

    def broken(*args, **kwargs):
        raise OperationalError("INSERT INTO replies", {}, Exception("the disk is full"))

    monkeypatch.setattr(queries, "add_reply", broken)
    with pytest.raises(Unavailable):
        coach.observe(reply_from_bo(), event_id="Ev1")
    assert not coach.seen("slack", "Ev1")  # the mark went with the failed record: Slack's retry is taken
    monkeypatch.undo()
    assert [who for _, who in coach.observe(reply_from_bo(), event_id="Ev1").replies] == ["<@UBO>"]
    assert coach.seen("slack", "Ev1") and coach.stats(ANA).replied == 1


def test_a_retry_of_a_recorded_event_records_nothing(coach):
    coach.record_outreach(ANA, "<@UBO>", T0)
    assert coach.observe(reply_from_bo(), event_id="Ev2").replies
    assert coach.observe(reply_from_bo(), event_id="Ev2").replies == []
    assert len(coach.export(ANA)["contacts"][0]["replies"]) == 1
