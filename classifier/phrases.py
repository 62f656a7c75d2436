"""Key phrases of a draft: what it is about, in its own words, for the questions Rapport suggests.

YAKE (Campos et al., "YAKE! Keyword extraction from single documents using multiple local features",
Information Sciences 509, 2020) ranks candidate phrases; ``yake-rust``, a maintained port, gives the reference
``yake`` package's scores about ten times faster. The filters here keep what makes a good topic for a question
(noun phrases such as "seed round" or "bank reconciliation") and pass over what does not: greetings, names,
time words, the mechanics of outreach, verbs, adjectives and shouted words.
"""

from __future__ import annotations

import re
from functools import lru_cache
from itertools import chain

from classifier.text import MENTION, matches_at, without_urls


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Words that never make a key phrase: greetings, chat filler, time words, the mechanics of outreach.
_NOT_TOPIC = _words(
    """
    free part hardest easiest biggest toughest worst most least favourite favorite
    quarter faster better sooner later earlier
    afternoon all amazing anyone anything applying atmention awesome best better big bit btw bump bumping call
    calls candidate candidates chance checking cheers circling congrats congratulation congratulations cool
    day days dear demo dm dms email evening everyone first folks follow following friday fyi glad great guys
    haha happy hello hey hi hope hoping idea ideas imo inbox interview last link links linkurl lmk lol lot
    love message messages min mins minute minutes monday month months morning new next ngl nice nicely night
    note ok okay old one people please pls q question quick real reply rn saturday simple small someone
    something sorry stuff sunday sure tbh team thank thanks thing things thought thoughts thursday time today
    today's tomorrow tomorrow's tonight top tuesday warning way wednesday week weeks woo wow yay yeah year
    years yes yesterday
    """
)

# Function words: a phrase that starts, ends or has one inside is passed over.
_STOP = _words(
    """
    a about after also am an and are as at be been before but by can could did do does for from get got had
    has have he her here his how i if in into is it its just let may me might must my no not of on or our over
    re really s shall she should so than that the their them then there these they this those to too us very
    was we were what when where which who why will with would you your yours
    """
)

# Verbs make poor topics ("closing the seed", "found this write-up"). Base forms; ``_verb_forms`` inflects them.
_VERB_BASES = _words(
    """
    accept add agree allow answer apply ask bump build buy call change check circle close come consider
    continue create decide deliver describe do drop end enjoy expect explain fail feel find finish fix follow
    get give go grab grow guess hand happen hear help hold hope hop imagine improve join jump keep know land
    launch learn leave let like listen live look lose love make mean meet mention miss move need offer open
    pay pick plan play post print push put raise reach read receive recommend remember reply run save say see
    seem sell send set share ship show sign sit automate cut reduce boost scale manage handle track hire book
    schedule streamline increase double triple place sound speak spend start stay stop struggle suggest switch take
    talk tell test thank think touch try turn understand update use wait walk want watch wish wonder work
    worry write
    """
)

# Irregular past forms.
_IRREGULAR = _words(
    """
    found knew got gone went made said told saw seen ran took taken gave given came thought brought bought
    sent built wrote written met left felt kept held began begun done known heard paid lost spent stood
    understood chose chosen grew grown
    """
)

#: Verb forms that are as often nouns ("the call", "a test run"): allowed in a key phrase.
_NOUN_VERBS = _words(
    """
    book build builds call calls change changes check checks cover drop end finish help hold host launch
    move offer offers order pay plan plans play post posts print push raise report reports review run sell set
    share ship sign start support switch talk talks test tests turn update updates walk work
    """
)

#: Words in -ing that are topics (nouns) rather than verbs.
_ING_NOUNS = _words(
    """
    accounting baking billing branding budgeting building caching catering cleaning coaching consulting
    engineering funding fundraising hiring housing invoicing landscaping learning lighting marketing meeting
    mentoring networking onboarding packaging painting parenting planning plumbing pricing publishing
    recruiting reporting scaling scheduling shipping staffing testing tooling training wedding wiring writing
    """
)


#: Single words that make a topic on their own (a lone word is otherwise too often a fragment: "spot", "deck",
#: "long"); phrases of two or three words and acronyms need no list.
TOPIC_WORDS = _words(
    """
    abstract accessibility accounting acquisition agency album analysis analytics anniversary api apis app
    architecture art article audience automation baby backend bakery billing birthday blog board boiler
    bookkeeping books bootcamp branding bread budget budgets bug bugs burnout business cake camera cameras
    campaign career careers channel chapter churn classroom climbing clinic cloud coaching code codebase coffee
    cofounder cofounders commission commissions community compliance conference content contracts costs course
    curriculum customers cycling dashboard dashboards data database dataset deployment design devops docs
    documentation dog donor donors ecommerce editing engineering episode equity essay essays events exam exams
    family feature features festival finance fitness followers forum founders framework frontend funding
    fundraiser fundraising gala gallery game garden grant grants growth gym hackathon health hiking hiring
    hosting house illustration impact incident infrastructure insurance internship interviews inventory
    investors invoice invoices invoicing job jobs keynote kids kubernetes lab labs launch layoff layoffs
    leadership learning lease legal lesson lessons library listing logistics logo management manufacturing
    marathon market marketing meetup meetups mentoring mentorship menu microscope migration mobile mod
    moderation mods mortgage music networking newsletter nonprofit novel nursing observability office onboarding
    operations outage outreach package packaging panel paper papers parenting parents partnerships patients
    payments payroll performance photographers photography photos pipeline plumbing podcast podcasts portfolio
    preprint pricing privacy product production productivity prototyping publishing puppy race rebrand recipe
    recovery recruiting refactoring relocation rent repository research retention revenue roadmap robotics role
    roles salary sales savings scaling scheduling school science security seo server shipping shop song sourcing
    sourdough sponsor sponsorship sponsorships stall startup startups statistics storage strategy streaming
    students studio support sustainability talks taxes teachers teaching tenants testing therapy thesis thread
    tooling training translation travel trip tutorials tutoring venue video videos visa viva volunteering
    volunteers website weddings wellness workflow workflows workshop workshops writing
    """
)


def _verb_forms() -> frozenset[str]:
    forms = set(_IRREGULAR)
    for v in _VERB_BASES:
        stem = v[:-1] if v.endswith("e") and not v.endswith("ee") else v
        double = v + v[-1] if re.fullmatch(r"[^aeiou]*[aeiou][bdgmnprt]", v) else v
        forms |= {v, v + "s", v + "es", stem + "ed", stem + "ing", double + "ed", double + "ing"}
    return frozenset(forms)


_VERBS = _verb_forms()
_ADJECTIVE_ENDINGS = ("ible", "able", "ous", "ful", "less", "ive")
# Only the greeting is matched case-insensitively: the name after it must start with a capital. The pattern is
# r"\b(?i:hi|hey|hello|dear|morning|thanks|thank you|congrats),?\s+(?:(?i:dr|mr|ms|mrs|prof)\.?\s+)?([A-Z][\w'-]+)"
# written to start with a class of the greetings' first letters (only these ten match them case-insensitively),
# the look-behinds after it saying what the leading \b and each greeting's first letter said: ``re`` then skips
# to those letters instead of trying the whole pattern at every position (three times faster on a long draft).
_NAME_AFTER_GREETING = re.compile(
    r"[hdmtcHDMTC](?<!\w[hdmtcHDMTC])(?:(?<=[hH])(?i:i|ey|ello)|(?<=[dD])(?i:ear)|(?<=[mM])(?i:orning)|"
    r"(?<=[tT])(?i:hanks|hank you)|(?<=[cC])(?i:ongrats)),?\s+(?:(?i:dr|mr|ms|mrs|prof)\.?\s+)?([A-Z][\w'-]+)"
)
_TOKEN = re.compile(r"[\w'-]+")
_WORD_START = re.compile(r"\w")
# The sender's self-introduction ("I'm on the partnerships team at Ledgerly"): in a sales draft it names their
# own team and company, not the reader's topic.
_SELF_INTRO = re.compile(
    r"(?:^|(?<=[.!?\n,]))\s*(?:i'm|i am|i run|i lead|i work|i head|we're|we are|this is|my name|i'm part)\b[^.!?\n]*",
    re.I,
)
#: Words one of which every ``_SELF_INTRO`` match holds (lower case; for ASCII text, where ``re.I`` is ``lower``).
_INTRO_WORDS = ("i'm", "i am", "i run", "i lead", "i work", "i head", "we're", "we are", "this is", "my name")
# E-mail addresses, <markup> and :emoji: codes, taken out before key phrases are looked for.
_MARKUP = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+\.\w+|<[^<>]*>|:[a-z0-9_+-]+:")
#: ``_MARKUP``'s emoji branch: all it can match in a text without "@" and "<" (it starts with a literal, so ``re``
#: finds it with a fast search instead of trying three branches at every position).
_EMOJI_ONLY = re.compile(r":[a-z0-9_+-]+:")


def _plain(text: str) -> str:
    """``text`` without links, mentions, e-mail addresses, <markup> and :emoji: codes (each becomes a space)."""
    plain = without_urls(text, " ")
    if "<" in plain or "@" in plain:  # every MENTION match holds one of these
        plain = MENTION.sub(" ", plain)
        plain = _MARKUP.sub(" ", plain)
    elif ":" in plain:  # each of _MARKUP's three branches needs "@", "<" or ":": only the emoji codes can match
        plain = _EMOJI_ONLY.sub(" ", plain)
    return plain


def _may_introduce(text: str) -> bool:
    """False only when ``_SELF_INTRO`` cannot match ``text`` (ASCII text without any of ``_INTRO_WORDS``): a
    substring test is many times cheaper than the pattern, which is tried at every position."""
    if not text.isascii():  # re.I folds some non-ASCII letters (the long s, the Kelvin sign) onto ASCII ones
        return True
    low = text.lower()
    return any(w in low for w in _INTRO_WORDS)


# What ``_SELF_INTRO``'s look-behind asks for: a match starts at the text's start or just after one of these.
_INTRO_MARK = re.compile(r"[.!?\n,]")


def _intro_spans(text: str) -> list[tuple[int, int]]:
    """``[m.span() for m in _SELF_INTRO.finditer(text)]``, with the pattern tried only where a match can start
    (the start of ``text`` and just after an ``_INTRO_MARK``) rather than at every position: about a third of
    the time on a long draft."""
    return matches_at(_SELF_INTRO, text, chain((0,), (m.end() for m in _INTRO_MARK.finditer(text))))


_SENTENCE_START = re.compile(r"(?:[.!?\n]\s*|[:;]\s+)$")

#: Words of the draft's opening that key phrases are taken from (YAKE's cost grows with the text).
KEY_PHRASE_WINDOW = 100


@lru_cache(maxsize=1)
def _extractor():
    import yake_rust  # imported on first use: keeps `import classifier` light

    return yake_rust.Yake(language="en", ngrams=3, deduplication_threshold=0.7)


def _is_gerund(token: str) -> bool:
    low = token.lower()
    return low.endswith("ing") and len(low) > 5 and low not in _ING_NOUNS


def _is_acronym(token: str) -> bool:
    """``SDR``, ``AWS``, ``SDRs``, ``APIs``: two or more capitals, with an optional plural ``s``."""
    return len(token) > 1 and (token.isupper() or (token.endswith("s") and len(token) > 2 and token[:-1].isupper()))


def _is_name(token: str, text: str) -> bool:
    """A capitalised word (not an acronym) that is never at the start of a sentence in ``text``."""
    if not token[:1].isupper() or _is_acronym(token):
        return False
    lead = len(text) - len(text.lstrip())  # offsets up to here have nothing but spaces before them
    return all(m.start() > lead and not _after_end_mark(text, m.start()) for m in _whole_word(token).finditer(text))


@lru_cache(maxsize=4096)
def _whole_word(token: str) -> re.Pattern[str]:
    """``re.compile(rf"\\b{re.escape(token)}\\b")``, written to start with the token itself when it starts with a
    word character (the look-behind then says what the leading ``\\b`` said), so ``re`` finds it with a
    substring search instead of trying every position."""
    escaped = re.escape(token)
    if _WORD_START.match(token):
        return re.compile(rf"{escaped}(?<!\w{escaped})\b")
    return re.compile(rf"\b{escaped}\b")


def _at_sentence_start(text: str, at: int) -> bool:
    """True when ``text[at:]`` starts a sentence: nothing but spaces before it, or an end mark just before."""
    if not text[:at].strip():
        return True
    return _after_end_mark(text, at)


def _after_end_mark(text: str, at: int) -> bool:
    """True when an end mark (and spaces) comes just before ``text[at:]`` (``_at_sentence_start`` without the
    spaces-only test)."""
    return bool(_SENTENCE_START.search(text[max(0, at - 4) : at]))


def _usable(tokens: list[str], plain: str, names: set[str]) -> bool:
    low = [t.lower() for t in tokens]
    if not tokens or any(t in _NOT_TOPIC or t in names or t.isdigit() or t in _STOP for t in low):
        return False
    if len(max(low, key=len)) < 3 or (len(low) == 1 and low[0] not in TOPIC_WORDS and not _is_acronym(tokens[0])):
        return False
    if any(t in _VERBS and t not in _NOUN_VERBS for t in low) or low[-1].endswith(_ADJECTIVE_ENDINGS):
        return False
    if any(t.endswith("ly") and len(t) > 4 for t in low):
        return False
    # Mid-sentence capitalised words are names (people, streets, the sender's brand); gerunds and shouted
    # words are rarely a topic.
    return not any(_is_name(t, plain) or _is_gerund(t) or (t.isupper() and len(t) > 5) for t in tokens)


def _best(window: str, n: int = 10) -> list[str]:
    """YAKE's ``n`` best phrases of ``window``, best first, the same on every call. yake_rust sums scores in
    hash-map order, so equal scores come back a few ulps apart and tied phrases swap places from one call to
    the next; scores are compared to 9 decimals here, ties broken by where the phrase first appears."""
    scored = _extractor().get_n_best(window, n=n + 3)
    low = window.lower()
    ranked = sorted(scored, key=lambda ps: (round(ps[1], 9), low.find(ps[0].lower()), ps[0]))
    return [phrase for phrase, _score in ranked[:n]]


def key_phrases(text: str, selling: bool = False, limit: int = 3) -> tuple[str, ...]:
    """The key phrases of the draft's first ``KEY_PHRASE_WINDOW`` words, best first.

    ``selling`` also passes over phrases in the sender's self-introduction. Returns up to ``limit`` phrases,
    each 1-3 words, as written in the draft but lower-cased unless a word is an acronym; ``()`` when the draft
    has fewer than two words.
    """
    plain = _plain(text)
    first = _TOKEN.search(plain)
    if first is None or _TOKEN.search(plain, first.end()) is None:  # fewer than two tokens
        return ()
    names = {m.group(1).lower() for m in _NAME_AFTER_GREETING.finditer(plain)}
    intro = _intro_spans(plain) if selling and _may_introduce(plain) else []
    window = " ".join(plain.split(maxsplit=KEY_PHRASE_WINDOW)[:KEY_PHRASE_WINDOW])  # the rest left unsplit
    out: list[str] = []
    for phrase in _best(window):
        tokens = _TOKEN.findall(phrase)
        if not _usable(tokens, plain, names):
            continue
        where = plain.find(phrase)
        if any(s <= where < e for s, e in intro):
            continue
        shown = " ".join(t if _is_acronym(t) else t.lower() for t in tokens)
        if any(shown in kept or kept in shown for kept in out):
            continue
        out.append(shown)
        if len(out) == limit:
            break
    return tuple(out)
