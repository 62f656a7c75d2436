"""How the ledger is read back: the schema's partial index as each database holds it, and ``export`` (behind
``rapport log show``) in a fixed number of queries. Both on SQLite and PostgreSQL (``conftest.py``)."""

import re
from datetime import UTC, datetime, timedelta

from bot.ledger.repo import UserRef

T0 = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)


def test_both_databases_hold_one_pending_keep_in_touch_nudge_per_contact_by_the_schemas_predicate(sessions):
    """Alembic's compare_metadata does not compare partial indexes' predicates, and schema.py names only SQLite's
    (``postgresql_where`` would import the PostgreSQL dialect on every command): read it back from each database."""
    from sqlalchemy import inspect

    from bot.ledger.schema import ONE_PENDING_KEEP_IN_TOUCH

    engine = sessions.kw["bind"]
    index = next(
        i for i in inspect(engine).get_indexes("reminders") if i["name"] == "uq_reminders_one_pending_keep_in_touch"
    )
    options = index.get("dialect_options", {})
    predicate = options.get("postgresql_where") or options.get("sqlite_where")

    def plain(sql) -> str:  # PostgreSQL gives it back as ((kind)::text = 'keep_in_touch'::text) AND ...
        return re.sub(r"::\w+|[()\s]", "", str(sql)).lower()

    assert index["unique"] and index["column_names"] == ["contact_id"]
    assert plain(predicate) == plain(ONE_PENDING_KEEP_IN_TOUCH)


def test_export_reads_a_fixed_number_of_queries_however_many_contacts(coach, sessions):
    """``log show`` and ``export`` read the ledger in one query per table, not several per contact."""
    from sqlalchemy import event

    statements: list[str] = []
    engine = sessions.kw["bind"]

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    def queries_for(user: UserRef) -> int:
        statements.clear()
        event.listen(engine, "before_cursor_execute", count)
        try:
            data = coach.export(user)
        finally:
            event.remove(engine, "before_cursor_execute", count)
        assert data["contacts"]
        return len(statements)

    one, many = UserRef("slack", "T1", "U_one"), UserRef("slack", "T1", "U_many")
    coach.record_outreach(one, "Dana", T0)
    for n in range(12):
        coach.record_outreach(many, f"Contact {n}", T0)
        coach.record_reply(many, f"Contact {n}", T0 + timedelta(hours=1))
    assert queries_for(many) == queries_for(one) <= 8
