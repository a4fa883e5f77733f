"""A workout whose targets need a value the device's profile lacks (FTP, LTHR, a reference
pace) is refused when pushed or started over the serial link, with the reason; the same
workout shows fine on the laptop (tests/cli/test_cli_validate_show.py)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from pacer.link.host import DeviceClient
from pacer.link.protocol import ErrorCode, RequestError
from tests.cli.test_cli_validate_show import BIKE
from tests.support.serial_rig import Rig, db_dump, device_rig

pytestmark = pytest.mark.timeout(60)

NO_FTP = "name: Runner\nmax_hr: 185\n"
WITH_FTP = "name: Rider\nmax_hr: 185\nftp: 250\n"


def client(rig: Rig) -> DeviceClient:
    return DeviceClient(rig.port, timeout=3.0).open()


async def test_push_without_ftp_is_refused_with_the_reason(tmp_path: Path) -> None:
    async with device_rig(tmp_path) as rig:
        dev = await asyncio.to_thread(client, rig)
        await asyncio.to_thread(dev.profile_put, NO_FTP)
        before = db_dump(rig.store.path)
        with pytest.raises(RequestError) as err:
            await asyncio.to_thread(dev.workout_put, "ss", BIKE)
        assert err.value.code == ErrorCode.INVALID_WORKOUT
        assert [d.message for d in err.value.details] == [
            "this workout needs ftp in the athlete profile (ramp 50% FTP to 75% FTP in step 1); "
            "add it and try again"
        ]
        assert db_dump(rig.store.path) == before  # nothing stored

        # with an FTP it goes in; taken away again, starting it is refused the same way
        await asyncio.to_thread(dev.profile_put, WITH_FTP)
        await asyncio.to_thread(dev.workout_put, "ss", BIKE)
        await asyncio.to_thread(dev.profile_put, NO_FTP)
        with pytest.raises(RequestError) as err:
            await asyncio.to_thread(dev.start, "ss")
        assert err.value.code == ErrorCode.INVALID_WORKOUT
        assert "needs ftp" in err.value.details[0].message
        assert rig.engine.running() is None
        dev.close()


def test_the_daemon_refuses_to_start_it_with_the_reason() -> None:
    """Started from the device's own menu (not over serial): the daemon's start path gives
    the same sentence, which its Cannot start card shows."""
    from pacer.core.errors import InputErrors
    from pacer.daemon.live import resolve_stored
    from pacer.workout.profile import load_profile

    with pytest.raises(InputErrors) as err:
        resolve_stored("ss", BIKE, load_profile(NO_FTP, source="profile"))
    assert "this workout needs ftp in the athlete profile" in str(err.value)
    resolved = resolve_stored("ss", BIKE, load_profile(WITH_FTP, source="profile"))
    assert resolved.steps[0].target is not None
    assert resolved.steps[0].target.is_ramp
