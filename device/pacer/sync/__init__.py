"""Sync with intervals.icu and Strava: workouts and zones in, runs out, the ledger, the port.
May import: core..link.
"""
