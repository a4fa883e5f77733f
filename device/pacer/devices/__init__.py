"""One module per real device (lazy driver imports) and the Hardware bundle's protocols.
May import: core..buttons.

``oled``: the display (luma.oled); ``motor``: the vibration motor (gpiozero);
``buttons``: the push buttons (gpiozero).
"""
