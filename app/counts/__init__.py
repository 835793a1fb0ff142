"""Keeping vote counts exact: casting votes, quarantine flips, recounts after a crash, the full tally."""
