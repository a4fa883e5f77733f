"""Pacing a resolved workout: samples, presses and ticks in; events and a snapshot out.
May import: core, workout.

* :mod:`pacer.engine.engine` - :class:`Engine`, the public API and the conductor;
* :mod:`pacer.engine.steps`, :mod:`pacer.engine.timeline` - the step machine and what is due;
* :mod:`pacer.engine.signals` - artefacts dropped, smoothing, trend, liveness, distance;
* :mod:`pacer.engine.effort` - how this athlete's heart rate answers effort;
* :mod:`pacer.engine.forecast` - how likely a crossing of the top is (the warning's chance);
* :mod:`pacer.engine.odds` - how often real hearts crossed, by gap and rise (measured data);
* :mod:`pacer.engine.judge` - one step's alerts, excursions and direction-aware changes;
* :mod:`pacer.engine.zones` - the one in/over/under classification;
* :mod:`pacer.engine.policy` - :class:`AlertPolicy`, every threshold a documented field;
* :mod:`pacer.engine.view`, :mod:`pacer.engine.snapshot` - the snapshot and its builder;
* :mod:`pacer.engine.events`, :mod:`pacer.engine.summary`, :mod:`pacer.engine.text`,
  :mod:`pacer.engine.feel` - events, per-step summary, events as text, haptic names.

docs/engine.md has the rules and the figures.
"""
