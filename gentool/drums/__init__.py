"""Drum patterns: the representation and the genre grammars that generate them."""
