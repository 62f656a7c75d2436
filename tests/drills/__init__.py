"""Failure drills (issue "Deploy and operate"): see ``drills.py``; ``python -m tests.drills`` prints figures."""
