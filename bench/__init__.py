"""The benchmark (`fab bench`): figures and ratios measured side by side in one run."""
