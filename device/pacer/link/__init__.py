"""The USB serial link: protocol codec, device service and server, host client, pty cable.
May import: core..sim.
"""
