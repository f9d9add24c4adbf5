"""Benchmarks: `make bench` (or `python -m bench`) prints every figure and writes
bench/results.md with the machine it ran on."""
