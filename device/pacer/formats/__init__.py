"""Other tools' formats: FIT codes, workouts in and out, activities in and out.
May import: core..recording.
"""
