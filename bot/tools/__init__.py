"""Tools for operators, not platforms: e.g. ``slack_load`` sends signed load to a running Slack app."""
