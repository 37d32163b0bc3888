"""The learned groove: a model of how a drummer plays a score (velocity and micro-timing of every hit), trained on
MIDI performances, measured against the quantised score, per-instrument means and the hand-made feel."""
