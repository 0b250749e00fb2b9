"""Reproducible end-to-end benchmarks: `make bench` (quick) or `make bench FULL=1`."""
