"""The device's settings: the config file, serial overrides, the pinout, one validator.
May import: core..engine.
"""
