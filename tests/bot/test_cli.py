"""The ``rapport`` command, run as a user runs it: a separate process."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

RAPPORT = shutil.which("rapport", path=str(Path(sys.executable).parent))
CMD = [RAPPORT] if RAPPORT else [sys.executable, "-m", "bot"]
PITCH = "Hi! We help companies like yours cut costs 40%. Free for a 15-min demo Friday?"


def rapport(*args, stdin=None, env=None):
    env = {**os.environ, "NO_COLOR": "1", **(env or {})}
    return subprocess.run([*CMD, *args], input=stdin, capture_output=True, env=env, timeout=120)


def test_check_prints_the_verdict():
    r = rapport("check", PITCH)
    out = r.stdout.decode()
    assert r.returncode == 0, r.stderr
    assert out.startswith("Pitch score ") and "reads as a pitch" in out
    assert '"We help companies like yours"' in out and "talks about them as a market" in out
    assert "Try leading with a question instead:" in out and "Tip: Ask about their goals first" in out
    assert "words 15 ✗ (50-125)" in out and "questions 1 ✓ (1-3)" in out
    assert "\x1b[" not in out  # no colour when not on a terminal
    assert r.stderr == b""


def test_check_json():
    r = rapport("check", "--json", PITCH)
    v = json.loads(r.stdout)
    assert (
        v["label"] == "pitch" and 0 <= v["pitch_probability"] <= 1 and v["score"] == round(v["pitch_probability"] * 100)
    )
    assert {f["reason"] for f in v["flags"]} == {"market_speak", "meeting_ask"}
    assert all({"start", "end", "text", "reason"} <= f.keys() for f in v["flags"])
    assert {"questions", "tip", "signals", "notes"} <= v.keys()


def test_check_reads_stdin():
    r = rapport("check", "-", stdin=b"hey, how was the conference? what talk stuck with you?")
    assert r.returncode == 0 and "reads like a conversation" in r.stdout.decode()


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_check_jsonl_keeps_order_and_reports_bad_lines(jobs):
    lines = [json.dumps({"text": PITCH}), "not json", json.dumps({"text": "how are the kids?"}), json.dumps({"x": 1})]
    r = rapport("check", "--jsonl", "--jobs", jobs, stdin="\n".join(lines).encode())
    out = [json.loads(line) for line in r.stdout.decode().splitlines()]
    assert r.returncode == 2
    assert [o.get("line") for o in out] == [None, 2, None, 4]
    assert out[0]["label"] == "pitch" and out[2]["label"] == "conversation"
    assert "error" in out[1] and "error" in out[3]
    assert b"2 of 4 lines" in r.stderr


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_check_jsonl_checks_a_draft_holding_half_an_emoji(jobs):
    """JSON can carry a lone UTF-16 surrogate ("\\ud83d": an emoji cut in half), which no encoding can write."""
    lines = ['{"text": "fine, how are you?"}', '{"text": "We help companies \\ud83d like yours. Book a demo?"}']
    r = rapport("check", "--jsonl", "--jobs", jobs, stdin="\n".join(lines).encode())
    out = [json.loads(line) for line in r.stdout.decode().splitlines()]
    assert r.returncode == 0, r.stderr
    assert [o["label"] for o in out] == ["conversation", "pitch"]
    assert any("broken character" in note for note in out[1]["notes"])


@pytest.mark.parametrize(
    "args,stdin", [(("check", ""), None), (("check", "   \n\t"), None), (("check", "-"), b"  \n"), (("check",), None)]
)
def test_empty_draft_is_exit_2_with_a_message(args, stdin):
    r = rapport(*args, stdin=stdin)
    assert r.returncode == 2
    assert b"nothing to check" in r.stderr and b"Traceback" not in r.stderr


def test_huge_draft_is_cut_with_a_note():
    r = rapport("check", "-", stdin=("we help teams ship faster. " * 3000).encode())
    assert r.returncode == 0 and "only the first 40,000 characters" in r.stdout.decode()


@pytest.mark.parametrize(
    "raw",
    [
        b"Book a demo \xff\xfe today!",  # invalid UTF-8
        b"hello\x00\x01\x02 there, how are you?",  # control characters
        "🙂🚀🙏🎉".encode(),  # emoji only
        b"```js\nconsole.log(1)\n```\nwhy is this undefined?",  # code block
        b"Bonjour, je voulais savoir comment se passe le nouveau projet avec ton equipe",  # not English
    ],
)
def test_odd_input_never_crashes(raw):
    r = rapport("check", "--json", "-", stdin=raw)
    assert r.returncode == 0, r.stderr
    assert 0 <= json.loads(r.stdout)["pitch_probability"] <= 1


def test_invalid_utf8_argument():
    r = rapport("check", os.fsdecode(b"Sign up \xff now"))
    assert r.returncode == 0, r.stderr


def test_non_english_says_so():
    r = rapport("check", "Hola, ¿cómo estás? Me encantaría saber cómo va el proyecto de la escuela.")
    out = r.stdout.decode()
    assert out.startswith("No score: not English") and "only reads English" in out


def test_eval_reports_figures(tmp_path):
    data = Path(__file__).parents[1] / "data" / "unseen.jsonl"
    r = rapport("eval", str(data))
    out = r.stdout.decode()
    assert r.returncode == 0 and "F1" in out and "ROC-AUC" in out and "friendly_demo_ask" in out
    m = json.loads(rapport("eval", "--json", str(data)).stdout)
    assert m["n"] == 60 and m["f1"] >= 0.85
    assert "advice: most common question list" in out
    assert m["advice"]["n"] == 60 and 0 < m["advice"]["top_list_share"] <= 0.05


def test_eval_scores_what_users_see(tmp_path):
    data = tmp_path / "greetings.jsonl"
    rows = [{"text": t, "label": "conversation"} for t in ("hey", "gm", "Hi Dana,\n\nHope you're well!\n\nBest,\nSam")]
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    m = json.loads(rapport("eval", "--json", str(data)).stdout)
    assert m["accuracy"] == 1.0  # unscored counts as not pitch, as the header says


def test_eval_bad_file_is_a_clear_error(tmp_path):
    bad = tmp_path / "x.jsonl"
    bad.write_text('{"text": "hi there you", "label": "maybe"}\n')
    r = rapport("eval", str(bad))
    assert r.returncode == 2 and b"x.jsonl:1" in r.stderr and b"Traceback" not in r.stderr


def test_train_writes_model_metrics_and_card(tmp_path):
    corpus = Path(__file__).parents[2] / "classifier" / "corpus"
    small = tmp_path / "corpus"
    small.mkdir()
    for f in sorted(corpus.glob("*.jsonl")):
        (small / f.name).write_text("".join(f.read_text(encoding="utf-8").splitlines(True)[:40]), encoding="utf-8")
    out = tmp_path / "models"
    r = rapport("train", "--corpus", str(small), "--out", str(out), "--folds", "3")
    assert r.returncode == 0, r.stderr
    assert {p.name for p in out.iterdir()} == {"pitch.joblib", "pitch.fast", "metrics.json", "MODEL_CARD.md"}
    m = json.loads((out / "metrics.json").read_text())
    files = len(list(small.iterdir()))
    assert m["stratified"]["folds"] == 3 and m["stratified"]["n"] == 40 * files
    assert m["writer_held_out"]["writers"] == files and set(m["writer_held_out"]["per_writer"]) == {
        p.stem for p in small.iterdir()
    }
    assert "writer-held-out: precision" in r.stdout.decode()
    shipped = json.loads(rapport("check", "--json", PITCH).stdout)
    small_model = json.loads(rapport("check", "--json", PITCH, env={"RAPPORT_MODEL": str(out / "pitch.joblib")}).stdout)
    assert small_model["pitch_probability"] != shipped["pitch_probability"]


def test_missing_model_named_by_env_is_a_clear_error(tmp_path):
    r = rapport("check", PITCH, env={"RAPPORT_MODEL": str(tmp_path / "nope.joblib")})
    assert r.returncode == 2 and b"nope.joblib" in r.stderr and b"Traceback" not in r.stderr


def test_help():
    r = rapport("--help")
    assert r.returncode == 0
    for command in (b"check", b"train", b"eval", b"bench"):
        assert command in r.stdout
    assert b"stdin" in rapport("check", "--help").stdout
