"""``Alternation``: a regular expression of many alternatives, matched exactly as ``re`` would, several times faster.

Python's ``re`` scans a pattern that starts with ``\\b`` (as every phrase rule does) by trying the whole pattern
at every position of the text: a 300-word draft costs ~30 µs per rule even when its words are absent. A pattern
that starts with a literal is found with a fast substring search instead (~1 µs). ``Alternation`` splits a
pattern into its top-level alternatives and compiles each one so that it starts with its literal:
``\\bbook a call`` becomes ``book(?<!\\wbook) a call`` (the look-behind says what ``\\b`` said: no word
character before the first letter). An alternative that needs a literal absent from the text is not run at all:
the literals every rule needs are found together, in one Aho-Corasick pass over the draft (``Literals``).

``finditer`` then yields what ``re.compile(pattern).finditer`` yields (same spans, same order): at each step
the leftmost start of any alternative, the first alternative in pattern order at that start, scanning on from
the end of the match. ``tests/classifier/test_scan.py`` compares the two on the corpus and on fuzzed text.

Patterns must have no capturing groups and no empty matches; ``ValueError`` says so at import time.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from re import _compiler as _sre_compile  # private but stable from Python 3.11 (re._parser, re._compiler)
from re import _constants as _c
from re import _parser as _sre_parse

_WORD = re.compile(r"\w")


def _literal_run(data: list) -> str:
    run = []
    for op, av in data:
        if op is not _c.LITERAL:
            break
        run.append(chr(av))
    return "".join(run)


#: Most literal-led branches one alternative is rewritten into (beyond it, ``\\b`` stays where it was).
_MAX_BRANCHES = 64


def _led(data: list, state) -> list[list] | None:
    """Sequences whose alternation equals ``\\b`` followed by ``data``, each starting with a word-character
    literal run or a character class and then a look-behind saying what ``\\b`` said; ``None`` when some path
    does not start so. A group or branch at the start is spread over what follows (``(?:A|B)X`` tries ``AX`` then
    ``BX``, as ``AX|BX`` does), an optional group too (``(?:A)?X`` tries ``AX`` then ``X``; ``??`` the other way
    round), and a repeat of one character or class gives its first (``[0-9]+X`` is ``[0-9][0-9]*X``)."""
    if not data:
        return None
    op, av = data[0]
    if op is _c.LITERAL:
        run = _literal_run(data)
        if not _WORD.match(run[0]):
            return None
        behind = _sre_parse.parse(r"(?<!\w" + re.escape(run) + ")", state.flags).data
        return [[*data[: len(run)], *behind, *data[len(run) :]]]
    if op is _c.IN:  # \b[0-9,] is [0-9,](?<=\b[0-9,]): re then skips to the class's characters
        behind = (_c.ASSERT, (-1, _sre_parse.SubPattern(state, [(_c.AT, _c.AT_BOUNDARY), data[0]])))
        return [[data[0], behind, *data[1:]]]
    if op in (_c.MAX_REPEAT, _c.MIN_REPEAT, _c.POSSESSIVE_REPEAT):
        low, high, item = av
        if low == 0 and high == 1 and op is not _c.POSSESSIVE_REPEAT:  # (?:A)?X: AX, then X (lazy: X, then AX)
            one, none = _led([*item.data, *data[1:]], state), _led(data[1:], state)
            if one is None or none is None or len(one) + len(none) > _MAX_BRANCHES:
                return None
            return one + none if op is _c.MAX_REPEAT else none + one
        if low >= 1 and len(item.data) == 1 and item.data[0][0] in (_c.LITERAL, _c.IN):
            rest = (op, (low - 1, high if high == _c.MAXREPEAT else high - 1, item))
            return _led([item.data[0], *([rest] if rest[1][1] else []), *data[1:]], state)
        return None
    if op is _c.BRANCH:
        out: list[list] = []
        for branch in av[1]:
            led = _led([*branch.data, *data[1:]], state)
            if led is None or len(out) + len(led) > _MAX_BRANCHES:
                return None
            out += led
        return out
    if op is _c.SUBPATTERN and av[0] is None and not av[1] and not av[2]:
        return _led([*av[3].data, *data[1:]], state)
    return None


def _compile_led(led: list[list], state) -> re.Pattern[str]:
    """The sequences ``_led`` gave, compiled as one pattern (a branch of them, in order)."""
    seq = led[0] if len(led) == 1 else [(_c.BRANCH, (None, [_sre_parse.SubPattern(state, s) for s in led]))]
    return _sre_compile.compile(_sre_parse.SubPattern(state, seq), state.flags)


def _needs(data: list) -> frozenset[str] | None:
    """Literals of which every match holds at least one, or ``None`` when no such set is known."""
    every = _needs_all(data)
    return max(every, key=lambda found: min(map(len, found))) if every else None


def _needs_all(data: list) -> list[frozenset[str]]:
    """Every set of literals found such that each match holds at least one literal of each set, in order (a
    sequence ``A...B`` needs ``A`` and ``B``: ``\\d+ ?% (?:off|less)`` needs ``%`` and one of ``off``, ``less``)."""
    every: list[frozenset[str]] = []
    i = 0
    while i < len(data):
        op, av = data[i]
        found: frozenset[str] | None = None
        if op is _c.LITERAL:
            run = _literal_run(data[i:])
            found = frozenset([run])
            i += len(run) - 1
        elif op is _c.SUBPATTERN and not av[1] and not av[2]:
            found = _needs(list(av[3].data))
        elif op is _c.BRANCH:
            parts = [_needs(list(b.data)) for b in av[1]]
            found = None if any(p is None for p in parts) else frozenset().union(*parts)
        elif op in (_c.MAX_REPEAT, _c.MIN_REPEAT, _c.POSSESSIVE_REPEAT) and av[0] >= 1:
            found = _needs(list(av[2].data))
        if found is not None and found not in every:
            every.append(found)
        i += 1
    return every


def _alternatives(data: list, state) -> list[list]:
    """The top-level alternatives of a parsed sequence, in order. The parser factors a shared ``\\b`` out of
    ``\\bA|\\bB`` (giving ``\\b(?:A|B)``): it is given back to each (``\\b(?:A|B)X`` tries ``\\bAX`` then
    ``\\bBX``, as ``\\bAX|\\bBX`` does)."""
    if len(data) == 1:
        op, av = data[0]
        if op is _c.BRANCH:
            return [alt for branch in av[1] for alt in _alternatives(list(branch.data), state)]
        if op is _c.SUBPATTERN and av[0] is None and not av[1] and not av[2]:
            return _alternatives(list(av[3].data), state)
    factored = len(data) >= 2 and data[0] == (_c.AT, _c.AT_BOUNDARY) and data[1][0] is _c.BRANCH
    if factored and _led(data[1:], state) is None:
        branches = data[1][1][1]
        return [[data[0], *alt, *data[2:]] for branch in branches for alt in _alternatives(list(branch.data), state)]
    return [data]


#: Longest literal of letters, digits and spaces that is not worth testing for: "e", " " or "in" is in nearly every
#: text, and ``Literals.found`` pays for each of its occurrences.
COMMON_LITERAL_LENGTH = 2


def _rare(literal: str) -> bool:
    """Whether testing a text for ``literal`` can rule anything out: not empty, and not a short run of letters,
    digits and spaces (``COMMON_LITERAL_LENGTH``)."""
    core = literal.replace(" ", "")
    return len(literal) > COMMON_LITERAL_LENGTH or (bool(core) and not core.isalnum())


class Literals:
    """The literals a group of ``Alternation`` objects tests texts for, all found in one pass over a text.

    ``found(text)`` is the set of registered literals that occur in ``text`` (as ``literal in text`` says,
    overlaps and repeats included). It runs an Aho-Corasick automaton (``pyahocorasick``) over the text once, in
    C: the phrase rules, the intents and the person counts of one check test a few hundred literals against the
    same lowered draft, and one ``in`` per literal costs a pass over the text each. The last text's answer is
    kept, so the next ``Alternation`` run on the same text pays nothing. Safe to share between threads.
    """

    def __init__(self) -> None:
        self._literals: set[str] = set()
        self._automaton = None
        self._last: tuple[str, frozenset[str]] = ("", frozenset())

    def add(self, literals: Iterable[str]) -> None:
        """Register ``literals`` (non-empty strings); the automaton is rebuilt on the next ``found``."""
        new = set(literals) - self._literals
        if new:
            self._literals |= new
            self._automaton = None
            self._last = ("", frozenset())

    def found(self, text: str) -> frozenset[str]:
        """The registered literals that occur in ``text``."""
        last_text, last_found = self._last
        if text == last_text:
            return last_found
        if not text or not self._literals:
            return frozenset()
        automaton = self._automaton or self._build()
        found = frozenset([literal for _end, literal in automaton.iter(text)])
        self._last = (text, found)
        return found

    def _build(self):
        import ahocorasick  # imported on first use, like the other matchers of a check

        automaton = ahocorasick.Automaton()
        for literal in self._literals:
            automaton.add_word(literal, literal)
        automaton.make_automaton()
        self._automaton = automaton
        return automaton


#: The ``Literals`` every ``Alternation`` registers with unless given its own: all of a check's rules run on the
#: same lowered draft, so one pass finds the literals for them all.
SHARED = Literals()


class Alternation:
    """``re.compile(pattern, flags)`` for ``finditer``, ``findall``-counting and ``search``, faster (module
    docstring). Raises ``ValueError`` for a pattern with capturing groups or one that can match empty text.

    ``fine=True`` compiles each literal-led branch on its own, each skipped unless its own literal is in the text:
    best for rules that rarely match (few of many words present), worse for ones that match often (every match
    costs a pass over the live branches).
    """

    def __init__(
        self, patterns: str | list[str], flags: int = 0, *, fine: bool = False, literals: Literals = SHARED
    ) -> None:
        self.fine = fine
        patterns = [patterns] if isinstance(patterns, str) else list(patterns)
        pattern = "|".join(f"(?:{p})" for p in patterns)
        self.reference = re.compile(pattern, flags)
        if self.reference.groups:
            raise ValueError(f"Alternation needs a pattern without capturing groups: {pattern!r}")
        self._literals = literals
        # Alternative k is ``_patterns[k]``; it can match only a text holding a literal of each set in
        # ``_needs[k]`` (no set: any text).
        self._patterns: list[re.Pattern[str]] = []
        self._needs: list[tuple[frozenset[str], ...]] = []
        for one in patterns:
            parsed = _sre_parse.parse(one, flags)
            self._add(parsed, pattern)
        self._always = tuple(k for k, needs in enumerate(self._needs) if not needs)
        # Literal -> the alternatives whose first set holds it; alternatives with more sets check the rest.
        by_literal: dict[str, list[int]] = {}
        for k, needs in enumerate(self._needs):
            for literal in needs[0] if needs else ():
                by_literal.setdefault(literal, []).append(k)
        self._by_literal = {literal: tuple(ks) for literal, ks in by_literal.items()}
        self._keys = frozenset(by_literal)
        self._more = {k: needs[1:] for k, needs in enumerate(self._needs) if len(needs) > 1}
        literals.add(self._keys.union(*(n for rest in self._more.values() for n in rest)))

    def _add(self, parsed, pattern: str) -> None:
        state = parsed.state
        for data in _alternatives(list(parsed.data), state):
            sub = _sre_parse.SubPattern(state, data)
            if sub.getwidth()[0] == 0:
                raise ValueError(f"Alternation needs alternatives that cannot match empty text: {pattern!r}")
            led = _led(data[1:], state) if data and data[0] == (_c.AT, _c.AT_BOUNDARY) else None
            # Branches compiled one by one when ``fine``, or when one starts with a class: ``re`` skips ahead to the
            # first letters of a branch of literals only, so a class among them would make it try every position.
            split = led is not None and (self.fine or any(seq[0][0] is _c.IN for seq in led))
            for seq in led if split else [data]:
                if split:
                    compiled = _sre_compile.compile(_sre_parse.SubPattern(state, seq), state.flags)
                elif led is not None:
                    compiled = _compile_led(led, state)
                else:
                    compiled = _sre_compile.compile(sub, state.flags)
                every = [] if state.flags & re.IGNORECASE else [n for n in _needs_all(seq) if all(map(_rare, n))]
                # The most selective set first: it picks the alternative out (``_live``), the others confirm.
                every.sort(key=lambda found: -min(map(len, found)))
                self._patterns.append(compiled)
                self._needs.append(tuple(every))

    def _live(self, text: str) -> list[re.Pattern[str]]:
        """The alternatives that can match ``text`` (their literals are in it), in pattern order."""
        found = self._literals.found(text) if self._keys else frozenset()
        hits = found & self._keys
        if not hits:
            indices: Iterable[int] = self._always
        else:
            chosen = set(self._always)
            for literal in hits:
                chosen.update(self._by_literal[literal])
            indices = sorted(chosen)
        more, patterns = self._more, self._patterns
        return [patterns[k] for k in indices if k not in more or all(not needs.isdisjoint(found) for needs in more[k])]

    def finditer(self, text: str, pos: int = 0) -> Iterator[re.Match[str]]:
        """The matches ``re`` would give, in order (each a ``re.Match`` of one alternative)."""
        live = self._live(text)
        if len(live) <= 1:  # one alternative: its own matches, found by ``re`` in C
            yield from live[0].finditer(text, pos) if live else ()
            return
        nexts = [p.search(text, pos) for p in live]
        while True:
            best = None
            for k, m in enumerate(nexts):
                if m is not None and m.start() < pos:
                    m = nexts[k] = live[k].search(text, pos)
                if m is not None and (best is None or m.start() < best.start()):
                    best = m
            if best is None:
                return
            yield best
            pos = best.end()

    def count(self, text: str) -> int:
        """``len(re.findall(pattern, text))``."""
        live = self._live(text)
        if len(live) == 1:
            return len(live[0].findall(text))
        return sum(1 for _ in self.finditer(text))

    def search(self, text: str) -> bool:
        """Whether the pattern matches anywhere in ``text`` (``bool(re.search(pattern, text))``)."""
        return any(p.search(text) is not None for p in self._live(text))
