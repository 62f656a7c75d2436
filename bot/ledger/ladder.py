"""The relationship ladder: each contact's rung, the steps off the feed, circles, and what the weekly plan reads.

Rungs (``STAGES``), lowest first: ``connected`` (you reached out) -> ``in_conversation`` (they replied, logged or
seen) -> ``off_feed`` (you emailed or called) -> ``met`` (coffee, lunch, video). A contact's rung is the highest
one its history reaches, at any moment (so the rungs 30 days ago are computed, not stored). Any interaction (a
message either way or a step) moves the contact's keep-in-touch clock.

Circles (``CIRCLES``): close every 14 days, regular every 30, wider every 90. The user may choose one per contact;
otherwise it follows the rung and the history (``default_circle``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.ledger import repo
from bot.ledger.schema import Contact, Outreach, Reply, Step, User
from bot.plan import CIRCLE_DAYS
from bot.types import MEET_HOW, Standing, Stats, UnknownContactError, UserRef

STAGES = ("connected", "in_conversation", "off_feed", "met")
#: What each step records, and the rung it reaches.
STEP_STAGE = {"emailed": "off_feed", "called": "off_feed", "met": "met"}
#: Days between contacts in each circle (one table, ``bot.plan``'s).
CIRCLES = CIRCLE_DAYS
#: Messages traded (both ways) from which a keep-in-touch nudge proposes the next rung instead of just a message.
BACK_AND_FORTH = 4
#: How far back ``rungs_before`` looks.
MOVEMENT = timedelta(days=30)


@dataclass(frozen=True, slots=True)
class History:
    """One contact's history: the times of outreach, replies and steps (UTC), oldest first."""

    contact: Contact
    sent: list[datetime]
    replies: list[datetime]
    steps: list[tuple[datetime, str]]

    def stage(self, at: datetime | None = None) -> str:
        """The rung reached by ``at`` (default: everything logged)."""
        best = 0
        if any(at is None or t <= at for t in self.replies):
            best = 1
        for t, kind in self.steps:
            if at is None or t <= at:
                best = max(best, STAGES.index(STEP_STAGE[kind]))
        return STAGES[best]

    def known_at(self, at: datetime) -> bool:
        """Whether the contact was in the ledger at ``at``."""
        return any(t <= at for t in [*self.sent, *self.replies, *(s[0] for s in self.steps)])

    @property
    def messages(self) -> int:
        """Messages traded both ways."""
        return len(self.sent) + len(self.replies)

    @property
    def last_at(self) -> datetime | None:
        """The last interaction of any kind, or None."""
        return max([*self.sent, *self.replies, *(s[0] for s in self.steps)], default=None)

    @property
    def keeps_in_touch(self) -> bool:
        """Whether this is a relationship to keep (they replied, or you talked off the feed)."""
        return bool(self.replies or self.steps)


def default_circle(stage: str, messages: int) -> str:
    """The circle a contact is in unless the user chose one: met -> close; off the feed, or in conversation with
    ``BACK_AND_FORTH`` messages or more -> regular; otherwise wider."""
    if stage == "met":
        return "close"
    if stage == "off_feed" or (stage == "in_conversation" and messages >= BACK_AND_FORTH):
        return "regular"
    return "wider"


def next_stage(stage: str) -> str | None:
    """The rung above ``stage``; None at the top (``met``: keep meeting)."""
    index = STAGES.index(stage)
    return STAGES[index + 1] if index + 1 < len(STAGES) else None


def histories(session: Session, owner: User, contact: Contact | None = None) -> list[History]:
    """Every contact's history (or one contact's), in the order the contacts were added."""
    contacts = (
        [contact]
        if contact is not None
        else list(session.scalars(select(Contact).where(Contact.owner_id == owner.id).order_by(Contact.id)))
    )
    ids = [c.id for c in contacts]
    sent: dict[int, list[datetime]] = {i: [] for i in ids}
    replies: dict[int, list[datetime]] = {i: [] for i in ids}
    steps: dict[int, list[tuple[datetime, str]]] = {i: [] for i in ids}
    mine = Outreach.owner_id == owner.id
    for cid, at in session.execute(select(Outreach.contact_id, Outreach.at).where(mine).order_by(Outreach.at)):
        if cid in sent:
            sent[cid].append(at)
    for cid, at in session.execute(
        select(Reply.contact_id, Reply.at).where(Reply.owner_id == owner.id).order_by(Reply.at)
    ):
        if cid in replies:
            replies[cid].append(at)
    for cid, at, kind in session.execute(
        select(Step.contact_id, Step.at, Step.kind).where(Step.owner_id == owner.id).order_by(Step.at)
    ):
        if cid in steps:
            steps[cid].append((at, kind))
    return [History(c, sent[c.id], replies[c.id], steps[c.id]) for c in contacts]


def standing_of(owner: User, history: History) -> Standing:
    """A contact's ``Standing`` from its history."""
    stage = history.stage()
    chosen = history.contact.circle
    return Standing(
        contact=history.contact.display,
        stage=stage,
        messages=history.messages,
        circle=chosen or default_circle(stage, history.messages),
        circle_chosen=chosen is not None,
        last_at=repo.local(owner, history.last_at),
        next_stage=next_stage(stage),
    )


def ladder(session: Session, user: UserRef) -> list[Standing]:
    """Every relationship of ``user``, highest rung first, then most recent."""
    owner = repo.get_user(session, user)
    if owner is None:
        return []
    rows = [standing_of(owner, h) for h in histories(session, owner)]
    rows.sort(key=lambda s: (-STAGES.index(s.stage), -(s.last_at.timestamp() if s.last_at else 0)))
    return rows


def standing(session: Session, user: UserRef, contact: str) -> Standing | None:
    """Where the relationship with ``contact`` stands; None when the user has no such contact."""
    owner = repo.get_user(session, user)
    who = repo.find_contact(session, owner, contact) if owner is not None else None
    if who is None:
        return None
    return standing_of(owner, histories(session, owner, who)[0])


def rungs(session: Session, owner: User, now: datetime) -> tuple[dict[str, int], dict[str, int]]:
    """How many relationships sit on each rung now, and ``MOVEMENT`` (30 days) before ``now``."""
    before_at = now - MOVEMENT
    now_counts = dict.fromkeys(STAGES, 0)
    before = dict.fromkeys(STAGES, 0)
    for h in histories(session, owner):
        now_counts[h.stage(now)] += 1 if h.known_at(now) else 0
        if h.known_at(before_at):
            before[h.stage(before_at)] += 1
    return now_counts, before


def add_step(
    session: Session, user: UserRef, contact: str, kind: str, at: datetime, how: str | None = None
) -> Standing:
    """Log a step off the feed (``kind``: emailed | called | met, ``how`` for met); moves the keep-in-touch clock.

    A step with someone new adds them (you met at an event before any message). ``ValueError`` (one line) for an
    unknown kind or way to meet."""
    if kind not in STEP_STAGE:
        raise ValueError(f"{kind!r} is not a step: use one of {', '.join(STEP_STAGE)}")
    if how is not None and (kind != "met" or how not in MEET_HOW):
        raise ValueError(f"--how is one of {', '.join(MEET_HOW)}, for met only")
    owner = repo.get_or_create_user(session, user, at)
    who = repo.get_or_create_contact(session, owner, contact)
    session.add(Step(owner_id=owner.id, contact_id=who.id, at=at, kind=kind, how=how))
    session.flush()
    repo.reschedule_keep_in_touch(session, owner, who)
    return standing_of(owner, histories(session, owner, who)[0])


def set_circle(session: Session, user: UserRef, contact: str, circle: str | None) -> Standing:
    """Put ``contact`` in ``circle`` (close | regular | wider), or back to the default with None.

    ``UnknownContactError`` for someone not in the ledger; ``ValueError`` for an unknown circle."""
    if circle is not None and circle not in CIRCLES:
        raise ValueError(f"{circle!r} is not a circle: use close (every 2 weeks), regular (monthly), wider (quarterly)")
    owner = repo.get_user(session, user)
    who = repo.find_contact(session, owner, contact) if owner is not None else None
    if who is None:
        raise UnknownContactError(f"{contact} is not in your log yet (log a message or a step with them first)")
    who.circle = circle
    repo.reschedule_keep_in_touch(session, owner, who)  # a chosen circle sets when the next nudge is due
    return standing_of(owner, histories(session, owner, who)[0])


def nudge_stage(session: Session, owner: User, contact: Contact) -> str | None:
    """For a keep-in-touch nudge: the next rung to propose once ``BACK_AND_FORTH`` messages went both ways (and
    there is a rung above); else None."""
    history = histories(session, owner, contact)[0]
    if history.messages < BACK_AND_FORTH or not history.replies:
        return None
    return next_stage(history.stage())


def relationships(session: Session, user: UserRef) -> tuple[User | None, list[Standing]]:
    """The user's row and the relationships a weekly plan keeps (they replied, or you talked off the feed)."""
    owner = repo.get_user(session, user)
    if owner is None:
        return None, []
    return owner, [standing_of(owner, h) for h in histories(session, owner) if h.keeps_in_touch]


def reply_counts(session: Session, owner: User) -> dict[bool, tuple[int, int]]:
    """Outreach whose checked draft led with a question (True) or not (False) -> (sends, how many got a reply).

    A send counts as replied when the contact replied at or after it (the same rule as ``Stats.by_draft_label``)."""
    replies: dict[int, list[datetime]] = {}
    for cid, at in session.execute(select(Reply.contact_id, Reply.at).where(Reply.owner_id == owner.id)):
        replies.setdefault(cid, []).append(at)
    out: dict[bool, tuple[int, int]] = {}
    for cid, at, led in session.execute(
        select(Outreach.contact_id, Outreach.at, Outreach.question_led).where(
            Outreach.owner_id == owner.id, Outreach.question_led.is_not(None)
        )
    ):
        n, ok = out.get(led, (0, 0))
        out[led] = (n + 1, ok + any(t >= at for t in replies.get(cid, [])))
    return out


def team_totals(session: Session, platform: str, workspace: str, now: datetime) -> Stats | None:
    """The evidence of every user of a workspace, summed: sends and replies by how the checked draft read and by
    whether it led with a question, and relationships on each rung now and 30 days before. Totals only: nobody
    is named. None when no one there has logged anything."""
    from bot.ledger import queries

    owners = session.scalars(select(User).where(User.platform == platform, User.workspace == workspace)).all()
    by_label: dict[str, tuple[int, int]] = {}
    by_question: dict[bool, tuple[int, int]] = {}
    rungs_now, rungs_before = dict.fromkeys(STAGES, 0), dict.fromkeys(STAGES, 0)
    reached = replied = 0
    for owner in owners:
        mine = queries.stats(session, UserRef(owner.platform, owner.workspace, owner.user_id))
        reached, replied = reached + mine.reached, replied + mine.replied
        for totals, counts in ((by_label, mine.by_draft_label), (by_question, reply_counts(session, owner))):
            for key, (n, ok) in counts.items():
                total = totals.get(key, (0, 0))
                totals[key] = (total[0] + n, total[1] + ok)
        here, before = rungs(session, owner, now)
        for stage in STAGES:
            rungs_now[stage] += here[stage]
            rungs_before[stage] += before[stage]
    if not reached and not any(rungs_now.values()):
        return None
    return Stats(
        reached,
        replied,
        replied / reached if reached else None,
        None,
        by_label,
        by_question=by_question,
        rungs=rungs_now,
        rungs_before=rungs_before,
    )
