"""Developer scripts, run from a checkout's root as `python -m benchmarks.NAME`: benchmarks that print figures and
ratios against a plain reference run side by side, and the scripts that build the shipped instruments
(build_instruments) and check the letter evaluator on font families it never saw (check_letter_evaluator). They
are not part of the installed package."""
