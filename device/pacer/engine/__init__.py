"""Pacing a resolved workout: samples, presses and ticks in; events and a snapshot out.
May import: core, workout.
"""
