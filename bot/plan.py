"""The weekly plan: whom to reach this week and how, within the user's time budget. Pure: no database, no clock.

Rules (``make_plan``):
- a relationship is due ``CIRCLES[circle]`` days after its last interaction; the plan for the week starting at
  ``week_start`` takes those due before the week ends;
- how to reach them follows the circle and the rung (``action_for``): close and met -> coffee, close -> call,
  regular and off the feed or met -> call, anything else -> a message; each action costs the user's minutes for it;
- most overdue first, then closest circle first; each is taken while its action fits what is left of the budget,
  the rest waits for next week;
- the plan never exceeds the budget: someone already due when the week starts (they waited a week, or the plan
  was not followed) whose action does not fit gets the richest action that does (a call instead of a coffee, else
  a message); if none fits they wait, first in line next week, so nobody is dropped for ever;
- ``weekly_need`` is what the circles ask for at their rhythm (each relationship's action, every circle's period).
  When the budget covers it, whoever acts on each week's plan reaches everyone within their circle's period plus
  a week (``tests/bot/test_plan.py`` simulates 78 weeks); when it does not, the plan says so.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import datetime, time, timedelta

from bot.types import PlanItem, Standing, WeeklyPlan

#: Days between contacts in each circle, closest first (``bot.ledger`` reads them from here).
CIRCLE_DAYS = {"close": 14, "regular": 30, "wider": 90}
#: The actions a plan proposes and the setting that holds each one's minutes.
ACTIONS = {"message": "cost_message", "call": "cost_call", "coffee": "cost_coffee"}
#: What an action may shrink to when it does not fit, richest first.
LIGHTER = {"coffee": ("call", "message"), "call": ("message",), "message": ()}


def week_start(now: datetime) -> datetime:
    """Monday 00:00 of the week ``now`` falls in, in ``now``'s own zone (pass a time in the user's zone)."""
    local = now.date() - timedelta(days=now.weekday())
    return datetime.combine(local, time(0), tzinfo=now.tzinfo)


def action_for(circle: str, stage: str) -> str:
    """How to reach someone in ``circle`` on rung ``stage``: ``"coffee"``, ``"call"`` or ``"message"``."""
    if circle == "close":
        return "coffee" if stage == "met" else "call"
    if circle == "regular" and stage in ("off_feed", "met"):
        return "call"
    return "message"


def due_at(standing: Standing) -> datetime | None:
    """When ``standing``'s relationship is next due (last interaction plus its circle's days); None if never met."""
    if standing.last_at is None:
        return None
    return standing.last_at + timedelta(days=CIRCLE_DAYS[standing.circle])


def weekly_need(relationships: Iterable[Standing], costs: dict[str, int]) -> int:
    """Minutes a week the relationships' circles ask for at their rhythm, rounded up: the sum of each one's action
    cost (``action_for``, ``costs``) times 7 over its circle's days (never-met relationships count nothing)."""
    return math.ceil(
        sum(costs[action_for(s.circle, s.stage)] * 7 / CIRCLE_DAYS[s.circle] for s in relationships if s.last_at)
    )


def make_plan(relationships: Iterable[Standing], start: datetime, budget: int, costs: dict[str, int]) -> WeeklyPlan:
    """The plan for the week that begins at ``start`` (aware), within ``budget`` minutes.

    ``costs`` maps each of ``ACTIONS`` to its minutes (``ValueError`` when one is missing or below 1). The plan's
    minutes never exceed ``budget``; what does not fit waits (see the module's rules).
    """
    for action in ACTIONS:
        if costs.get(action, 0) < 1:
            raise ValueError(f"{action}: needs a cost of at least 1 minute")
    end = start + timedelta(days=7)
    closeness = list(CIRCLE_DAYS)
    relationships = list(relationships)
    due = [(when, s) for s in relationships if (when := due_at(s)) is not None and when < end]
    due.sort(key=lambda pair: (pair[0], closeness.index(pair[1].circle), pair[1].contact.casefold()))
    items: list[PlanItem] = []
    left, waiting = budget, 0
    for when, s in due:
        action = action_for(s.circle, s.stage)
        if costs[action] > left:
            # Already due when the week began: the richest lighter action that fits; else (or due later) it waits.
            lighter = [a for a in LIGHTER[action] if costs[a] <= left] if when <= start else []
            if not lighter:
                waiting += 1
                continue
            action = lighter[0]
        items.append(PlanItem(s.contact, action, costs[action], when, s.circle, s.stage))
        left -= costs[action]
    return WeeklyPlan(start, budget, items, budget - left, waiting, weekly_need(relationships, costs))
