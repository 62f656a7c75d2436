import pytest

from classifier import questions
from classifier.corpus import load
from classifier.questions import read, suggest


def _is_open(q):
    return q.endswith("?") and q.split()[0].lower().strip(",") not in questions.CLOSED_OPENERS


def test_every_corpus_draft_gets_two_or_three_open_questions():
    for example in load():
        suggested = suggest(read(example.text), example.label)
        assert 2 <= len(suggested) <= 3, example.text
        assert all(_is_open(q) for q in suggested), (example.text, suggested)
        assert len(set(suggested)) == len(suggested)


@pytest.mark.parametrize(
    ("draft", "intent", "phrase"),
    [
        ("Congrats on the book launch, what a year for you!", "celebrate", "book launch"),
        ("Our AWS bill doubled after we moved to Kubernetes, how do you keep cloud costs down?", "advice", "aws bill"),
        ("following up on the venue contract from our call on Tuesday", "follow_up", "venue contract"),
        ("I'm applying for the data analyst role. What does the team work on day to day?", "job_seek", "data analyst"),
    ],
)
def test_questions_follow_the_drafts_intent_and_key_phrase(draft, intent, phrase):
    r = read(draft)
    assert r.intent == intent
    assert any(phrase in q.lower() for q in suggest(r)), suggest(r)


def test_a_sales_draft_is_asked_about_the_readers_side_not_the_sellers_brand():
    r = read("Hi Ana, I'm the founder of Ledgerwise. We automate bank reconciliation for clinics. Free for a demo?")
    assert r.phrases and all("ledgerwise" not in p.lower() and p.lower() != "ana" for p in r.phrases)
    assert any("bank reconciliation" in q for q in suggest(r, "pitch"))


def test_a_celebration_gets_no_work_questions():
    for q in suggest(read("congrats on the wedding!! so happy for you both 🎉")):
        assert not any(word in q for word in ("work", "quarter", "team", "pipeline")), q


def test_tip_follows_the_most_important_reason_and_what_the_draft_does():
    asked = read("how was the trip?")
    told = read("the trip was great, thanks for the tips")
    assert questions.tip("pitch", {"market_speak", "meeting_ask"}) == questions.TIPS["meeting_ask"]
    assert questions.tip("conversation", {"meeting_ask"}, asked) == questions.TIP_CONVERSATION
    assert questions.tip("conversation", set(), told) == questions.TIP_CONVERSATION_NO_QUESTION
    assert questions.tip("conversation", set(), read("congrats on the new role!")) == questions.TIP_CELEBRATE
    assert questions.tip("borderline", set()) == questions.TIP_BORDERLINE
    assert questions.tip("unscored", set()) == questions.TIP_UNSCORED


def test_key_phrases_are_the_same_on_every_call():
    # yake_rust's scores for tied phrases differ by a few ulps from call to call; the order must not.
    from classifier.phrases import key_phrases

    text = (
        "Plan for the 2.0 release week, please shout if anything looks off:\n\n- Mon: feature freeze, branch cut\n"
        "- Tue–Wed: RC1 to PyPI, call for testing (Oona)\n- Thu: docs freeze, migration guide final review (Nadia)"
    )
    assert len({key_phrases(text) for _ in range(60)}) == 1


def test_whole_word_search_finds_what_the_plain_pattern_finds():
    import re

    from classifier.phrases import _TOKEN, _whole_word

    texts = [*[e.text for e in load()][::20], "Ana ana_Ana éAna Ana's -Ana- 'Ana' x-Ana", "İstanbul İstanbul'u"]
    for text in texts:
        for token in {*_TOKEN.findall(text)[:30], "Ana", "-Ana", "'Ana", "Ana's", "İstanbul"}:
            expected = [m.span() for m in re.finditer(rf"\b{re.escape(token)}\b", text)]
            assert [m.span() for m in _whole_word(token).finditer(text)] == expected, (token, text[:60])


def test_a_reading_for_a_label_gives_the_questions_of_a_full_reading():
    # read(..., label) looks only for the key phrases suggest(..., label) uses; the questions must not change.
    from classifier import cues

    lighter = 0
    for example in load()[::7]:
        found = cues.find(example.text)
        for label in ("pitch", "borderline", "conversation"):
            full, light = read(example.text, found), read(example.text, found, label)
            assert suggest(light, label) == suggest(full, label), (label, example.text[:80])
            lighter += light.phrases != full.phrases
    assert lighter > 50  # the lighter reading is taken on many drafts


def test_the_questions_do_not_depend_on_the_drafts_spacing(model):
    """``echo "$T" | rapport check -`` (a trailing newline) asks what ``rapport check "$T"`` asks."""
    from classifier import check

    for text in ("Congrats on the launch! How did the last week feel?", "We help companies like yours cut costs."):
        asked = {tuple(check(model, t).questions) for t in (text, text + "\n", f"  {text} ", text.replace(" ", "  "))}
        assert len(asked) == 1, asked


def test_no_two_questions_open_alike_punctuation_aside():
    """ "How are you celebrating?" opens like "How are you celebrating the launch?": one of them is enough."""
    for draft in load()[::7]:
        asked = suggest(read(draft.text), draft.label)
        openings = [[w.strip("?.,!").lower() for w in q.split()[:4]] for q in asked]
        assert len({tuple(o) for o in openings}) == len(openings), asked


def test_key_phrases_come_from_the_drafts_opening_words_only():
    from classifier import phrases

    filler = " ".join(["we talked about things today and it was good to catch up with you again"] * 6).split()
    late = phrases.KEY_PHRASE_WINDOW - 10  # the phrase's two words within the window, then past it
    within = " ".join([*filler[:late], "kubernetes migration", *filler[:40]])
    beyond = " ".join([*filler[:late], *filler[:40], "kubernetes migration"])
    assert phrases.key_phrases(within) == ("kubernetes migration",)
    assert phrases.key_phrases(beyond) == ()
