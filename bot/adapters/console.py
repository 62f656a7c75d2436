"""The terminal adapter: renders coach results as plain text (colour only where the terminal shows it)."""

from __future__ import annotations

import click

from classifier import Signal, Verdict

HEADLINES = {
    "pitch": ("reads as a pitch", "red"),
    "borderline": ("could read as a pitch", "yellow"),
    "conversation": ("reads like a conversation", "green"),
}


def render_verdict(verdict: Verdict) -> str:
    """The human-readable check, the same on every terminal; ``click.echo`` drops colour when piped."""
    headline, colour = HEADLINES[verdict.label]
    lines = [click.style(f"Pitch score {verdict.score}/100 — {headline}", fg=colour, bold=True)]
    if verdict.flags:
        width = min(40, max(len(f.text) for f in verdict.flags) + 2)
        for flag in verdict.flags:
            quoted = f'"{_one_line(flag.text)}"'
            lines.append(f"  {click.style(quoted.ljust(width), fg='yellow')} {flag.why}")
    elif verdict.label == "conversation":
        lines.append("  Nothing salesy stood out.")
    lines.append(
        "Try leading with a question instead:" if verdict.label != "conversation" else "Questions that keep it going:"
    )
    lines += [f"  • {q}" for q in verdict.questions]
    lines.append(f"Tip: {verdict.tip}")
    lines.append(click.style("  " + "  ·  ".join(_signal(s) for s in verdict.signals), dim=True))
    lines += [click.style(f"Note: {n}", fg="cyan") for n in verdict.notes]
    return "\n".join(lines)


def _one_line(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _signal(s: Signal) -> str:
    """One signal as ``name value mark (target)``, e.g. ``words 15 ✗ (50-125)``."""
    percent = s.name == "you_focus"

    def show(v: float) -> str:
        return f"{v:.0%}" if percent else f"{v:g}"

    name = {"reading_grade": "reading grade", "you_focus": "about them"}.get(s.name, s.name)
    if s.low is not None and s.high is not None:
        target = f"{show(s.low)}-{show(s.high)}"
    elif s.high is not None:
        target = f"≤{show(s.high)}"
    else:
        target = f"≥{show(s.low)}"
    return f"{name} {show(s.value)} {'✓' if s.in_range else '✗'} ({target})"
