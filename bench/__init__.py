"""Benchmarks: synthetic data (generate.py) and the scripts that measure the project."""
