"""Button presses as a runner makes them (pure)."""
