"""The weekly plan's rules (``bot.plan``): the budget, the order, the actions, and nobody starved."""

import random
from datetime import UTC, datetime, timedelta

import pytest

from bot.plan import CIRCLE_DAYS, action_for, make_plan, week_start, weekly_need
from bot.types import Standing
from bot.wording import plan_lines

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


def test_someone_already_due_who_does_not_fit_at_all_waits_first_in_line_and_the_budget_holds():
    plan = make_plan([_s("A", "close", "met", 20), _s("B", "close", "met", 21)], MONDAY, 60, COSTS)
    assert [(i.contact, i.action) for i in plan.items] == [("B", "coffee")]  # B is the more overdue
    assert (plan.minutes, plan.waiting) == (60, 1)
    nxt = make_plan([_s("A", "close", "met", 27), _s("B", "close", "met", 7)], MONDAY + timedelta(days=7), 60, COSTS)
    assert [i.contact for i in nxt.items] == ["A"]  # next week A goes first


def test_the_weekly_need_is_each_action_over_its_circle_s_period():
    people = [_s("C", "close", "met"), _s("R", "regular", "off_feed"), _s("W", "wider")]
    assert weekly_need(people, COSTS) == 35  # 60*7/14 (30) + 20*7/30 (4.67) + 3*7/90 (0.23) = 34.9, rounded up
    assert make_plan(people, MONDAY, 60, COSTS).needed == 35


def _follow_plans(people, budget, weeks=78):
    """Act on every week's plan at the start of its week; the longest gap each person saw, the plans' minutes."""
    longest = dict.fromkeys(people, timedelta(0))
    start, minutes = MONDAY, []
    for _ in range(weeks):
        standings = [Standing(n, st, 4, c, True, last, None) for n, (c, st, last) in people.items()]
        plan = make_plan(standings, start, budget, COSTS)
        minutes.append(plan.minutes)
        for item in plan.items:
            circle, stage, last = people[item.contact]
            if last >= MONDAY:  # the first gap starts from an arbitrary history: measure the ones the plan made
                longest[item.contact] = max(longest[item.contact], start - last)
            people[item.contact] = (circle, stage, start)
        start += timedelta(days=7)
    for name, (_, _, last) in people.items():  # and the gap still open at the end
        longest[name] = max(longest[name], start - last)
    return longest, minutes


def _people(n, seed):
    rng = random.Random(seed)
    stages = ["in_conversation", "off_feed", "met"]
    return {
        f"p{i}": (rng.choice(list(CIRCLE_DAYS)), rng.choice(stages), MONDAY - timedelta(days=rng.randrange(0, 120)))
        for i in range(n)
    }


@pytest.mark.parametrize(("n", "seed"), [(10, 1), (60, 17), (300, 4)])
def test_a_budget_that_covers_the_need_reaches_everyone_within_their_circle_plus_a_week(n, seed):
    """A year and a half of weeks, each week's plan followed: with the budget the plan says the circles need, no
    plan goes over it and nobody waits past their circle's period + 7 days."""
    people = _people(n, seed)
    budget = weekly_need([Standing(k, st, 4, c, True, last, None) for k, (c, st, last) in people.items()], COSTS)
    longest, minutes = _follow_plans(people, budget)
    assert max(minutes) <= budget
    for name, gap in longest.items():
        circle = people[name][0]
        assert gap <= timedelta(days=CIRCLE_DAYS[circle] + 7), (name, circle, gap)


def test_a_budget_below_the_need_stays_within_budget_says_so_and_drops_nobody():
    people = _people(60, 17)
    longest, minutes = _follow_plans(people, 60)
    assert max(minutes) <= 60
    assert all(gap < timedelta(weeks=78) for gap in longest.values())  # everyone reached again, however late
    standings = [Standing(k, st, 4, c, True, last, None) for k, (c, st, last) in _people(60, 17).items()]
    plan = make_plan(standings, MONDAY, 60, COSTS)
    assert plan.needed > 60 and any(f"about {plan.needed} minutes a week" in line for line in plan_lines(plan))


def test_someone_due_who_does_not_fit_gets_the_richest_action_that_does():
    plan = make_plan([_s("A", "close", "met", 20), _s("B", "close", "met", 20)], MONDAY, 85, COSTS)
    assert [(i.contact, i.action) for i in plan.items] == [("A", "coffee"), ("B", "call")]
