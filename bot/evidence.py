"""The user's own evidence: reply rates with a Wilson 95% interval, and a comparison only when both sides have
enough sends to say anything.

The Wilson score interval (E. B. Wilson, "Probable inference, the law of succession, and statistical inference",
JASA 22 (1927) 209-212; method 3 of R. G. Newcombe, "Two-sided confidence intervals for the single proportion:
comparison of seven methods", Statistics in Medicine 17 (1998) 857-872) is, for k successes in n trials and
z = 1.95996 (95%)::

    (p + z²/2n ± z·sqrt(p(1-p)/n + z²/4n²)) / (1 + z²/n),   p = k/n

It stays inside 0-1 and behaves at 0 and n successes, where the textbook ``p ± z·se`` does not. We use SciPy's
implementation (``scipy.stats.binomtest(k, n).proportion_ci(method="wilson")``, no continuity correction).
"""

from __future__ import annotations

from dataclasses import dataclass

#: Sends each side needs before Rapport compares two reply rates.
ENOUGH = 10


@dataclass(frozen=True, slots=True)
class Rate:
    """``replied`` of ``sent`` got a reply: the rate and its Wilson 95% interval, fractions 0-1 (None for 0 sent)."""

    sent: int
    replied: int

    @property
    def rate(self) -> float | None:
        """``replied / sent``; None when nothing was sent."""
        return self.replied / self.sent if self.sent else None

    @property
    def interval(self) -> tuple[float, float] | None:
        """The Wilson 95% interval (low, high); None when nothing was sent."""
        return wilson(self.replied, self.sent) if self.sent else None


def wilson(successes: int, trials: int, confidence: float = 0.95) -> tuple[float, float]:
    """The Wilson score interval for ``successes`` of ``trials`` (fractions 0-1).

    ``ValueError`` unless 0 <= successes <= trials and trials >= 1."""
    if trials < 1 or not 0 <= successes <= trials:
        raise ValueError(f"a rate needs 0 <= successes <= trials and trials >= 1, not {successes} of {trials}")
    from scipy.stats import binomtest

    ci = binomtest(successes, trials).proportion_ci(confidence_level=confidence, method="wilson")
    return float(ci.low), float(ci.high)


def rate_text(name: str, rate: Rate) -> str:
    """``"pitch: 3 of 12 replied, 25% (95% CI 9-53%)"``."""
    if not rate.sent:
        return f"{name}: no sends yet"
    low, high = rate.interval
    return f"{name}: {rate.replied} of {rate.sent} replied, {rate.rate:.0%} (95% CI {low * 100:.0f}-{high * 100:.0f}%)"


def compare(name_a: str, a: Rate, name_b: str, b: Rate, whose: str = "your") -> str | None:
    """One sentence comparing two reply rates, or None until each side has ``ENOUGH`` sends. Says "about as
    often" when the intervals overlap, since the data cannot tell them apart. ``whose``: "your", "the team's"."""
    owner = whose[0].upper() + whose[1:]
    if a.sent < ENOUGH or b.sent < ENOUGH:
        return None
    (a_low, a_high), (b_low, b_high) = a.interval, b.interval
    if a_low > b_high or b_low > a_high:
        better, worse = (name_a, name_b) if a.rate > b.rate else (name_b, name_a)
        high, low = max(a.rate, b.rate), min(a.rate, b.rate)
        times = f"{high / low:.1f} times as often as" if low else "more often than"
        return f"{owner} {better} got replies {times} {whose} {worse}."
    return f"{owner} {name_a} and {name_b} got replies about as often (the intervals overlap)."
