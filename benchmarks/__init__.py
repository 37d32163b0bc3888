"""Benchmarks that print figures and ratios against a plain reference run side by side. They are not part of
the installed package: run them from a checkout's root, as `python -m benchmarks.NAME`."""
