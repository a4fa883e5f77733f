"""The display driver and the OLED edge, through luma's real device classes.

The SSD1306/SH1106 drivers run for real; only the I2C bus is replaced, by a recorder of
the bytes luma would put on the wire (a bus cannot exist here). luma's dummy device stands
for the panel where the picture itself matters.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from PIL import Image

from pacer.config.file import DisplayConfig
from pacer.core.errors import ConfigError, HardwareError
from pacer.devices.oled import LumaDisplay, dummy_display, open_oled
from pacer.screens import render_workout
from pacer.screens.driver import DisplayDriver
from pacer.screens.examples import step_up_z2
from pacer.workout.profile import Units

SETCONTRAST, DISPLAYOFF, DISPLAYON = 0x81, 0xAE, 0xAF


class WireRecorder:
    """Stands in for luma's i2c interface: counts what would cross the bus."""

    def __init__(self) -> None:
        self.commands: list[tuple[int, ...]] = []
        self.data_bytes = 0
        self.closed = False

    def command(self, *cmd: int) -> None:
        self.commands.append(cmd)

    def data(self, data: list[int]) -> None:
        self.data_bytes += len(data)

    def cleanup(self) -> None:
        self.closed = True


class FakeClock:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def wire() -> WireRecorder:
    return WireRecorder()


@pytest.mark.parametrize("controller", ["ssd1306", "sh1106"])
def test_nothing_is_sent_when_nothing_visible_changed(controller: str, wire: WireRecorder) -> None:
    panel = open_oled(DisplayConfig(driver=controller), serial_interface=wire)
    clock = FakeClock()
    driver = DisplayDriver(panel, clock)
    after_init = wire.data_bytes
    snap = step_up_z2()
    assert driver.update(render_workout(snap, Units.METRIC), workout=True)
    frame = wire.data_bytes - after_init
    assert frame >= 1024  # a full 128x64 frame in one go

    sent = wire.data_bytes
    for i in range(20):
        clock.t += 0.5
        # different snapshots, same picture: slope, smoothing and extras are not shown
        same = replace(snap, hr_slope=0.1 * i, extra={"x": float(i)}, speed_mps=3.2101)
        assert not driver.update(render_workout(same, Units.METRIC), workout=True)
        assert not driver.tick()
    assert wire.data_bytes == sent
    assert driver.frames_sent == 1
    assert driver.frames_offered == 21

    clock.t += 0.5
    assert driver.update(render_workout(replace(snap, hr=142), Units.METRIC), workout=True)
    assert wire.data_bytes == sent + frame


def test_rate_is_capped_and_the_latest_picture_wins() -> None:
    panel = dummy_display()
    clock = FakeClock()
    driver = DisplayDriver(panel, clock, DisplayConfig(max_fps=2.0))
    pictures = [render_workout(step_up_z2(hr=120 + i), Units.METRIC) for i in range(50)]
    for i, image in enumerate(pictures):  # ten changes a second for five seconds
        clock.t = i * 0.1
        driver.update(image, workout=True)
        driver.tick()
    assert driver.frames_sent == 10  # 0.0, 0.5, ... 4.5
    assert driver.pending
    due = driver.next_due()
    assert due == pytest.approx(5.0)
    clock.t = due
    assert driver.tick()
    assert panel.device.image.tobytes() == pictures[-1].tobytes()
    assert driver.next_due() is None


def test_pending_picture_is_dropped_when_the_screen_changes_back() -> None:
    panel = dummy_display()
    clock = FakeClock()
    driver = DisplayDriver(panel, clock)
    a = render_workout(step_up_z2(hr=140), Units.METRIC)
    b = render_workout(step_up_z2(hr=141), Units.METRIC)
    driver.update(a)
    clock.t = 0.1
    driver.update(b)
    assert driver.pending
    clock.t = 0.2
    driver.update(a)
    assert not driver.pending
    clock.t = 5
    assert not driver.tick()
    assert driver.frames_sent == 1


def contrast_levels(wire: WireRecorder) -> list[int]:
    return [c[1] for c in wire.commands if c and c[0] == SETCONTRAST]


def test_menus_dim_after_inactivity_and_wake_on_a_press(wire: WireRecorder) -> None:
    panel = open_oled(serial_interface=wire)
    clock = FakeClock()
    cfg = DisplayConfig(dim_after_s=30, contrast=200)
    driver = DisplayDriver(panel, clock, cfg, dim_contrast=5)
    menu = render_workout(step_up_z2(), Units.METRIC)
    driver.update(menu, workout=False)
    clock.t = 29.0
    driver.tick()
    assert not driver.dimmed
    clock.t = 30.0
    driver.tick()
    assert driver.dimmed
    clock.t = 31.0
    driver.activity()
    assert not driver.dimmed
    assert contrast_levels(wire)[-3:] == [200, 5, 200]


def test_a_workout_is_never_dimmed(wire: WireRecorder) -> None:
    panel = open_oled(serial_interface=wire)
    clock = FakeClock()
    driver = DisplayDriver(panel, clock, DisplayConfig(dim_after_s=10), dim_contrast=5)
    image = render_workout(step_up_z2(), Units.METRIC)
    for second in range(3600):
        clock.t = float(second)
        driver.update(image, workout=True)
        driver.tick()
    assert 5 not in contrast_levels(wire)
    assert not driver.dimmed
    # ...and entering a workout from a dimmed menu restores the contrast at once
    driver.update(image, workout=False)
    assert driver.dimmed
    driver.update(image, workout=True)
    assert not driver.dimmed


def test_close_blanks_the_panel_and_stops_sending(wire: WireRecorder) -> None:
    panel = open_oled(serial_interface=wire)
    driver = DisplayDriver(panel, FakeClock())
    driver.update(render_workout(step_up_z2(), Units.METRIC))
    driver.close()
    assert wire.commands[-1] == (DISPLAYOFF,)
    sent = wire.data_bytes
    assert not driver.update(render_workout(step_up_z2(hr=99), Units.METRIC))
    assert wire.data_bytes == sent
    driver.close()  # twice is fine


def test_showing_after_off_turns_the_panel_back_on(wire: WireRecorder) -> None:
    panel = open_oled(serial_interface=wire)
    panel.off()
    panel.show(Image.new("1", (128, 64)))
    off_at = wire.commands.index((DISPLAYOFF,))
    assert (DISPLAYON,) in wire.commands[off_at:]


def test_lumadisplay_close_cleans_up_the_bus(wire: WireRecorder) -> None:
    panel = open_oled(serial_interface=wire)
    panel.close()
    assert wire.closed
    assert (DISPLAYOFF,) in wire.commands


def test_missing_bus_is_a_hardware_error_naming_it() -> None:
    # a real smbus2 open of a bus that does not exist
    with pytest.raises(HardwareError, match=r"ssd1306 display at 0x3C on I2C bus 97"):
        open_oled(DisplayConfig(i2c_port=97))


def test_dummy_converts_other_modes() -> None:
    panel = dummy_display()
    assert panel.size == (128, 64)
    grey = Image.new("L", (128, 64), 255)
    panel.show(grey)
    assert panel.device.image.mode == "1"
    assert panel.device.image.getpixel((3, 3)) == 255


def test_configs_no_panel_can_honour() -> None:
    with pytest.raises(ConfigError, match=r"display\.driver = 'none'"):
        open_oled(DisplayConfig(driver="none"))
    with pytest.raises(ConfigError, match="rotation = 1: the screens are landscape"):
        open_oled(DisplayConfig(rotation=1))


def test_dimming_can_be_switched_off() -> None:
    panel = dummy_display()
    clock = FakeClock()
    driver = DisplayDriver(panel, clock, DisplayConfig(dim_after_s=0))
    clock.t = 1e6
    driver.tick()
    assert not driver.dimmed


def test_lumadisplay_is_a_display() -> None:
    from pacer.devices.bundle import Display

    panel: Display = dummy_display()
    assert isinstance(panel, LumaDisplay)
