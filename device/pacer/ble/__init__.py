"""Bluetooth LE sensors: GATT parsers, per-role decoders, pairing, one session per sensor.
May import: core..devices.

The package is split the way the rest of pacer is: pure code in the middle, I/O at the edge.

* :mod:`pacer.ble.gatt` - the assigned numbers pacer uses (services, characteristics, roles).
* :mod:`pacer.ble.parsers` - pure decoders of the measurement characteristics, plus the small
  stateful-but-pure helpers that turn cumulative counters into rates (:class:`CscCalculator`)
  and foot-pod cadence into steps per minute (:class:`StepCadence`).
* :mod:`pacer.ble.decode` - per-role objects that turn one notification into samples.
* :mod:`pacer.ble.health` - per-sensor counters and notification-gap percentiles.
* :mod:`pacer.ble.pairing` - which addresses are paired, and as what.
* :mod:`pacer.ble.session` - one supervised task per sensor and :class:`BleSensors`, the
  :class:`pacer.devices.bundle.Sensors` implementation.
* :mod:`pacer.ble.radio` - the only module that talks to bleak (imported lazily).

Importing this package imports neither bleak nor dbus-fast.
"""
