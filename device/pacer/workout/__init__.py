"""What a workout and an athlete's profile mean: syntax, model, files, zones, resolving.
May import: core.
"""
