"""pacer: a wearable workout pacer for the Raspberry Pi Zero 2 W.

Importing this package touches no hardware and imports no driver library; the pure core
(workout model, zones, engine, parsers, protocol) lives in plain modules and every real
device sits behind a small Protocol in :mod:`pacer.devices.bundle`.
"""

__version__ = "0.1.0"
