"""Pairings in the device store and the ``pacer sensors`` pair/forget/list commands."""

from __future__ import annotations

from pathlib import Path

import pytest

from pacer.ble.pairing import (
    Pairing,
    forget,
    load_pairings,
    normalize_address,
    pair,
    pair_in,
    save_pairings,
)
from pacer.cli import main
from pacer.core.errors import ConfigError
from pacer.core.samples import PodCadenceUnit, SensorRole
from pacer.storage.store import DB_NAME, Store

HR = "F0:13:C3:5A:2B:01"
POD = "C4:7C:8D:6A:00:12"


def test_no_file_means_no_pairings(tmp_path: Path) -> None:
    assert load_pairings(tmp_path / "missing") == ()


def test_roundtrip_in_role_order(tmp_path: Path) -> None:
    pod = Pairing(POD, SensorRole.POD, "Stryd", PodCadenceUnit.STRIDES)
    hr = Pairing(HR.lower(), SensorRole.HR, "Polar H10")
    save_pairings(tmp_path, [pod, hr])
    assert load_pairings(tmp_path) == (Pairing(HR, SensorRole.HR, "Polar H10"), pod)
    with Store.open_dir(tmp_path) as store:  # the serial link sees the same pairings
        assert [(p.role, p.address) for p in store.list_pairings()] == [("hr", HR), ("pod", POD)]


def test_one_sensor_per_role_and_per_address(tmp_path: Path) -> None:
    assert pair(tmp_path, Pairing(HR, SensorRole.HR)) == ()
    new_strap = Pairing("AA:BB:CC:DD:EE:FF", SensorRole.HR)
    assert pair(tmp_path, new_strap) == (Pairing(HR, SensorRole.HR),)
    # The same device paired for another role moves there.
    assert pair(tmp_path, Pairing("aa-bb-cc-dd-ee-ff", SensorRole.POD)) == (new_strap,)
    assert load_pairings(tmp_path) == (Pairing("AA:BB:CC:DD:EE:FF", SensorRole.POD),)


def test_forget_one_or_all(tmp_path: Path) -> None:
    save_pairings(tmp_path, [Pairing(HR, SensorRole.HR), Pairing(POD, SensorRole.POD)])
    assert forget(tmp_path, HR.lower()) == (Pairing(HR, SensorRole.HR),)
    assert forget(tmp_path, HR) == ()
    assert forget(tmp_path) == (Pairing(POD, SensorRole.POD),)
    assert load_pairings(tmp_path) == ()


@pytest.mark.parametrize(
    "address", ["zz", "F0:13:C3:5A:2B", "F0:13:C3:5A:2B:01:02", "G0:13:C3:5A:2B:01"]
)
def test_bad_addresses(address: str) -> None:
    with pytest.raises(ConfigError, match="not a Bluetooth address"):
        normalize_address(address)


def test_a_bad_stored_row_names_the_store(tmp_path: Path) -> None:
    with Store.open_dir(tmp_path) as store:  # written past the checks, as a corrupt row would be
        store._db.execute("INSERT INTO pairings(role, address) VALUES ('ski', ?)", (HR,))
    with pytest.raises(ConfigError, match=r"pacer.db: pairing F0:13:C3:5A:2B:01 has role 'ski'"):
        load_pairings(tmp_path)


def test_the_daemon_leaves_a_bad_stored_row_out(tmp_path: Path) -> None:
    from pacer.ble.pairing import store_pairings

    with Store.open_dir(tmp_path) as store:
        store._db.execute("INSERT INTO pairings(role, address) VALUES ('ski', ?)", (HR,))
        pair_in(store, Pairing(POD, SensorRole.POD))
        bad: list[ConfigError] = []
        assert store_pairings(store, bad.append) == (Pairing(POD, SensorRole.POD),)
        assert [e.message for e in bad] == [
            f"{store.path}: pairing {HR} has role 'ski' and cadence None; "
            "roles are hr, pod, cadence, power"
        ]


def test_pairing_over_serial_and_cli_share_one_store(tmp_path: Path) -> None:
    with Store.open_dir(tmp_path) as store:  # what the serial link's sensors.pair does
        pair_in(store, Pairing(POD, SensorRole.POD, "Stryd", PodCadenceUnit.STRIDES))
    assert load_pairings(tmp_path) == (
        Pairing(POD, SensorRole.POD, "Stryd", PodCadenceUnit.STRIDES),
    )
    assert pair(tmp_path, Pairing(POD, SensorRole.HR)) == (
        Pairing(POD, SensorRole.POD, "Stryd", PodCadenceUnit.STRIDES),
    )


def test_save_refuses_two_sensors_for_one_role(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="two sensors paired as hr"):
        save_pairings(tmp_path, [Pairing(HR, SensorRole.HR), Pairing(POD, SensorRole.HR)])
    assert load_pairings(tmp_path) == ()


def test_cli_pair_list_forget(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    d = ["--data-dir", str(tmp_path)]
    assert main(["sensors", "list", *d]) == 0
    assert "no sensors paired" in capsys.readouterr().out
    assert main(["sensors", "pair", HR.lower(), "--as", "hr", "--name", "Polar H10", *d]) == 0
    assert f"paired {HR} (Polar H10) as hr" in capsys.readouterr().out
    assert main(["sensors", "pair", POD, "--as", "pod", "--cadence-unit", "strides", *d]) == 0
    capsys.readouterr()
    assert main(["sensors", "list", *d]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "ROLE  ADDRESS            NAME       CADENCE",
        "----  -----------------  ---------  -------",
        f"hr    {HR}  Polar H10",
        f"pod   {POD}  -          strides",
    ]
    assert main(["sensors", "pair", "AA:BB:CC:DD:EE:FF", "--as", "hr", *d]) == 0
    assert f"replaced {HR} (Polar H10) as hr" in capsys.readouterr().out
    assert main(["sensors", "forget", POD, *d]) == 0
    assert f"forgot {POD} as pod" in capsys.readouterr().out
    assert main(["sensors", "forget", POD, *d]) == 1
    assert main(["sensors", "forget", "--all", *d]) == 0
    assert load_pairings(tmp_path) == ()


def test_cli_bad_address_changes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["sensors", "pair", "nonsense", "--as", "hr", "--data-dir", str(tmp_path)]) == 2
    assert "not a Bluetooth address" in capsys.readouterr().err
    assert not (tmp_path / DB_NAME).exists()


def test_cli_data_dir_from_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PACER_DATA_DIR", str(tmp_path / "env"))
    assert main(["sensors", "pair", HR, "--as", "hr"]) == 0
    assert load_pairings(tmp_path / "env") == (Pairing(HR, SensorRole.HR),)


def test_cli_pairs_into_the_store_the_daemon_opens(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # systemd's StateDirectory= is where `pacer run` keeps its store; `pacer sensors` run
    # beside it must pair into that store, not into ~/.local/share.
    monkeypatch.delenv("PACER_DATA_DIR", raising=False)
    monkeypatch.setenv("STATE_DIRECTORY", str(tmp_path / "state"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert main(["sensors", "pair", HR, "--as", "hr"]) == 0
    assert load_pairings(tmp_path / "state") == (Pairing(HR, SensorRole.HR),)
    assert not (tmp_path / "xdg").exists()


def test_cli_scan_without_dbus_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DBUS_SYSTEM_BUS_ADDRESS", f"unix:path={tmp_path}/no-such-socket")
    code = main(["sensors", "scan", "--timeout", "0.1", "--data-dir", str(tmp_path)])
    assert code == 1
    err = capsys.readouterr().err
    assert "Bluetooth unavailable: cannot reach the D-Bus system bus" in err


def test_help_teaches(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["sensors", "--help"])
    out = capsys.readouterr().out
    assert "pacer sensors pair F0:13:C3:5A:2B:01 --as hr" in out
    assert "scan" in out
    assert "forget" in out


# --- one Pairing, one address check: the serial link and the command line agree ----------

ADDRESSES = [
    "aa:bb:cc:dd:ee:ff",
    "AA-BB-CC-DD-EE-FF",
    " f0:13:c3:5a:2b:01 ",
    "AA:BB:CC:DD:EE",
    "AA:BB:CC:DD:EE:FG",
    "AABBCCDDEEFF",
    "AA:BB-CC:DD:EE:FF:00",
]


@pytest.mark.parametrize("address", ADDRESSES)
def test_serial_and_cli_accept_and_refuse_the_same_addresses(
    tmp_path: Path, address: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from pacer.link.protocol import ErrorCode

    cli_code = main(["sensors", "pair", address, "--as", "pod", "--data-dir", str(tmp_path / "c")])
    capsys.readouterr()
    cli = load_pairings(tmp_path / "c")
    reply = _serial_pair(tmp_path / "s", {"address": address, "role": "pod"})
    serial = load_pairings(tmp_path / "s")
    assert (cli_code == 0) == (reply["ok"] is True), reply
    assert serial == cli
    if cli_code == 0:
        [p] = cli
        assert p == Pairing(address, SensorRole.POD)
        assert p.address == address.strip().upper().replace("-", ":")
        assert reply["result"] == {"paired": p.to_json(), "replaced": []}
    else:
        assert cli_code == 2
        error = reply["error"]
        assert isinstance(error, dict)
        assert error["code"] == ErrorCode.INVALID_FIELD
        assert error["field"] == "args.address"
        assert "not a Bluetooth address" in str(error["message"])


def test_the_store_and_the_ble_sessions_use_one_pairing_type() -> None:
    from pacer.ble import pairing
    from pacer.storage import store, tables

    assert pairing.Pairing is store.Pairing is tables.Pairing
    assert pairing.normalize_address is tables.normalize_address


def _serial_pair(store_dir: Path, args: dict[str, object]) -> dict[str, object]:
    import asyncio
    import json

    from pacer.link.protocol import Request, encode_request
    from pacer.link.server import DeviceService
    from pacer.sim.clock import SimClock
    from tests.support.serial_rig import FakeEngine

    async def go() -> dict[str, object]:
        with Store.open_dir(store_dir) as store:
            clock = SimClock()
            service = DeviceService(store, clock, FakeEngine(clock), device_id="t")
            session = service.session()
            await session.feed(encode_request(Request(1, "sensors.pair", args)))
            item = session.outbox.take_nowait()
            assert item is not None
            reply: dict[str, object] = json.loads(item[0])
            return reply

    return asyncio.run(go())


@pytest.mark.parametrize("unit", [*(u.value for u in PodCadenceUnit), "spm", "STEPS"])
def test_one_cadence_unit_for_the_link_and_both_command_lines(
    tmp_path: Path, unit: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from pacer.ble import parsers
    from pacer.workout import profile

    assert parsers.PodCadenceUnit is profile.CadenceConvention is PodCadenceUnit
    good = unit in {u.value for u in PodCadenceUnit}
    reply = _serial_pair(tmp_path / "s", {"address": POD, "role": "pod", "cadence_unit": unit})
    assert reply["ok"] is good, reply
    for argv in (
        [
            "sensors",
            "pair",
            POD,
            "--as",
            "pod",
            "--cadence-unit",
            unit,
            "--data-dir",
            str(tmp_path / "c"),
        ],
        ["device", "--port", "/nonexistent", "sensors", "pair", POD, "pod", "--cadence-unit", unit],
    ):
        try:
            code = main(argv)
        except SystemExit as exc:  # argparse refuses a choice it does not list
            code = int(exc.code or 0)
        assert (code == 2 and "invalid choice" in capsys.readouterr().err) is not good, argv
    if good:
        assert load_pairings(tmp_path / "c") == load_pairings(tmp_path / "s")
        assert load_pairings(tmp_path / "c")[0].cadence_unit is PodCadenceUnit(unit)
