"""Shipped data sets: `japan_2030` (see japan_2030/SOURCES.md) and the `toy` test scenario."""
