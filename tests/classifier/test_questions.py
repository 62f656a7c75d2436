import pytest

from classifier import questions
from classifier.corpus import load


def _is_open(q):
    return q.endswith("?") and q.split()[0].lower().strip(",") not in questions.CLOSED_OPENERS


def test_every_corpus_draft_gets_two_or_three_open_questions():
    for example in load():
        suggested = questions.suggest(example.text)
        assert 2 <= len(suggested) <= 3, example.text
        assert all(_is_open(q) for q in suggested), (example.text, suggested)
        assert len(set(suggested)) == len(suggested)


@pytest.mark.parametrize(
    ("draft", "topic"),
    [
        ("We're hiring two backend engineers, know anyone?", "hiring"),
        ("Our AWS bill doubled after we moved to Kubernetes", "your cloud setup"),
        ("We help teams cut their costs by 30%", "costs"),
        ("Just kicked off our seed round with two angels", "fundraising"),
    ],
)
def test_questions_are_about_the_drafts_topic(draft, topic):
    assert any(topic in q for q in questions.suggest(draft))


def test_a_closed_question_gets_an_open_alternative_first():
    suggested = questions.suggest("Are you free for a call on Friday?")
    assert suggested[0] == "What would be most useful for you to talk through right now?"
    assert questions.closed_questions("hey, are you free for a call? what do you think") == [
        "hey, are you free for a call?"
    ]


def test_tip_follows_the_most_important_reason():
    assert questions.tip("pitch", {"market_speak", "meeting_ask"}) == questions.TIPS["meeting_ask"]
    assert questions.tip("conversation", {"meeting_ask"}) == questions.TIP_CONVERSATION
    assert questions.tip("borderline", set()) == questions.TIP_BORDERLINE
