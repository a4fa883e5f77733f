"""The idle menu (pure) and the serial link's control of the daemon's engine."""

from __future__ import annotations

from typing import Any

import pytest

from pacer.core.actions import ButtonAction
from pacer.core.errors import InputErrors, ProtocolError, WorkoutError
from pacer.daemon.control import LinkControl, StatusHub
from pacer.daemon.menu import Menu, Resume, ResumeOffer, SaveEnded, Select, Start
from pacer.recording.recorder import RecordingRefused, ResumePoint

A = ButtonAction


def offer() -> ResumeOffer:
    point = ResumePoint("7", 2, 95.0, 2495.0, 6400.0, 310.0, 2600.0, "step-up-run")
    return ResumeOffer(7, 1.7e9, point)


def test_start_runs_the_selected_workout_and_lap_walks_the_list() -> None:
    menu = Menu(("a", "b", "c"), "b")
    assert menu.press(A.START_PAUSE) == Start("b")
    assert menu.press(A.LAP) == Select("c")
    menu.update(("a", "b", "c"), "c")
    assert menu.press(A.SKIP) == Select("a"), "wraps around"
    assert menu.press(A.STOP) is None
    assert menu.press(A.EXTEND) is None


def test_with_nothing_selected_lap_selects_the_first_and_start_does_nothing() -> None:
    menu = Menu(("a", "b"), None)
    assert menu.press(A.START_PAUSE) is None
    assert menu.press(A.LAP) == Select("a")
    empty = Menu((), None)
    assert empty.press(A.LAP) is None
    assert empty.press(A.START_PAUSE) is None


def test_a_selection_of_a_deleted_workout_is_dropped() -> None:
    menu = Menu(("a", "b"), "b")
    menu.update(("a",), "b")
    assert menu.selected is None


def test_the_resume_offer_comes_first_and_goes_after_one_answer() -> None:
    o = offer()
    menu = Menu(("step-up-run",), "step-up-run", o)
    assert menu.press(A.LAP) is None, "the offer must be answered first"
    assert menu.press(A.START_PAUSE) == Resume(o)
    assert menu.offer is None
    assert menu.press(A.START_PAUSE) == Start("step-up-run")

    menu.offer = o
    assert menu.press(A.STOP) == SaveEnded(o)
    assert menu.offer is None


class FakeWorkouts:
    """The daemon side of LinkControl, recording what it was asked."""

    def __init__(self) -> None:
        self.name: str | None = None
        self.started: list[tuple[str, str]] = []
        self.selections: list[str | None] = []
        self.fail: Exception | None = None

    def running(self) -> str | None:
        return self.name

    async def start_workout(self, name: str, source: str) -> None:
        if self.fail is not None:
            raise self.fail
        self.started.append((name, source))
        self.name = name

    async def stop_workout(self) -> None:
        self.name = None

    def selection_changed(self, name: str | None) -> None:
        self.selections.append(name)

    def status(self) -> dict[str, Any]:
        return {"state": "running" if self.name else "idle", "workout": self.name}


async def test_link_control_starts_stops_and_refuses_with_protocol_codes() -> None:
    daemon = FakeWorkouts()
    link = LinkControl(daemon, StatusHub())
    with pytest.raises(ProtocolError) as info:
        await link.stop()
    assert info.value.code == "conflict"
    await link.start("run", "text")
    assert daemon.started == [("run", "text")]
    assert link.running() == "run"
    assert link.status() == {"state": "running", "workout": "run"}
    with pytest.raises(ProtocolError) as info:
        await link.start("other", "text")
    assert info.value.code == "conflict"
    await link.stop()
    assert link.running() is None
    link.select("other")
    assert daemon.selections == ["other"]


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (InputErrors([WorkoutError("unknown zone Z9")]), "invalid_workout"),
        (RecordingRefused("storage full: 3 run(s) not downloaded yet"), "full"),
    ],
)
async def test_a_refused_start_becomes_its_protocol_error(error: Exception, code: str) -> None:
    daemon = FakeWorkouts()
    daemon.fail = error
    with pytest.raises(ProtocolError) as info:
        await LinkControl(daemon, StatusHub()).start("run", "text")
    assert info.value.code == code
    assert daemon.running() is None


def test_the_hub_keeps_publishing_past_a_failing_subscriber() -> None:
    hub = StatusHub()
    got: list[dict[str, Any]] = []

    def broken(status: dict[str, Any]) -> None:
        raise RuntimeError("host bug")

    hub.subscribe(broken)
    unsubscribe = hub.subscribe(got.append)
    hub.publish({"state": "idle"})
    assert got == [{"state": "idle"}]
    unsubscribe()
    hub.publish({"state": "running"})
    assert got == [{"state": "idle"}]
    assert len(hub) == 1
