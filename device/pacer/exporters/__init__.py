"""Write pacer data in other tools' formats: workouts (:mod:`pacer.exporters.fit_workout`)
and recorded activities (:mod:`~pacer.exporters.fit_activity`, :mod:`~pacer.exporters.tcx`,
:mod:`~pacer.exporters.csvfile`, :mod:`~pacer.exporters.jsonfile`)."""
