"""Errors, samples, button actions and the clock: the plain vocabulary every room shares.
May import: nothing.
"""
