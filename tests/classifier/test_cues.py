import itertools

import pytest

from classifier import cues


def reasons(text):
    return {(f.text, f.reason) for f in cues.find(text).flags}


def test_spans_point_at_the_exact_phrases():
    text = "Hi! We help companies like yours cut costs 40%. Free for a 15-min demo Friday?"
    found = cues.find(text)
    assert [(f.text, f.reason) for f in found.flags] == [
        ("We help companies like yours", "market_speak"),
        ("Free for a 15-min demo Friday?", "meeting_ask"),
    ]
    for f in found.flags:
        assert text[f.start : f.end] == f.text
        assert f.why == cues.REASONS[f.reason]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Sign up today and get 20% off, offer ends Friday!",
            {("Sign up today", "call_to_action"), ("20% off", "discount_price")},
        ),
        ("Only 3 spots left for the cohort.", {("Only 3 spots left", "urgency")}),
        (
            "Ex-Google engineer here, trusted by 300+ teams.",
            {("Ex-Google", "credential_brag"), ("trusted by 300+ teams", "credential_brag")},
        ),
        (
            "Big fan of your work! Came across your profile yesterday.",
            {("Big fan of your work", "generic_flattery"), ("Came across your profile", "generic_flattery")},
        ),
        ("see https://getfoo.io/demo", {("https://getfoo.io/demo", "link_drop")}),
        ("Check out my new app: foo.io", {("Check out my", "call_to_action"), ("foo.io", "link_drop")}),
        ("It costs $49/mo per seat.", {("$49/mo", "discount_price")}),
    ],
)
def test_each_family_finds_its_phrase(text, expected):
    assert expected <= reasons(text)


def test_self_focus_flags_the_most_me_centred_sentence():
    text = "We built our platform in 2019. Our team and I think we are the best, our customers love us. Thoughts?"
    flags = [f for f in cues.find(text).flags if f.reason == "self_focus"]
    assert [f.text for f in flags] == ["Our team and I think we are the best, our customers love us."]


@pytest.mark.parametrize(
    "text",
    [
        "hey, how did the move go? hope the new place is nice",
        "my ex-boyfriend still has my Excel book",
        "can you review the PR before lunch? thanks!",
        "What got you into data engineering?",
    ],
)
def test_plain_conversation_has_no_flags(text):
    assert cues.find(text).flags == []


def test_flags_never_overlap_and_are_in_order():
    text = "Grab your spot now, early-bird ends Friday: https://x.io/t — 50% off, only 2 seats left! Book a call?"
    flags = cues.find(text).flags
    assert flags
    for a, b in itertools.pairwise(flags):
        assert a.end <= b.start


def test_counts_people_and_questions():
    found = cues.find("I love it. Do you? What about your team?")
    assert (found.first_person, found.second_person, found.questions) == (1, 2, 2)


def test_lowering_keeps_offsets_for_any_text():
    import string

    ascii_only = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)
    from classifier import corpus

    odd = ("Book A Demo", "İstanbul ÉTÉ Straße", "🙂 Ω Sign UP", "ÀBC\u0130Z\nQ", "", "é", "café Résumé 🙂 BOOK “Hi”")
    for text in odd + tuple(e.text for e in corpus.load()[::5]):
        low = cues.lower(text)
        assert len(low) == len(text)
        assert low == text.translate(ascii_only)  # A-Z lowered, nothing else touched
    found = cues.find("İİİ Sign up today!")
    assert [(f.text, f.reason) for f in found.flags] == [("Sign up today", "call_to_action")]
