"""Write pacer data in other tools' formats: workouts (:mod:`pacer.formats.workouts.fit_export`)
and recorded activities (:mod:`~pacer.formats.activities.fit`, :mod:`~pacer.formats.activities.tcx`,
:mod:`~pacer.formats.activities.csvfile`, :mod:`~pacer.formats.activities.jsonfile`)."""
