"""The device configuration: the file, settings overrides, pinout, one validator."""
