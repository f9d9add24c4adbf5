"""Intake: the one path every report takes, and the channels that feed it."""
