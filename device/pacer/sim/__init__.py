"""The simulated run: a clock advanced by hand, an athlete model, and a runner that drives
the real engine with them (see docs/engine.md#simulator)."""
