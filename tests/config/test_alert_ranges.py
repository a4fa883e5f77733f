"""Every alert parameter through the three doors of the one validator (issue 20 D1): a
host's ``settings.set`` over the protocol, the config file, and start-up on what the store
holds. A value inside the range declared beside its :class:`AlertPolicy` field is taken by
all three and a workout runs to its end with it; one outside is refused by all three naming
the key (the file at its line), nothing is stored, and the daemon starts on the defaults.

Before the ranges, ``alerts.trend_min_samples=0``, ``alerts.effort_memory_s=0``,
``alerts.effort_min_spread=1e300`` and ``alerts.effort_tau_s=1e9`` passed and then killed
every workout (IndexError, ZeroDivisionError, a dead engine mid-run).
"""

from __future__ import annotations

import asyncio
import math
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pacer.config.file import Config, load_config
from pacer.config.settings import describe, usable_settings
from pacer.core.errors import InputErrors
from pacer.engine.policy import AlertPolicy, Range, alert_ranges, policy_with
from pacer.link.protocol import ErrorCode
from pacer.sim.athlete import Behaviour
from pacer.sim.runner import simulation
from pacer.storage.store import Store
from pacer.workout.fileformat import load_workout
from pacer.workout.profile import load_profile
from pacer.workout.resolve import ResolvedWorkout, resolve
from tests.support.paths import EXAMPLES
from tests.support.serial_rig import ask_in_process, in_process_service

RANGES = alert_ranges()
KEYS = sorted(RANGES)

#: a short run that visits what the policy governs: a warm-up, a step up with an HR target,
#: a step down, a pace step, a ramp and a cool-down (13 simulated minutes)
WORKOUT = """\
name: every rule
sport: run
steps:
  - warmup: 2m
  - active: 3m
    target: Z4
  - active: 2m
    target: Z2
  - active: 2m
    target: MP+5s..MP+10s/mi
  - active: 2m
    target: ramp Z2 to Z4
  - cooldown: 2m
"""


@cache
def workout() -> ResolvedWorkout:
    profile = load_profile((EXAMPLES / "profile.yaml").read_text(), source="profile.yaml")
    return resolve(load_workout(WORKOUT, "every-rule.yaml", profile=profile), profile)


def run_workout(policy: AlertPolicy, behaviour: Behaviour) -> None:
    """The engine with ``policy`` from the first second to the summary."""
    result = asyncio.run(simulation(workout(), behaviour, policy=policy, hills=True).run())
    assert result.completed, result.summary
    assert result.seconds >= 13 * 60


def toml(value: float) -> str:
    if isinstance(value, float) and math.isnan(value):
        return "nan"
    if isinstance(value, float) and math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return repr(value)


def inside(limits: Range) -> st.SearchStrategy[float]:
    if limits.whole:
        return st.integers(int(limits.low), int(limits.high))
    return st.floats(limits.low, limits.high) | st.sampled_from([limits.low, limits.high])


def outside(limits: Range) -> st.SearchStrategy[float]:
    lows = st.floats(max_value=limits.low, exclude_max=True, allow_nan=False)
    highs = st.floats(min_value=limits.high, exclude_min=True, allow_nan=False)
    odd = st.sampled_from([math.nan, math.inf, -math.inf, 10**400, -(10**400)])
    bad = lows | highs | odd
    if limits.whole:
        half = st.integers(int(limits.low), int(limits.high) - 1).map(lambda v: v + 0.5)
        bad = bad | half
    return bad


def through_the_file(key: str, value: float) -> tuple[Config | None, str]:
    try:
        return load_config(f"[alerts]\n{key} = {toml(value)}\n", "pacer.toml"), ""
    except InputErrors as exc:
        return None, str(exc.errors[0])


def through_serial(store: Store, key: str, value: float) -> dict[str, Any]:
    values = {f"alerts.{key}": value}
    return ask_in_process(in_process_service(store), "settings.set", values=values)


def check_one(tmp_path: Path, key: str, value: float, good: bool) -> None:
    # 1. the config file: taken, or a located error naming the key
    config, error = through_the_file(key, value)
    if good:
        assert config is not None, error
        assert config.alerts == ((key, float(value)),)
    else:
        assert config is None
        assert error.startswith(f"pacer.toml:2:1: alerts.{key}"), error
    # 2. settings.set over the protocol: stored, or invalid_field naming the key and
    #    nothing stored (a NaN or an infinity may already stop at the JSON codec)
    with Store(tmp_path / "pacer.db") as store:
        reply = through_serial(store, key, value)
        stored = store.get_settings()
        store.update_settings(dict.fromkeys(stored))  # the next example starts empty
    if good:
        assert reply["ok"] is True, reply
        assert stored == {f"alerts.{key}": value}
    else:
        assert reply["ok"] is False, reply
        assert stored == {}
        if reply["error"]["code"] == ErrorCode.INVALID_FIELD:
            assert reply["error"]["field"] == f"args.values.alerts.{key}", reply
            assert f"alerts.{key}" in reply["error"]["message"]
        else:  # the codec takes finite doubles only: an infinity or a 400-digit number
            assert reply["error"]["code"] == ErrorCode.BAD_JSON, reply
            assert not (isinstance(value, float) and math.isfinite(value)), reply
    # 3. start-up on a store holding it (written behind the validator's back when bad)
    in_force, problems = usable_settings(Config(), {f"alerts.{key}": value})
    if good:
        assert problems == []
        assert in_force.alerts == ((key, float(value)),)
    else:
        assert [p.keys for p in problems] == [(f"alerts.{key}",)]
        assert in_force.alerts == ()
    # 4. a workout runs to its end with what is in force
    run_workout(policy_with(in_force.alerts), Behaviour.EAGER)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_every_alert_parameter_through_serial_file_and_start_up(
    tmp_path: Path, data: st.DataObject
) -> None:
    key = data.draw(st.sampled_from(KEYS), label="key")
    good = data.draw(st.booleans(), label="inside")
    limits = RANGES[key]
    value = data.draw(inside(limits) if good else outside(limits), label="value")
    check_one(tmp_path, key, value, good)


@pytest.mark.slow  # 280 short workouts: about a minute
@pytest.mark.parametrize("key", KEYS)
def test_both_ends_of_every_range_run_a_workout(key: str) -> None:
    """The ends are where a division, an empty window or an endless loop hides: each end,
    alone, with the athlete that trips the most rules and with a flaky strap."""
    limits = RANGES[key]
    for end in (limits.low, limits.high):
        policy = policy_with([(key, end)])
        for behaviour in (Behaviour.EAGER, Behaviour.ARTEFACTS):
            run_workout(policy, behaviour)


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("trend_min_samples", 0),
        ("effort_memory_s", 0),
        ("effort_min_spread", 1e300),
        ("effort_tau_s", 1e9),
    ],
)
def test_the_probe_s_values_are_refused_everywhere(tmp_path: Path, key: str, value: float) -> None:
    check_one(tmp_path, key, value, good=False)
    assert RANGES[key].text() in describe(f"alerts.{key}"), "settings get says the range"
