"""Watched channels' digests: how conversations went in a channel over its period, posted once per period.

A digest holds totals only (posts, questions, pitches, replies, and the team's own evidence summed over its
users: reply rates by how drafts read and by question-led, relationships on each rung), never who posted what.
The period is claimed first (a conditional UPDATE of ``last_digest_at`` from the value read), so two workers
never post the same digest; if posting fails the claim is undone and a later round retries. A period without
posts is skipped quietly.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from bot.ledger import ladder, queries
from bot.types import ChannelDigest

log = logging.getLogger(__name__)


def deliver(
    sessions: sessionmaker[Session], post: Callable[[ChannelDigest], None], now: datetime, platform: str
) -> list[ChannelDigest]:
    """Post, through ``post(digest)``, each of ``platform``'s watched channels' digests whose period is over at
    ``now``; returns those posted. ``post`` raises to have the digest retried later."""
    with sessions() as session:
        channels = queries.watched_channels(session, platform)
    posted: list[ChannelDigest] = []
    for channel in channels:
        since = channel.last_digest_at or channel.added_at
        if since + timedelta(days=channel.digest_days) > now:
            continue
        with sessions.begin() as session:
            if not queries.claim_period(session, channel, now):
                continue
        with sessions() as session:
            digest = queries.channel_digest(session, channel, since, now)
            team = ladder.team_totals(session, channel.platform, channel.workspace, now)
            digest = replace(digest, team=team)
        if digest.posts == 0:
            continue
        try:
            post(digest)
        except Exception:
            log.exception("digest for watched channel %s could not be posted; it will be retried", channel.id)
            with sessions.begin() as session:
                queries.give_back_period(session, channel, now)
            continue
        posted.append(digest)
    return posted
