"""The coach's relationship methods: the ladder, circles, the weekly plan and the user's own evidence.

``Coach`` (``bot.coach``) inherits them; they live here to keep each module to one job. Like every coach method
that touches the ledger, each raises ``Unavailable`` (one line) when the database cannot be reached or written.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import TypeVar

from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot import plan
from bot.ledger import ladder, queries, repo
from bot.ledger.db import describe
from bot.types import DEFAULTS, Standing, Stats, Unavailable, UserRef, WeeklyPlan

F = TypeVar("F", bound=Callable)


def ledger_guard(method: F) -> F:
    """The database's failures (down, read-only, full) become ``Unavailable``; the coach's own errors pass."""

    @functools.wraps(method)
    def wrapper(*args, **kwargs):
        try:
            return method(*args, **kwargs)
        except IntegrityError:
            raise
        except DBAPIError as exc:
            raise Unavailable(describe(exc)) from exc

    return wrapper  # type: ignore[return-value]


def leads_with_question(text: str) -> bool:
    """Whether a draft's first sentence (after any greeting) is a question, as the classifier's cues read it."""
    from classifier import cues

    return cues.find(text).opens_with_question


def weekly_plan(session: Session, user: UserRef, now: datetime) -> WeeklyPlan:
    """``user``'s plan for the week ``now`` falls in (it starts Monday 00:00 in their zone), from their settings."""
    owner, relationships = ladder.relationships(session, user)
    settings = {**DEFAULTS, **(repo.settings_of(owner) if owner else {})}
    costs = {action: settings[name] for action, name in plan.ACTIONS.items()}
    start = plan.week_start(now.astimezone(repo.zone(settings["timezone"])))
    return plan.make_plan(relationships, start, settings["weekly_budget_minutes"], costs)


class Relationships:
    """The ladder, circles, weekly plan and evidence, for ``Coach``; needs its ``sessions``."""

    sessions: sessionmaker[Session]

    @ledger_guard
    def log_step(
        self, user: UserRef, contact: str, kind: str, at: datetime, how: str | None = None, now: datetime | None = None
    ) -> Standing:
        """Log a step off the feed with ``contact`` (``kind``: emailed | called | met; ``how`` for met: coffee,
        lunch, video, drinks, event). Moves their keep-in-touch clock; returns where the relationship stands now.
        ``ValueError`` (one line) for an unknown kind or way, an empty contact, or a step dated after ``now``
        (default: the current time)."""
        from bot.types import utcnow

        repo.not_in_future("a step", at, now or utcnow())
        for attempt in range(2):  # the same new contact logged twice at once: the other insert won, use its row
            try:
                with self.sessions.begin() as session:
                    return ladder.add_step(session, user, contact, kind, at, how)
            except IntegrityError:
                if attempt:
                    raise
        raise AssertionError("unreachable")

    @ledger_guard
    def set_circle(self, user: UserRef, contact: str, circle: str | None) -> Standing:
        """Put ``contact`` in a circle (close: every 2 weeks, regular: monthly, wider: quarterly) or, with None,
        back to the one their rung and history suggest. ``UnknownContactError`` for someone not in the ledger,
        ``ValueError`` for an unknown circle."""
        with self.sessions.begin() as session:
            return ladder.set_circle(session, user, contact, circle)

    @ledger_guard
    def ladder(self, user: UserRef) -> list[Standing]:
        """Every relationship of ``user``, highest rung first."""
        with self.sessions() as session:
            return ladder.ladder(session, user)

    @ledger_guard
    def standing(self, user: UserRef, contact: str) -> Standing | None:
        """Where the relationship with ``contact`` stands; None when they are not in the user's ledger."""
        with self.sessions() as session:
            return ladder.standing(session, user, contact)

    @ledger_guard
    def plan(self, user: UserRef, now: datetime) -> WeeklyPlan:
        """This week's plan for ``user`` at ``now``: whom to reach and how, within their weekly budget (the week
        starts Monday 00:00 in their zone; see ``bot.plan``)."""
        with self.sessions() as session:
            return weekly_plan(session, user, now)

    @ledger_guard
    def stats(self, user: UserRef, now: datetime | None = None) -> Stats:
        """The user's reply figures (see ``Stats``), with replies by question-led drafts and the rungs now and 30
        days before ``now`` (default: the current time)."""
        from bot.types import utcnow

        now = now or utcnow()
        with self.sessions() as session:
            base = queries.stats(session, user)
            owner = repo.get_user(session, user)
            if owner is None:
                return base
            rungs, before = ladder.rungs(session, owner, now)
            return replace(base, by_question=ladder.reply_counts(session, owner), rungs=rungs, rungs_before=before)
