"""Restricted Boltzmann machines on binarised letters (issue 15)."""
