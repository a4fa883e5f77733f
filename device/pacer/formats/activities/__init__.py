"""Recorded activities in and out of other tools' formats.

Out: :mod:`~pacer.formats.activities.fit`, :mod:`~pacer.formats.activities.tcx`,
:mod:`~pacer.formats.activities.csvfile`, :mod:`~pacer.formats.activities.jsonfile`. In:
:mod:`~pacer.formats.activities.fitreader` (a FIT file from any watch), the CSV and JSON
readers beside their writers, :mod:`~pacer.formats.activities.load` (any of them, or a
pacer recording, by content) and :mod:`~pacer.formats.activities.numbers` (bounded numbers).
Workouts out (FIT) are :mod:`pacer.formats.workouts.fit_export`."""
