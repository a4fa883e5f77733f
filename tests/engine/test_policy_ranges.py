"""Every :class:`AlertPolicy` field declares its physical range beside it (issue 20 D1).

A new field without one fails here (and the policy could not even be built: its check reads
the declaration), so an alert parameter added later declares its range with it.
"""

from __future__ import annotations

import dataclasses
from dataclasses import fields, replace

import pytest

from pacer.core.errors import ConfigError
from pacer.engine.policy import (
    RANGE,
    AlertPolicy,
    MetricRules,
    Range,
    UndeclaredRange,
    alert_ranges,
    override_keys,
    range_of,
)

POLICY = AlertPolicy()
GROUPS = [f.name for f in fields(AlertPolicy) if isinstance(getattr(POLICY, f.name), MetricRules)]


@pytest.mark.parametrize("cls", [AlertPolicy, MetricRules])
def test_every_field_declares_a_range_beside_it(cls: type) -> None:
    missing = [f.name for f in fields(cls) if RANGE not in f.metadata]
    assert missing == [], (
        f"{cls.__name__} fields without a declared range: {missing}; declare one with "
        "ranged(low, high, unit, default) (or structural(default) for a non-number)"
    )


@pytest.mark.parametrize("cls", [AlertPolicy, MetricRules])
def test_only_shape_goes_without_a_range(cls: type) -> None:
    """``structural`` is for what is not a tuning (a bool, the per-metric rule groups): a
    number cannot dodge its range that way."""
    default = cls() if cls is AlertPolicy else POLICY.hr
    for f in fields(cls):
        if range_of(f) is None:
            value = getattr(default, f.name)
            assert isinstance(value, bool | MetricRules), f"{f.name} = {value!r} needs a range"


def test_each_range_is_sane_and_holds_its_default() -> None:
    defaults: dict[str, object] = {}
    for f in fields(AlertPolicy):
        defaults[f.name] = getattr(POLICY, f.name)
    for group in GROUPS:
        rules = getattr(POLICY, group)
        for f in fields(MetricRules):
            defaults[f"{group}_{f.name}"] = getattr(rules, f.name)
    for key, limits in alert_ranges().items():
        assert isinstance(limits, Range)
        assert limits.low < limits.high, key
        if key in defaults:
            assert limits.problem(key, defaults[key]) is None, (key, defaults[key])
    assert set(override_keys()) == set(alert_ranges())


def built_with(key: str, value: float) -> AlertPolicy:
    """The default policy with override key ``key`` set to ``value`` by hand (not through
    :func:`policy_with`, which checks first: this is the policy checking itself)."""
    metric, _, rule = key.partition("_")
    rules = {f.name for f in fields(MetricRules)}
    if metric in GROUPS and rule in rules:
        return replace(POLICY, **{metric: replace(getattr(POLICY, metric), **{rule: value})})
    if key in rules:
        return replace(POLICY, hr=replace(POLICY.hr, **{key: value}))
    return replace(POLICY, **{key: value})


@pytest.mark.parametrize("key", sorted(alert_ranges()))
def test_the_policy_cannot_be_built_outside_a_range(key: str) -> None:
    limits = alert_ranges()[key]
    below = limits.low - (1 if limits.whole else limits.low / 2 + 0.5)
    above = limits.high + (1 if limits.whole else limits.high)
    field_name = key.partition("_")[2] if key.partition("_")[0] in GROUPS else key
    for bad in (below, above, float("nan")):
        with pytest.raises(ConfigError, match=rf"alerts\.\w*{field_name}"):
            built_with(key, bad)
    built_with(key, limits.low)
    built_with(key, limits.high)


def test_a_field_added_without_a_range_is_caught() -> None:
    """The mechanism itself: a policy class with one undeclared field fails the check."""

    @dataclasses.dataclass(frozen=True)
    class Grown:
        declared: float = dataclasses.field(default=1.0, metadata={RANGE: Range(0, 2, "s")})
        forgotten: float = 3.0

    assert [f.name for f in fields(Grown) if RANGE not in f.metadata] == ["forgotten"]
    with pytest.raises(UndeclaredRange, match=r"forgotten declares no range: write it as ranged"):
        range_of(fields(Grown)[1])


def test_the_prior_time_constant_stays_within_the_effort_model_s_filters() -> None:
    """The model's prior is the first of its filters at least that slow: none is slower
    than its slowest one (``alerts.effort_tau_s = 1e9`` killed the engine mid-run)."""
    from pacer.engine.effort import TAUS_S

    assert alert_ranges()["effort_tau_s"].high == max(TAUS_S)


def test_docs_engine_md_gives_each_field_its_declared_range() -> None:
    import re

    from tests.support.paths import REPO

    rows: dict[str, str] = {}
    for line in (REPO / "docs" / "engine.md").read_text().splitlines():
        cells = [c.strip() for c in line.strip("|").split("|")]
        if len(cells) >= 4 and cells[0].startswith("`"):
            names = re.findall(r"`(\w+)`", cells[0])
            ranges = cells[-2].split("; ")
            rows |= dict(zip(names, ranges, strict=False))
    rules = {f.name for f in fields(MetricRules)}
    for key, limits in alert_ranges().items():
        metric, _, rule = key.partition("_")
        name = rule if metric in GROUPS and rule in rules else key
        assert rows.get(name) == limits.text(), (name, rows.get(name), limits.text())
