"""Restricted Boltzmann machines on binarised letters."""
