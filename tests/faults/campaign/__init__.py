"""The fault campaign's scenarios (issue 7), shared by tests/faults and bench/faults.py: each
builds its world, does the damage and returns the figures; the tests assert them on a small
store, the bench prints them at full size."""
