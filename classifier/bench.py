"""``rapport bench``: speed and size of the shipped model, next to a bare TF-IDF + logistic regression.

Figures come from one run on this machine; compare the ratios, not absolute times across machines.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import joblib
import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from classifier import batch, corpus, store
from classifier.coaching import check, check_many

# A fresh process: import, load what `rapport check` loads, time its first check of the draft on stdin (seconds).
_FIRST_CHECK = (
    "import sys,time;import classifier;from classifier import store;m=store.load_checker(sys.argv[1]);"
    "d=sys.stdin.read();t=time.perf_counter();classifier.check(m,d);print(time.perf_counter()-t)"
)
# A whole fresh process that checks the draft on stdin, as `rapport check` does (timed from outside, seconds).
_COLD_CHECK = "import sys,classifier;classifier.check(classifier.load_checker(sys.argv[1]),sys.stdin.read())"
_COLD_REFERENCE = "import sys,joblib;joblib.load(sys.argv[1]).predict_proba([sys.stdin.read()])"
_FIRST_REFERENCE = (
    "import sys,time,joblib;m=joblib.load(sys.argv[1]);"
    "d=sys.stdin.read();t=time.perf_counter();m.predict_proba([d]);print(time.perf_counter()-t)"
)


def _fresh(code: str, *args: str, stdin: str = "") -> float:
    """Run ``code`` in a new Python process and return the float it prints."""
    done = subprocess.run([sys.executable, "-c", code, *args], input=stdin, capture_output=True, text=True, check=True)
    return float(done.stdout)


def _cold(code: str, *args: str, stdin: str = "", runs: int = 3) -> float:
    """Median wall time (seconds) of ``runs`` new Python processes running ``code``, interpreter start included."""
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run([sys.executable, "-c", code, *args], input=stdin, capture_output=True, text=True, check=True)
        times.append(time.perf_counter() - t)
    return float(np.median(times))


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ms = np.array(samples) * 1000
    return float(np.percentile(ms, 50)), float(np.percentile(ms, 99))


def _latency(fn, drafts: list[str], repeats: int) -> tuple[float, float]:
    for d in drafts[:20]:  # warm-up
        fn(d)
    samples = []
    for i in range(repeats):
        d = drafts[i % len(drafts)]
        t = time.perf_counter()
        fn(d)
        samples.append(time.perf_counter() - t)
    return _percentiles(samples)


def _throughput(fn, drafts: list[str]) -> float:
    t = time.perf_counter()
    fn(drafts)
    return len(drafts) / (time.perf_counter() - t)


def _drafts(examples: list[corpus.Example]) -> tuple[list[str], list[str]]:
    """~30-word drafts from the corpus, and ~300-word drafts made by joining corpus drafts."""
    short = [e.text for e in examples if 25 <= len(e.text.split()) <= 35]
    long: list[str] = []
    current: list[str] = []
    for e in examples:
        current.append(e.text)
        if sum(len(t.split()) for t in current) >= 290:
            long.append("\n\n".join(current))
            current = []
    return short, long


#: What ``run`` does, in order; ``progress`` hears each name as that step is done.
STEPS = ("import", "load", "single checks", "batches", "reference model")


def run(model_path: Path | None = None, repeats: int = 500, progress: Callable[[str], None] | None = None) -> dict:
    done = progress or (lambda step: None)
    path = Path(model_path) if model_path else store.shipped_model_path()
    import_s = _fresh("import time;t=time.perf_counter();import classifier.coaching;print(time.perf_counter()-t)")
    ref_import_s = _fresh(
        "import time;t=time.perf_counter();import sklearn.feature_extraction.text, sklearn.linear_model, joblib;"
        "print(time.perf_counter()-t)"
    )
    # Load time as a user meets it: a fresh process with the package imported, loading what `check` uses.
    load_s = float(
        subprocess.run(
            [sys.executable, "-c", "import sys,time;from classifier import store;t=time.perf_counter();"
             "store.load_checker(sys.argv[1]);print(time.perf_counter()-t)", str(path)],
            capture_output=True, text=True, check=True,
        ).stdout
    )  # fmt: skip
    done("import")
    model = store.load_checker(path)
    pitch_model = store.read(path)

    examples = corpus.load()
    texts = [e.text for e in examples]
    labels = [e.label for e in examples]
    short, long = _drafts(examples)
    words_short = float(np.mean([len(d.split()) for d in short]))
    words_long = float(np.mean([len(d.split()) for d in long]))

    jobs = batch.default_jobs()
    first_check_ms = _fresh(_FIRST_CHECK, str(path), stdin=long[0]) * 1000
    cold_check_ms = _cold(_COLD_CHECK, str(path), stdin=long[0]) * 1000
    done("load")
    check_short_ms = _latency(lambda d: check(model, d), short, repeats)
    check_long_ms = _latency(lambda d: check(model, d), long, repeats)
    done("single checks")
    ours = {
        "model_bytes": path.stat().st_size,
        "load_ms": load_s * 1000,
        "first_check_long_ms": first_check_ms,
        "cold_check_long_ms": cold_check_ms,
        "check_short_ms": check_short_ms,
        "check_long_ms": check_long_ms,
        "batch_per_s": _throughput(lambda ts: check_many(model, ts), texts),
        "batch_workers_per_s": _throughput(lambda ts: list(batch.stream(model, ts, jobs=jobs)), texts),
        "proba_batch_per_s": _throughput(model.predict_proba, texts),
        "sklearn_proba_batch_per_s": _throughput(pitch_model.predict_proba, texts),
    }
    done("batches")

    reference_model = make_pipeline(
        TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True), LogisticRegression(max_iter=1000)
    ).fit(texts, labels)
    with tempfile.TemporaryDirectory() as tmp:
        ref_path = Path(tmp) / "reference.joblib"
        joblib.dump(reference_model, ref_path, compress=3)
        t = time.perf_counter()
        reference_model = joblib.load(ref_path)
        ref_load = time.perf_counter() - t
        ref_bytes = ref_path.stat().st_size
        ref_first = _fresh(_FIRST_REFERENCE, str(ref_path), stdin=long[0])
        ref_cold = _cold(_COLD_REFERENCE, str(ref_path), stdin=long[0])
    reference = {
        "model_bytes": ref_bytes,
        "load_ms": ref_load * 1000,
        "first_check_long_ms": ref_first * 1000,
        "cold_check_long_ms": ref_cold * 1000,
        "check_short_ms": _latency(lambda d: reference_model.predict_proba([d]), short, repeats),
        "check_long_ms": _latency(lambda d: reference_model.predict_proba([d]), long, repeats),
        "batch_per_s": _throughput(reference_model.predict_proba, texts),
    }
    done("reference model")
    return {
        "import_ms": import_s * 1000,
        "reference_import_ms": ref_import_s * 1000,
        "jobs": jobs,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "drafts": {"short_words": words_short, "long_words": words_long, "batch": len(texts)},
        "cpus": os.cpu_count(),
        "rapport": ours,
        "reference": reference,
    }


def report(r: dict) -> str:
    o, ref = r["rapport"], r["reference"]
    d = r["drafts"]
    rows = [
        ("model file", f"{o['model_bytes'] / 1e6:.2f} MB", f"{ref['model_bytes'] / 1e6:.2f} MB",
         o["model_bytes"] / ref["model_bytes"]),
        ("load", f"{o['load_ms']:.0f} ms", f"{ref['load_ms']:.0f} ms", o["load_ms"] / ref["load_ms"]),
        (f"check ~{d['short_words']:.0f} words p50", f"{o['check_short_ms'][0]:.2f} ms",
         f"{ref['check_short_ms'][0]:.2f} ms", o["check_short_ms"][0] / ref["check_short_ms"][0]),
        (f"check ~{d['short_words']:.0f} words p99", f"{o['check_short_ms'][1]:.2f} ms",
         f"{ref['check_short_ms'][1]:.2f} ms", o["check_short_ms"][1] / ref["check_short_ms"][1]),
        (f"check ~{d['long_words']:.0f} words p50", f"{o['check_long_ms'][0]:.2f} ms",
         f"{ref['check_long_ms'][0]:.2f} ms", o["check_long_ms"][0] / ref["check_long_ms"][0]),
        (f"check ~{d['long_words']:.0f} words p99", f"{o['check_long_ms'][1]:.2f} ms",
         f"{ref['check_long_ms'][1]:.2f} ms", o["check_long_ms"][1] / ref["check_long_ms"][1]),
        (f"first check ~{d['long_words']:.0f} words", f"{o['first_check_long_ms']:.2f} ms",
         f"{ref['first_check_long_ms']:.2f} ms", o["first_check_long_ms"] / ref["first_check_long_ms"]),
        (f"new process: check ~{d['long_words']:.0f} words", f"{o['cold_check_long_ms']:.0f} ms",
         f"{ref['cold_check_long_ms']:.0f} ms", o["cold_check_long_ms"] / ref["cold_check_long_ms"]),
        (f"batch of {d['batch']} (drafts/s)", f"{o['batch_per_s']:,.0f}", f"{ref['batch_per_s']:,.0f}",
         o["batch_per_s"] / ref["batch_per_s"]),
        (f"batch, {r['jobs']} workers (drafts/s)", f"{o['batch_workers_per_s']:,.0f}",
         f"{ref['batch_per_s']:,.0f}", o["batch_workers_per_s"] / ref["batch_per_s"]),
        ("import", f"{r['import_ms']:.0f} ms", f"{r['reference_import_ms']:.0f} ms",
         r["import_ms"] / r["reference_import_ms"]),
    ]  # fmt: skip
    lines = [f"{'':32}{'rapport':>14}{'tfidf+logreg':>14}{'ratio':>8}"]
    lines += [f"{name:32}{a:>14}{b:>14}{ratio:>7.1f}x" for name, a, b, ratio in rows]
    lines += [
        "",
        "rapport check includes flags, questions and signals; the reference only scores. 'load' and the checks use",
        "what `rapport check` loads (models/pitch.fast, no scikit-learn). 'first check' is timed in a fresh process",
        "right after load; 'new process' is the wall time of a whole Python process that imports, loads and checks",
        "(median of 3). The worker batch is compared with the reference's one-process batch.",
        "import: 'import classifier.coaching' against importing the reference's scikit-learn modules and joblib.",
        f"rapport score-only batch: {o['proba_batch_per_s']:,.0f} drafts/s fast path, "
        f"{o['sklearn_proba_batch_per_s']:,.0f} drafts/s through scikit-learn",
        f"peak memory (max RSS of this process, both models): {r['peak_rss_mb']:.0f} MB",
        f"cpus: {r['cpus']}",
    ]
    return "\n".join(lines)
