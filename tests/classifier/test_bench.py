"""classifier.bench.run reports each of its steps, in order, to ``progress`` (rapport bench draws its bar from it)."""

from classifier import bench


def test_run_reports_every_step_in_order(monkeypatch):
    monkeypatch.setattr(bench, "_fresh", lambda *args, **kwargs: 0.01)  # the timings themselves are not under test
    monkeypatch.setattr(bench, "_latency", lambda fn, drafts, repeats: (0.1, 0.2))
    monkeypatch.setattr(bench, "_throughput", lambda fn, drafts: 1000.0)
    monkeypatch.setattr(bench.subprocess, "run", lambda *args, **kwargs: type("R", (), {"stdout": "0.05"})())
    heard = []
    result = bench.run(progress=heard.append)
    assert heard == list(bench.STEPS)
    assert result["rapport"]["load_ms"] == 50.0 and result["reference"]["batch_per_s"] == 1000.0
