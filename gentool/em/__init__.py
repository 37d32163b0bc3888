"""Gaussian mixtures by EM and k-means on the 2-D mode benchmarks (or any file of points)."""
