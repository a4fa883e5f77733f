"""Test-only doubles of the device's ports (engine controls for the serial link)."""

from __future__ import annotations

from .engines import FakeEngine, IdleEngine, SimEngineControl

__all__ = ["FakeEngine", "IdleEngine", "SimEngineControl"]
