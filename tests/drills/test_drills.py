"""The failure drills, each against the real app or CLI: nothing duplicated, nothing lost, every input accounted
for. Figures are printed (``pytest -s``, or ``python -m tests.drills``)."""

import os

import pytest

from tests.drills.drills import UnavailableError, chat_api_errors, full_disk, kill_during_delivery, postgres_outage


def check(rows) -> None:
    for row in rows:
        print(row)
        assert row.duplicated == 0, row
        assert row.lost == 0, row


def test_kill_9_during_a_batch_delivers_every_reminder_exactly_once(tmp_path):
    [row] = kill_during_delivery(tmp_path)
    check([row])
    assert row.delivered == row.sent


def test_postgres_stopped_and_started_under_the_app_loses_nothing(tmp_path):
    try:
        rows = postgres_outage(tmp_path)
    except UnavailableError as exc:
        if os.environ.get("RAPPORT_TEST_POSTGRES_URL"):  # CI installs PostgreSQL: there it must run
            raise
        pytest.skip(str(exc))
    check(rows)
    outreach, replies, reminders = rows
    assert outreach.delivered == outreach.sent  # every refused command was logged when the user tried again
    assert replies.delivered == replies.sent and reminders.delivered == reminders.sent


def test_chat_api_500s_and_429s_are_retried_without_sending_twice(tmp_path):
    [row] = chat_api_errors(tmp_path)
    check([row])
    assert row.delivered == row.sent


def test_a_full_disk_or_read_only_file_refuses_clearly_and_keeps_the_database_whole(tmp_path):
    row, read_only = full_disk(tmp_path)
    check([row, read_only])
    assert read_only.delivered == 0 and "3 refused (exit 1)" in read_only.note
    assert "attempt to write a readonly database (check free space" in read_only.note
    assert read_only.note.endswith("integrity_check ok")
    assert "integrity_check ok" in row.note and "exit 0" in row.note
    assert "refused, each with: rapport: the database refused: " in row.note
    assert "(check free space and write permission where the database is: sqlite:///" in row.note
    assert 0 < row.delivered < row.sent  # some fit, then the disk was full
