"""Routing and SLA core: pure functions of data and time (no clock reads, no I/O)."""
