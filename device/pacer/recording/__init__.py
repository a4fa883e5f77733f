"""Recording activities: the activity model, the recorder, readers of foreign files."""
