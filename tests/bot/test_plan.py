"""The weekly plan's rules (``bot.plan``): the budget, the order, the actions, and nobody starved."""

import random
from datetime import UTC, datetime, timedelta

import pytest

from bot.plan import CIRCLE_DAYS, action_for, make_plan, week_start
from bot.types import Standing

MONDAY = datetime(2026, 11, 9, tzinfo=UTC)
COSTS = {"message": 3, "call": 20, "coffee": 60}


def _s(name, circle, stage="in_conversation", days_ago=100):
    return Standing(name, stage, 4, circle, False, MONDAY - timedelta(days=days_ago), None)


def test_the_week_starts_on_monday_at_midnight_in_the_zone_given():
    from zoneinfo import ZoneInfo

    tz = ZoneInfo("Asia/Tokyo")
    assert week_start(datetime(2026, 11, 15, 23, 59, tzinfo=tz)) == datetime(2026, 11, 9, tzinfo=tz)
    assert week_start(datetime(2026, 11, 9, 0, 0, tzinfo=tz)) == datetime(2026, 11, 9, tzinfo=tz)


@pytest.mark.parametrize(
    ("circle", "stage", "action"),
    [
        ("close", "met", "coffee"),
        ("close", "in_conversation", "call"),
        ("regular", "off_feed", "call"),
        ("regular", "in_conversation", "message"),
        ("wider", "met", "message"),
    ],
)
def test_the_action_follows_the_circle_and_the_rung(circle, stage, action):
    assert action_for(circle, stage) == action


def test_the_plan_fits_the_budget_most_overdue_and_closest_first_and_the_rest_waits():
    people = [
        _s("Wide", "wider", days_ago=91),  # due 1 day before the week began
        _s("Close", "close", "met", days_ago=15),  # due 1 day before too, closer: first of the two
        _s("Reg", "regular", "off_feed", days_ago=35),  # due 5 days before: most overdue
        _s("Later", "regular", "off_feed", days_ago=27),  # due in 3 days: this week if it fits
        _s("NextWeek", "wider", days_ago=80),  # due in 10 days: not this week
    ]
    plan = make_plan(people, MONDAY, 90, COSTS)
    assert [(i.contact, i.action, i.minutes) for i in plan.items] == [
        ("Reg", "call", 20),
        ("Close", "coffee", 60),
        ("Wide", "message", 3),
    ]
    assert (plan.minutes, plan.budget, plan.waiting) == (83, 90, 1)  # "Later" (a 20-minute call) waits


def test_costs_are_settings_and_must_be_positive():
    plan = make_plan([_s("Close", "close", "met", days_ago=14)], MONDAY, 60, {**COSTS, "coffee": 45})
    assert [(i.action, i.minutes) for i in plan.items] == [("coffee", 45)]
    with pytest.raises(ValueError, match="call: needs a cost"):
        make_plan([], MONDAY, 60, {**COSTS, "call": 0})


def test_someone_already_due_when_the_week_began_never_waits_another_week():
    plan = make_plan([_s("A", "close", "met", 20), _s("B", "close", "met", 20)], MONDAY, 60, COSTS)
    assert [(i.contact, i.action) for i in plan.items] == [("A", "coffee"), ("B", "message")]
    assert plan.minutes == 63 and plan.waiting == 0


def test_acting_on_every_week_s_plan_reaches_everyone_within_their_circle_plus_a_week():
    """A year and a half of weeks, 60 relationships (far more than 60 minutes a week can serve at their ideal
    rhythm), each week's plan followed at the start of the week: nobody waits past their circle's period + 7 days."""
    rng = random.Random(17)
    stages = ["in_conversation", "off_feed", "met"]
    people = {}
    for i in range(60):
        circle = rng.choice(list(CIRCLE_DAYS))
        people[f"p{i}"] = (circle, rng.choice(stages), MONDAY - timedelta(days=rng.randrange(0, 120)))
    longest = dict.fromkeys(people, timedelta(0))
    start, over_budget_weeks = MONDAY, 0
    for _ in range(78):
        standings = [Standing(n, st, 4, c, True, last, None) for n, (c, st, last) in people.items()]
        plan = make_plan(standings, start, 60, COSTS)
        over_budget_weeks += plan.minutes > plan.budget
        for item in plan.items:
            circle, stage, last = people[item.contact]
            if last >= MONDAY:  # the first gap starts from an arbitrary history: measure the ones the plan made
                longest[item.contact] = max(longest[item.contact], start - last)
            people[item.contact] = (circle, stage, start)
        start += timedelta(days=7)
    for name, gap in longest.items():
        circle = people[name][0]
        assert gap <= timedelta(days=CIRCLE_DAYS[circle] + 7), (name, circle, gap)
    # and nobody went unreached for longer than that at the end either
    for name, (circle, _, last) in people.items():
        assert start - last <= timedelta(days=CIRCLE_DAYS[circle] + 7), name
    assert over_budget_weeks < 78  # the budget holds in most weeks; it gives only to keep someone from starving


def test_someone_due_who_does_not_fit_gets_the_richest_action_that_does():
    plan = make_plan([_s("A", "close", "met", 20), _s("B", "close", "met", 20)], MONDAY, 85, COSTS)
    assert [(i.contact, i.action) for i in plan.items] == [("A", "coffee"), ("B", "call")]
