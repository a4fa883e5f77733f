"""The device's settings: the config file, serial overrides, the pinout, one validator.
May import: core..engine.

* :mod:`pacer.config.schema` - one frozen dataclass per ``[section]``, with its defaults;
* :mod:`pacer.config.file` - the TOML file read into a :class:`Config`, errors located;
* :mod:`pacer.config.validate` - the one validator: each key, then the rules across keys,
  for the file, ``settings.set`` and start-up alike;
* :mod:`pacer.config.settings` - the overrides a host stores over serial;
* :mod:`pacer.config.pinout` - the default wiring (``hardware/wiring.py`` draws it).
"""
