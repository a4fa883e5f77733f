"""What a run records: the activity model, the recorder, payload, summary, replay.
May import: core..screens.
"""
