"""The labelled training corpus: our own authored drafts, JSON Lines in ``classifier/corpus/``."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

CORPUS_DIR = Path(__file__).parent / "corpus"
LABELS = ("pitch", "conversation")

KINDS: dict[str, tuple[str, ...]] = {
    "pitch": (
        "cold_pitch", "founder_pitch", "freelancer_pitch", "coach_consultant_pitch", "fundraising_pitch",
        "soft_pitch_question", "compliment_pitch", "friendly_demo_ask", "recruiter_pitch", "event_pitch",
        "link_drop", "sales_bump", "bare_cta", "shill",
    ),
    "conversation": (
        "casual_chat", "community_discussion", "networking_question", "product_mention", "referral_offer",
        "advice_request", "help_offer", "genuine_follow_up", "congrats", "work_coordination", "short_chatter",
        "job_seeker_question", "link_share", "internal_pricing", "quoted_pitch_advice",
    ),
}  # fmt: skip

#: Kinds that are hard on purpose: soft pitches, and conversations that look salesy on the surface.
HARD_KINDS = frozenset(
    {
        "soft_pitch_question", "compliment_pitch", "friendly_demo_ask", "recruiter_pitch", "event_pitch",
        "link_drop", "product_mention", "referral_offer", "advice_request", "help_offer",
        "genuine_follow_up", "congrats", "work_coordination", "sales_bump", "bare_cta", "short_chatter",
        "job_seeker_question", "link_share", "internal_pricing", "quoted_pitch_advice",
    }
)  # fmt: skip

#: Hard negatives the quality bar is about: conversations that carry a pitch's surface (a product, a price,
#: a link, a role, a quoted pitch) with nothing sold to the reader.
HARD_NEGATIVE_KINDS = frozenset(
    {
        "product_mention", "referral_offer", "advice_request", "job_seeker_question", "link_share",
        "internal_pricing", "quoted_pitch_advice",
    }
)  # fmt: skip


class CorpusError(ValueError):
    """A labelled file that cannot be used: says which file and line."""


@dataclass(frozen=True, slots=True)
class Example:
    """One labelled draft; ``source`` is the file it came from (its stem), which names its writer."""

    text: str
    label: str
    kind: str | None
    source: str | None = None


def read_jsonl(path: Path, *, require_kind: bool = False) -> list[Example]:
    """Read a labelled JSON Lines file (``{"text", "label"[, "kind"]}`` per line)."""
    out: list[Example] = []
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise CorpusError(f"{path}:{n}: not valid JSON ({exc.msg})") from None
            if not isinstance(row, dict) or not isinstance(row.get("text"), str):
                raise CorpusError(f'{path}:{n}: expected an object with a "text" string')
            if row.get("label") not in LABELS:
                raise CorpusError(f'{path}:{n}: "label" must be "pitch" or "conversation"')
            kind = row.get("kind")
            if require_kind and kind not in KINDS[row["label"]]:
                raise CorpusError(f"{path}:{n}: unknown kind {kind!r} for label {row['label']!r}")
            out.append(Example(row["text"], row["label"], kind if isinstance(kind, str) else None, path.stem))
    if not out:
        raise CorpusError(f"{path}: no labelled drafts")
    return out


def files(directory: Path = CORPUS_DIR) -> list[Path]:
    """The corpus's ``*.jsonl`` files (one per writer), sorted by name."""
    return sorted(directory.glob("*.jsonl"))


def load(directory: Path = CORPUS_DIR) -> list[Example]:
    """Every example of the corpus, in a stable order (file name, then line)."""
    paths = files(directory)
    if not paths:
        raise CorpusError(f"no *.jsonl files in {directory}")
    return [ex for p in paths for ex in read_jsonl(p, require_kind=True)]


def fingerprint(directory: Path = CORPUS_DIR) -> str:
    """SHA-256 over the corpus files, to tie a trained model to the data it saw."""
    digest = hashlib.sha256()
    for p in files(directory):
        digest.update(p.name.encode())
        digest.update(p.read_bytes())
    return digest.hexdigest()


COUNTS_START, COUNTS_END = "<!-- counts:start -->", "<!-- counts:end -->"


def counts_table(examples: list[Example]) -> str:
    """Markdown counts per label and kind (hard kinds marked), as the datasheet shows them."""
    counts: dict[tuple[str, str], int] = {}
    for e in examples:
        counts[(e.label, e.kind or "")] = counts.get((e.label, e.kind or ""), 0) + 1
    lines = ["| label | kind | drafts | hard |", "| --- | --- | --- | --- |"]
    for label in LABELS:
        for kind in KINDS[label]:
            lines.append(
                f"| {label} | {kind} | {counts.get((label, kind), 0)} | {'yes' if kind in HARD_KINDS else ''} |"
            )
    for label in LABELS:
        rows = [e for e in examples if e.label == label]
        hard = sum(e.kind in HARD_KINDS for e in rows)
        lines.append(f"| {label} | **all** | {len(rows):,} | {hard:,} |")
    lines.append(f"| **all** | | {len(examples):,} | |")
    return "\n".join(lines)


def write_counts(directory: Path, examples: list[Example]) -> bool:
    """Refresh the counts block of ``DATASHEET.md`` in ``directory``, if it has one."""
    sheet = directory / "DATASHEET.md"
    if not sheet.exists():
        return False
    text = sheet.read_text(encoding="utf-8")
    if COUNTS_START not in text or COUNTS_END not in text:
        return False
    head, rest = text.split(COUNTS_START, 1)
    _, tail = rest.split(COUNTS_END, 1)
    sheet.write_text(f"{head}{COUNTS_START}\n{counts_table(examples)}\n{COUNTS_END}{tail}", encoding="utf-8")
    return True
