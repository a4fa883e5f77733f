"""``dump_profile`` writes the file ``load_profile`` reads back as the same profile (issue 21:
sync writes the thresholds it brings in)."""

from __future__ import annotations

import pytest

from pacer.workout.profile import Profile, dump_profile, load_profile
from tests.support.paths import EXAMPLES

TEXTS = [
    "name: Sam\nmax_hr: 185\nresting_hr: 50\nlthr: 168\nzones: lthr\nftp: 250\n"
    "paces: {marathon: '7:00/mi', 10k: '6:20/mi', threshold: '6:30/mi'}\nunits: imperial\n",
    "name: 'Ana: runner'\nzones: [100, 120, 140, 155, 170, 185]\npod_cadence: strides\n"
    "zone_positions: {low: 0-40, mid: 40-70, high: 70-100}\n"
    "tolerances: {power: 2, hr: 4, pace: 3s/km, cadence: 2}\n",
    "zones: hrr\npaces: {threshold: '4:05/km'}\n",
]


@pytest.mark.parametrize("text", TEXTS)
def test_a_profile_survives_being_written_and_read(text: str) -> None:
    profile = load_profile(text)
    written = dump_profile(profile)
    again = load_profile(written)
    assert _close(again, profile), written


def _close(a: Profile, b: Profile) -> bool:
    """Equal but for float noise of a pace written to the second or a tolerance to 3 places."""
    same = [
        a.name == b.name,
        a.max_hr == b.max_hr,
        a.resting_hr == b.resting_hr,
        a.lthr == b.lthr,
        a.ftp == b.ftp,
        a.zone_model == b.zone_model,
        a.custom_bounds == b.custom_bounds,
        a.units == b.units,
        a.pod_cadence == b.pod_cadence,
        [r for r, _ in a.paces] == [r for r, _ in b.paces],
        all(abs(x - y) < 0.5 for (_, x), (_, y) in zip(a.paces, b.paces, strict=True)),
        abs(a.tolerances.pace_s_per_km - b.tolerances.pace_s_per_km) < 1e-3,
        a.positions == b.positions,
    ]
    return all(same)


def test_the_example_profile_and_the_default() -> None:
    example = load_profile((EXAMPLES / "profile.yaml").read_text())
    assert _close(load_profile(dump_profile(example)), example)
    assert load_profile(dump_profile(Profile())) == Profile()
