"""Write native workouts in other tools' formats (:mod:`pacer.exporters.fit_workout`)."""
