"""The simulated run: a hand-moved clock, an athlete model, the runner, the sim's face.
May import: core..formats.
"""
