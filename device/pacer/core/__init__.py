"""Errors, samples, button actions and the clock: the plain vocabulary every room shares.
May import: nothing.

* :mod:`pacer.core.errors` - :class:`PacerError` and its located subclasses;
* :mod:`pacer.core.samples` - what a sensor hands the engine (heart rate, stride, bike);
* :mod:`pacer.core.actions` - :class:`ButtonAction`, the engine's input from the buttons;
* :mod:`pacer.core.clock` - the :class:`Clock` protocol and :class:`SystemClock`;
* :mod:`pacer.core.files` - input files read with their size checked first;
* :mod:`pacer.core.argtypes`, :mod:`pacer.core.textable` - argparse types; aligned tables;
* :mod:`pacer.core.terminal` - foreign text escaped before it reaches a terminal.
"""
