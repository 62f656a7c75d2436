"""Coaching on the shipped model: the inputs that failed in issue 11, each with the right value."""

import re

import pytest

from classifier import check, check_many
from classifier.questions import CLOSED_OPENERS, TIP_CONVERSATION, read
from classifier.rewrite import rewrite
from classifier.text import prepare

BUMP = (
    "just bumping this to the top of your inbox — did you get a chance to look at the proposal? "
    "happy to jump on a call whenever"
)
SLOTS = (
    "following up on my last note: we still have two onboarding slots open this month at the founder rate. "
    "want me to hold one for you?"
)
QUOTED = 'Got this DM: "We help brands like yours 3x ROAS, free audit this week only!" how would you answer it nicely?'
NPM = "running `npm i promo-kit` prints https://promo.example.dev/signup as a warning, anyone know why?"
SHARED_LINK = (
    "Found this write-up on pricing experiments really useful when we changed our plans: "
    "https://blog.example.org/pricing-tests — might help with what you described yesterday"
)
JOB = (
    "I'm applying for the platform engineer role on your team. Anything you wish candidates knew before the interview?"
)
CONGRATS = "Congrats on closing the seed round! How did the last week of it feel?"


@pytest.mark.parametrize("text", [BUMP, SLOTS])
def test_sales_bumps_are_pitches(model, text):
    v = check(model, text)
    assert v.label == "pitch"
    assert "bump" in {f.reason for f in v.flags}


def test_a_greeting_is_too_short_to_judge_and_not_flagged(model):
    for text in ("hey", "hi there!", "good morning all", "yo", "haha same"):
        v = check(model, text)
        assert v.label == "unscored" and v.flags == [], text
        assert any("Too short to judge" in n for n in v.notes)
    assert check(model, "Sign up today!").label == "pitch"  # short, but a call to action is judged


def test_a_draft_that_is_not_english_is_not_scored(model):
    for text in ("Hola! ¿Qué tal el lanzamiento? Me encantaría saber cómo os fue.",
                 "Ofrecemos diseño web con 50% de descuento, ¡reserva tu llamada hoy!"):  # fmt: skip
        v = check(model, text)
        assert v.label == "unscored" and v.flags == [] and v.rewrite is None
        assert any("doesn't look like English" in n for n in v.notes)


def test_a_quoted_pitch_asked_about_is_not_the_authors_pitch(model):
    v = check(model, QUOTED)
    assert v.label == "conversation"
    quote = re.search(r'".*"', QUOTED).span()
    assert not any(quote[0] <= f.start < quote[1] for f in v.flags)
    assert any("set aside the quoted text" in n for n in v.notes)
    assert v.intent == "advice"


def test_a_link_the_author_asks_about_is_not_a_link_drop(model):
    v = check(model, NPM)
    assert v.label == "conversation"
    assert "link_drop" not in {f.reason for f in v.flags}


def test_a_link_shared_with_a_reason_is_a_conversation(model):
    v = check(model, SHARED_LINK)
    assert v.label == "conversation" and v.flags == []


def test_a_job_seekers_question_gets_questions_about_the_role(model):
    v = check(model, JOB)
    assert v.label == "conversation" and v.intent == "job_seek"
    assert any("platform engineer role" in q for q in v.questions)
    assert all("this quarter" not in q for q in v.questions)
    assert all("team" in q or "role" in q for q in v.questions), v.questions


def test_a_congratulation_is_asked_about_what_it_celebrates(model):
    v = check(model, CONGRATS)
    assert v.label == "conversation" and v.intent == "celebrate"
    assert any("seed round" in q for q in v.questions)
    assert all(not re.search(r"fundraising|this quarter|work|pipeline|costs", q) for q in v.questions), v.questions


def test_questions_are_open_and_differ_between_drafts(model, unseen):
    verdicts = check_many(model, [r["text"] for r in unseen])
    lists = [tuple(v.questions) for v in verdicts]
    distinct = {q for v in verdicts for q in v.questions}
    assert len(distinct) >= len(verdicts) / 2
    assert max(lists.count(x) for x in lists) <= max(1, 0.05 * len(lists))
    for v in verdicts:
        assert all(q.endswith("?") and q.split()[0].lower() not in CLOSED_OPENERS for q in v.questions), v.questions


def test_conversation_tip_does_not_praise_a_question_that_is_not_there(model):
    assert check(model, "great seeing you at the meetup last night, the talk on caching was so good").tip != (
        TIP_CONVERSATION
    )
    assert check(model, "great seeing you last night! how did the caching talk go for you?").tip == TIP_CONVERSATION


def test_a_demo_tip_only_when_a_meeting_was_asked_for(model):
    v = check(model, "We help agencies like yours cut reporting time in half. Sign up today and get 20% off!")
    assert v.label == "pitch"
    assert "demo" not in v.tip
    assert "demo" in check(model, "We help teams like yours ship faster. Free for a 15-min demo Friday?").tip


def test_pitches_get_a_question_led_rewrite(model):
    text = (
        "Hi Marisol, I noticed your team is hiring five SDRs this quarter. We help sales teams like yours "
        "ramp reps 2x faster. Worth a 15 min call next Tuesday?"
    )
    v = check(model, text)
    assert v.label == "pitch"
    assert v.rewrite.startswith("Hi Marisol, ")
    after_greeting = v.rewrite.removeprefix("Hi Marisol, ")
    assert after_greeting.startswith(v.questions[0][:1].lower() + v.questions[0][1:])
    assert "I noticed your team is hiring five SDRs this quarter." in v.rewrite  # personal context kept
    assert "15 min call" not in v.rewrite and "like yours" not in v.rewrite
    assert check(model, CONGRATS).rewrite is None


def test_rewrite_drops_quotes_code_and_yes_no_asks():
    draft = prepare('hey! "Book a demo today and save 20% on seats" was in my inbox. Are you free Friday?')
    out = rewrite(draft, [], "What are you working on this month?")
    assert out == "hey! What are you working on this month? Was in my inbox."


def test_the_rewrite_keeps_clock_times_and_drops_emoji_codes():
    draft = prepare("Hi Sam, the standup moved to 10:30:45 tomorrow. :tada: <a:party:123> Thanks for the quick fix!")
    out = rewrite(draft, [], "What are you working on?")
    assert out == "Hi Sam, what are you working on? The standup moved to 10:30:45 tomorrow. Thanks for the quick fix!"


def test_no_flag_on_a_lone_greeting_or_function_word(model, unseen):
    texts = [r["text"] for r in unseen] + [BUMP, SLOTS, "hi! love it", "hey, hope you're well, we sell insurance"]
    for v in check_many(model, texts):
        for f in v.flags:
            if f.reason == "pitch_wording":
                assert f.text.lower() not in {"hi", "hey", "hello", "love", "you", "your", "we", "the"}, f


def test_chat_markup_is_normalised_before_scoring(model):
    plain = check(model, "see the doc https://docs.example.com/plan for tomorrow, then lmk what you think")
    marked = check(model, "see <https://docs.example.com/plan|the doc> for tomorrow :eyes:, then lmk what you think")
    assert abs(plain.pitch_probability - marked.pitch_probability) < 0.15
    assert marked.label == plain.label


def test_reading_finds_intent_and_key_phrases():
    r = read("Hi Marisol, I'm on the partnerships team at Ledgerly. We help finance teams close books faster.")
    assert "partnerships" not in " ".join(r.phrases) and "marisol" not in " ".join(r.phrases).lower()
    assert read("congrats on the launch 🎉").intent == "celebrate"
    assert read("circling back on the invoice from our call").intent == "follow_up"


# -- from a first user trial ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "greeting"),
    [
        ("Hey Alex — saw your post about hiring your first SDR. We're a recruiting agency. Want me to send profiles?",
         "Hey Alex,"),
        ("hey sam loved your talk on distributed tracing at kubecon. we built a tool that cuts costs 50%, want a demo?",
         ""),
        ("Hi Dr. Lee! Loved your talk on heat islands. We built a GIS tool, free for a 20 min demo Tuesday?",
         "Hi Dr. Lee!"),
    ],
)  # fmt: skip
def test_the_rewrite_keeps_the_greeting_whole_and_never_cuts_a_word(model, text, greeting):
    v = check(model, text)
    assert v.label == "pitch"
    assert v.rewrite.startswith(greeting)
    for word in re.findall(r"[\w'-]+", v.rewrite):
        assert word.lower() in text.lower() or any(word.lower() in q.lower() for q in v.questions), word


def test_the_rewrite_drops_the_senders_offer(model):
    recruiter = "Hi Ana, I'm a recruiter at Acme. We have an amazing Staff Engineer role, a 30% raise. Open to a chat?"
    for text in ("If you ever need help with SEO, I've got bandwidth this month. Reply here!", recruiter,
                 "Hey!!! 🚀🚀🚀 DM me 💰💰💰"):  # fmt: skip
        v = check(model, text)
        assert v.label == "pitch"
        assert not re.search(r"bandwidth|recruiter|Staff Engineer role|DM me", v.rewrite), v.rewrite


@pytest.mark.parametrize(
    "text",
    [
        "Limited seats left! Register now, early bird pricing ends Friday.",
        "Free SEO audit, zero commitment, results guaranteed. Reply YES.",
        "Hiring senior Rust engineers, remote, 200k+ equity, apply now",
        "check out <https://grow.example.com/signup|our free trial> :rocket: :fire: 50% off ends tonight",
        "𝐁𝐨𝐨𝐤 𝐲𝐨𝐮𝐫 𝐟𝐫𝐞𝐞 𝐝𝐞𝐦𝐨 𝐭𝐨𝐝𝐚𝐲 𝐚𝐧𝐝 𝐠𝐞𝐭 𝟓𝟎% 𝐨𝐟𝐟",
    ],
)
def test_terse_english_pitches_are_judged_not_called_foreign(model, text):
    v = check(model, text)
    assert v.label == "pitch" and v.flags, (v.label, v.notes)


def test_other_scripts_are_not_scored(model):
    for text in ("こんにちは、先日のミーティングありがとうございました。", "مرحبا، كيف حالك؟ أتمنى أن تكون بخير"):
        v = check(model, text)
        assert v.label == "unscored" and any("English" in n for n in v.notes)
        assert all(not re.search(r"[^\x00-\x7f’]", q) for q in v.questions), v.questions


def test_an_unscored_draft_has_no_score(model):
    v = check(model, "hey")
    assert v.score is None and v.to_dict()["score"] is None
    assert check(model, "Hi Dana,\n\nHope you're well!\n\nBest,\nSam").label == "unscored"


def test_flags_are_deduplicated_and_capped(model):
    v = check(model, "We help companies like yours. " * 200 + "Book a demo today! Sign up now, 50% off.")
    assert len(v.flags) <= 8
    assert len({(f.text.lower(), f.reason) for f in v.flags}) == len(v.flags)


def test_long_unbroken_text_is_checked_in_linear_time(model):
    import time

    for text in ("1" * 40_000, "a-" * 20_000, "<" * 40_000, "a" * 40_000):
        started = time.monotonic()
        check(model, text)
        assert time.monotonic() - started < 3, text[:5]  # quadratic regexes took 5-34 s here


def test_a_condolence_gets_gentle_questions(model):
    v = check(model, "So sorry to hear about your dad. Thinking of you, no need to reply.")
    assert v.label == "conversation" and v.intent == "care"
    assert all(not re.search(r"best thing|win|work", q) for q in v.questions), v.questions


def test_intent_is_what_the_questions_were_fitted_to(model):
    v = check(model, "Hi! We help companies like yours cut costs 40%. Free for a 15-min demo Friday?")
    assert v.intent == "sell"


def test_bad_arguments_are_type_errors():
    from classifier import PitchModel

    with pytest.raises(TypeError, match="list of drafts"):
        check_many(PitchModel(), "one string")
    with pytest.raises(TypeError, match="must be a string"):
        check(PitchModel(), None)
