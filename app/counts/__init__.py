"""Keeping vote counts exact: recounts after a crash and the full tally."""
