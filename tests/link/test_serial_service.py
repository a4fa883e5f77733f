"""DeviceService in-process: optional facilities, ordering of after-reply actions, and
failures inside handlers or the engine that must not take the server down."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pacer.link.protocol import ErrorCode, Request, encode_request
from pacer.link.service import DeviceService
from pacer.link.session import Outbox, Session
from pacer.sim.clock import SimClock
from pacer.storage.store import Store
from tests.support.serial_rig import FakeEngine


class Scanner:
    def __init__(self, fail: bool = False) -> None:
        self.fail = fail
        self.calls: list[float] = []

    async def scan(self, seconds: float) -> list[dict[str, Any]]:
        self.calls.append(seconds)
        if self.fail:
            raise RuntimeError("adapter exploded")
        return [{"address": "AA:BB:CC:DD:EE:FF", "name": "HRM", "rssi": -60, "roles": ["hr"]}]


class Service:
    def __init__(self, log: list[str]) -> None:
        self.log = log

    def restart(self) -> None:
        self.log.append("restart")

    def shutdown(self) -> None:
        self.log.append("shutdown")


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = Store(tmp_path / "pacer.db")
    yield s  # type: ignore[misc]
    s.close()


def make(store: Store, **kw: Any) -> tuple[DeviceService, FakeEngine, Session]:
    clock = SimClock()
    engine = FakeEngine(clock)
    service = DeviceService(store, clock, engine, device_id="t", **kw)
    return service, engine, service.session()


async def ask(session: Session, op: str, **args: Any) -> tuple[dict[str, Any], Any]:
    await session.feed(encode_request(Request(1, op, args)))
    item = session.outbox.take_nowait()
    assert item is not None
    return json.loads(item[0]), item[1]


async def test_scan_only_with_a_scanner_and_not_during_a_workout(store: Store) -> None:
    scanner = Scanner()
    service, engine, session = make(store, scanner=scanner)
    assert "sensors.scan" in service.capabilities
    reply, _ = await ask(session, "sensors.scan", seconds=3)
    assert reply["result"]["found"][0]["roles"] == ["hr"]
    assert scanner.calls == [3]
    reply, _ = await ask(session, "sensors.scan", seconds=99)
    assert reply["error"]["field"] == "args.seconds"
    engine.workout = "run"
    reply, _ = await ask(session, "sensors.scan")
    assert reply["error"]["code"] == ErrorCode.CONFLICT
    assert scanner.calls == [3]


async def test_a_failing_handler_is_an_internal_error_and_the_session_goes_on(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    _, _, session = make(store, scanner=Scanner(fail=True))
    reply, _ = await ask(session, "sensors.scan")
    assert reply["error"]["code"] == ErrorCode.INTERNAL
    assert "adapter exploded" in caplog.text
    reply, _ = await ask(session, "time.get")
    assert reply["ok"] is True


async def test_service_actions_run_after_the_reply(store: Store) -> None:
    log: list[str] = []
    _, engine, session = make(store, service=Service(log))
    reply, after = await ask(session, "service.restart")
    assert reply["result"] == {"restarting": True}
    assert log == []  # not before the reply is on the wire: the writer calls it
    after()
    assert log == ["restart"]
    engine.workout = "run"
    reply, after = await ask(session, "service.shutdown")
    assert reply["error"]["code"] == ErrorCode.CONFLICT
    assert after is None
    reply, after = await ask(session, "service.shutdown", force=True)
    after()
    assert log == ["restart", "shutdown"]


async def test_non_json_engine_status_is_dropped_not_fatal(store: Store) -> None:
    _, engine, session = make(store)
    reply, _ = await ask(session, "status.subscribe")
    assert reply["result"]["subscribed"] is True
    engine.hub.publish({"state": "running", "bad": float("nan")})
    engine.hub.publish({"state": "running", "t": 5})
    item = session.outbox.take_nowait()
    assert item is not None
    assert json.loads(item[0]) == {"event": "status", "data": {"state": "running", "t": 5}}
    engine.status = lambda: {"x": object()}  # type: ignore[method-assign]
    reply, _ = await ask(session, "status.get")
    assert reply["error"]["code"] == ErrorCode.INTERNAL


async def test_hello_and_close_drop_the_subscription(store: Store) -> None:
    _, engine, session = make(store)
    await ask(session, "status.subscribe")
    await ask(session, "status.subscribe")  # idempotent
    assert engine.subscribers == 1
    await ask(session, "hello")
    assert engine.subscribers == 0
    await ask(session, "status.subscribe")
    session.close()
    assert engine.subscribers == 0


async def test_on_change_reports_topics(store: Store) -> None:
    topics: list[str] = []
    _, _, session = make(store, on_change=topics.append)
    await ask(session, "settings.set", values={"display.contrast": 10})
    await ask(session, "settings.set", values={"display.contrast": 999})  # rejected
    await ask(session, "time.set", wall=1.8e9)
    assert topics == ["settings", "time"]


async def test_outbox_coalesces_events_and_keeps_replies() -> None:
    box = Outbox(max_replies=2)
    box.put_event("status", b"1")
    box.put_event("status", b"2")
    await box.put_reply(b"r1")
    await box.put_reply(b"r2")
    assert [(await box.get())[0] for _ in range(3)] == [b"r1", b"r2", b"2"]
    assert box.take_nowait() is None


# --- the link's layout: one catalogue, one registry, small modules ----------------------


def test_the_catalogue_is_what_the_device_serves(store: Store) -> None:
    from pacer.link.ops import OPTIONAL_OPS, Op

    service, _, _ = make(store)
    assert set(service.capabilities) == {str(op) for op in Op} - OPTIONAL_OPS
    service, _, _ = make(store, scanner=Scanner(), service=Service([]))
    assert set(service.capabilities) == {str(op) for op in Op}


def test_the_host_names_requests_from_the_catalogue() -> None:
    import ast

    import pacer.link.host as host
    from pacer.link.ops import Op

    tree = ast.parse(Path(host.__file__).read_text())
    names = {str(op) for op in Op}
    literals = [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and node.value in names
    ]
    assert literals == [], "the host spells an op by hand"
    sent = [
        node.args[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "request"
    ]
    assert len(sent) >= 20
    for arg in sent:
        assert isinstance(arg, ast.Attribute), ast.dump(arg)
        assert isinstance(arg.value, ast.Name), ast.dump(arg)
        assert arg.value.id == "Op", ast.dump(arg)
        assert arg.attr in Op.__members__


def test_one_status_registry_and_callback_type() -> None:
    import ast

    import pacer
    from pacer.daemon import control
    from pacer.link import status

    assert control.StatusHub is status.StatusHub
    assert control.StatusCallback is status.StatusCallback
    defined = []
    for path in Path(pacer.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Assign | ast.AnnAssign | ast.ClassDef):
                targets = node.targets if isinstance(node, ast.Assign) else [node]
                for target in targets:
                    name = getattr(target, "id", None) or getattr(target, "name", None)
                    if name in ("StatusCallback", "StatusHub"):
                        defined.append((path.name, name))
    assert sorted(defined) == [("status.py", "StatusCallback"), ("status.py", "StatusHub")]


def test_link_modules_are_small() -> None:
    import pacer.link

    root = Path(pacer.link.__file__).parent
    sizes = {str(p.relative_to(root)): len(p.read_text().splitlines()) for p in root.rglob("*.py")}
    assert len(sizes) >= 15
    assert max(sizes.values()) <= 600, sizes


def test_device_id_from_the_serial_number_or_the_machine_id(tmp_path: Path) -> None:
    from pacer.link.server import read_device_id

    serial_no, machine = tmp_path / "serial-number", tmp_path / "machine-id"
    serial_no.write_bytes(b"10000000a1b2c3d4\0")
    machine.write_bytes(b"abc\n")
    assert read_device_id((serial_no, machine)) == "10000000a1b2c3d4"
    serial_no.unlink()
    assert (
        read_device_id((serial_no, machine))
        == "m-" + __import__("hashlib").sha256(b"abc").hexdigest()[:16]
    )
    machine.unlink()
    assert read_device_id((serial_no, machine)).startswith("host-")


async def test_settings_get_shows_the_config_the_daemon_gives(store: Store) -> None:
    import dataclasses

    from pacer.config.file import Config

    service, _, session = make(store)
    reply, _ = await ask(session, "settings.get")
    assert reply["result"]["settings"]["display.contrast"] == Config().display.contrast
    base = Config()
    service.config = dataclasses.replace(
        base, display=dataclasses.replace(base.display, contrast=42)
    )
    reply, _ = await ask(session, "settings.get")
    assert reply["result"]["settings"]["display.contrast"] == 42
