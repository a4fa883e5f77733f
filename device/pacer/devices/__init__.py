"""One module per real device (lazy driver imports) and the Hardware bundle's protocols.
May import: core..buttons.

``bundle``: the :class:`~pacer.devices.bundle.Hardware` bundle and its ports (display,
haptics, buttons, sensors, clock, serial port, gauge, scanner, power); ``oled``: the display
(luma.oled); ``motor``: the vibration motor (gpiozero); ``buttons``: the push buttons
(gpiozero); ``battery``: the fuel gauges (MAX17048, PiSugar) and the battery thresholds;
``power``: switching off and Wi-Fi (systemctl, rfkill). Real or simulated parts are chosen
above, in :func:`pacer.daemon.hardware.build_hardware`.
"""
