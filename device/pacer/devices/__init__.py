"""One module per real device, each importing its driver library lazily (inside functions).

``oled``: the display (luma.oled); ``motor``: the vibration motor (gpiozero);
``buttons``: the push buttons (gpiozero).
"""
