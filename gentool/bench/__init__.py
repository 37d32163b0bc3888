"""Benchmarks that print figures and ratios against a plain reference run side by side."""
