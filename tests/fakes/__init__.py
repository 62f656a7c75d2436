"""Local stand-ins of the Slack and Discord APIs, and helpers for the app processes the tests run."""

import signal
import subprocess


def stop_process(process: subprocess.Popen, timeout: float = 30) -> int:
    """SIGTERM (a graceful stop), then SIGKILL if it does not end in ``timeout`` seconds; returns the exit code."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    return process.returncode
