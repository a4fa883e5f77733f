"""Button presses as a runner makes them (short, long, double), into actions (pure).
May import: core..haptics.
"""
