"""Benchmarks: Monte Carlo throughput, LP scaling and end-to-end timings (see REPORT.md)."""
