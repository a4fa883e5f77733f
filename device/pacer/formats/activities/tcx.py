"""A TCX (Garmin Training Center Database v2) file from an activity (pure, stdlib XML).

For tools that prefer TCX to FIT. One ``Lap`` per workout step (its name and target in the
lap's ``Notes``), one ``Track`` per stretch between pauses, a ``Trackpoint`` per record.
Speed, running cadence and power go in Garmin's ActivityExtension v2 (``TPX``/``LX``), as
Garmin devices write them; running cadence there is per leg (strides per minute) like FIT,
bike cadence sits in the standard ``Cadence`` element. TCX has no place for RR intervals or
alerts; use FIT for those.
"""

from __future__ import annotations

import itertools
import xml.etree.ElementTree as ET
from bisect import bisect_right
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from pacer import __version__
from pacer.recording.model import (
    Activity,
    ActivityEvent,
    Lap,
    LapTrigger,
    Record,
    pause_intervals,
)
from pacer.recording.summary import Summary, lap_summaries
from pacer.workout.model import Intensity, Sport

TCX_NS = "http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2"
EXT_NS = "http://www.garmin.com/xmlschemas/ActivityExtension/v2"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
EXT = "ns3:"
SCHEMA_LOCATION = (
    f"{TCX_NS} http://www.garmin.com/xmlschemas/TrainingCenterDatabasev2.xsd "
    f"{EXT_NS} http://www.garmin.com/xmlschemas/ActivityExtensionv2.xsd"
)

TCX_SPORT = {Sport.RUN: "Running", Sport.BIKE: "Biking", Sport.STRENGTH: "Other"}
TCX_TRIGGER = {
    LapTrigger.TIME: "Time",
    LapTrigger.DISTANCE: "Distance",
    LapTrigger.MANUAL: "Manual",
    LapTrigger.SESSION_END: "Manual",
}
RESTING = frozenset({Intensity.REST, Intensity.RECOVERY})


def iso(unix: float) -> str:
    """``2025-06-15T15:06:40Z`` (milliseconds only when there are some)."""
    moment = datetime.fromtimestamp(unix, UTC)
    if moment.microsecond:
        return moment.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _num(x: float, digits: int = 3) -> str:
    text = f"{x:.{digits}f}".rstrip("0").rstrip(".")
    return text or "0"


def _sub(parent: ET.Element, tag: str, text: str | None = None, ns: str = "") -> ET.Element:
    """Names are written with literal prefixes (the default namespace is TCX's, ``ns3:`` the
    extension's) so nothing touches ElementTree's process-wide prefix registry."""
    el = ET.SubElement(parent, f"{ns}{tag}")
    if text is not None:
        el.text = text
    return el


def _bpm(parent: ET.Element, tag: str, value: float) -> None:
    bpm = min(255, max(1, round(value)))
    _sub(_sub(parent, tag), "Value", str(bpm))


def _cadence_value(value: float, sport: Sport) -> int:
    """TCX cadence bytes: strides per minute when running, rpm on a bike; at most 254."""
    per_leg = value / 2.0 if sport is Sport.RUN else value
    return min(254, max(0, round(per_leg)))


def _trackpoint(parent: ET.Element, activity: Activity, r: Record) -> None:
    point = _sub(parent, "Trackpoint")
    _sub(point, "Time", iso(activity.start + r.t))
    if r.distance is not None:
        _sub(point, "DistanceMeters", _num(r.distance, 2))
    if r.hr is not None and r.hr > 0:
        _bpm(point, "HeartRateBpm", r.hr)
    if r.cadence is not None and activity.sport is not Sport.RUN:
        _sub(point, "Cadence", str(_cadence_value(r.cadence, activity.sport)))
    ext_values: list[tuple[str, str]] = []
    if r.speed is not None:
        ext_values.append(("Speed", _num(r.speed)))
    if r.cadence is not None and activity.sport is Sport.RUN:
        ext_values.append(("RunCadence", str(_cadence_value(r.cadence, activity.sport))))
    if r.power is not None:
        ext_values.append(("Watts", str(max(0, r.power))))
    if ext_values:
        tpx = _sub(_sub(point, "Extensions"), "TPX", ns=EXT)
        for tag, text in ext_values:
            _sub(tpx, tag, text, ns=EXT)


def _lap(
    parent: ET.Element,
    activity: Activity,
    lap: Lap,
    s: Summary,
    records: list[Record],
    paused_between: Callable[[float, float], bool],
) -> None:
    el = _sub(parent, "Lap")
    el.set("StartTime", iso(activity.start + lap.start))
    _sub(el, "TotalTimeSeconds", _num(s.seconds))
    _sub(el, "DistanceMeters", _num(s.distance_m or 0.0, 2))
    if s.speed.max is not None:
        _sub(el, "MaximumSpeed", _num(s.speed.max))
    _sub(el, "Calories", "0")
    if s.hr.avg is not None and s.hr.max is not None:
        _bpm(el, "AverageHeartRateBpm", s.hr.avg)
        _bpm(el, "MaximumHeartRateBpm", s.hr.max)
    _sub(el, "Intensity", "Resting" if lap.intensity in RESTING else "Active")
    if s.cadence.avg is not None and activity.sport is not Sport.RUN:
        _sub(el, "Cadence", str(_cadence_value(s.cadence.avg, activity.sport)))
    _sub(el, "TriggerMethod", TCX_TRIGGER[lap.trigger])
    track: ET.Element | None = None
    previous: Record | None = None
    for r in records:
        if track is None or (previous is not None and paused_between(previous.t, r.t)):
            track = _sub(el, "Track")
        _trackpoint(track, activity, r)
        previous = r
    notes = lap.name if lap.target is None else f"{lap.name}: {lap.target.label}"
    _sub(el, "Notes", notes)
    lx_values: list[tuple[str, str]] = []
    if s.speed.avg is not None:
        lx_values.append(("AvgSpeed", _num(s.speed.avg)))
    if s.cadence.avg is not None and activity.sport is Sport.RUN:
        lx_values.append(("AvgRunCadence", str(_cadence_value(s.cadence.avg, activity.sport))))
    if s.cadence.max is not None and activity.sport is Sport.RUN:
        lx_values.append(("MaxRunCadence", str(_cadence_value(s.cadence.max, activity.sport))))
    if s.power.avg is not None:
        lx_values.append(("AvgWatts", str(round(s.power.avg))))
    if s.power.max is not None:
        lx_values.append(("MaxWatts", str(round(s.power.max))))
    if lx_values:
        lx = _sub(_sub(el, "Extensions"), "LX", ns=EXT)
        for tag, text in lx_values:
            _sub(lx, tag, text, ns=EXT)


def _pause_test(events: Sequence[ActivityEvent]) -> Callable[[float, float], bool]:
    """``paused_between(a, b)``: whether a pause ended after ``a`` and began by ``b``. A
    binary search in the pauses sorted by start, against the latest end among them: not a
    walk over every pause for every record."""
    pauses = sorted(pause_intervals(events))
    starts = [a for a, _b in pauses]
    latest = list(itertools.accumulate((b for _a, b in pauses), max))

    def paused_between(a: float, b: float) -> bool:
        k = bisect_right(starts, b)
        return k > 0 and latest[k - 1] > a

    return paused_between


def tcx_tree(activity: Activity) -> ET.ElementTree[ET.Element]:
    root = ET.Element("TrainingCenterDatabase")
    root.set("xmlns", TCX_NS)
    root.set("xmlns:ns3", EXT_NS)
    root.set("xmlns:xsi", XSI_NS)
    root.set("xsi:schemaLocation", SCHEMA_LOCATION)
    act = _sub(_sub(root, "Activities"), "Activity")
    act.set("Sport", TCX_SPORT[activity.sport])
    _sub(act, "Id", iso(activity.start))
    pauses = _pause_test(activity.events)
    laps = zip(activity.laps, lap_summaries(activity), activity.records_by_lap(), strict=True)
    for lap, s, records in laps:
        _lap(act, activity, lap, s, records, pauses)
    if activity.workout:
        _sub(act, "Notes", activity.workout)
    creator = _sub(act, "Creator")
    creator.set("xsi:type", "Device_t")
    _sub(creator, "Name", "pacer")
    _sub(creator, "UnitId", "0")
    _sub(creator, "ProductID", "0")
    version = _sub(creator, "Version")
    major, minor = ([*__version__.split("."), "0"])[:2]
    _sub(version, "VersionMajor", str(int(major)))
    _sub(version, "VersionMinor", str(int(minor)))
    return ET.ElementTree(root)


def encode_tcx(activity: Activity) -> bytes:
    """The TCX document, UTF-8, indented. An activity without laps gets one lap of all."""
    if not activity.laps:
        from dataclasses import replace

        whole = Lap(0, "Activity", Intensity.ACTIVE, 0.0, activity.duration)
        activity = replace(activity, laps=(whole,))
    tree = tcx_tree(activity)
    ET.indent(tree, space="  ")
    data: bytes = ET.tostring(tree.getroot(), encoding="UTF-8", xml_declaration=True)
    return data + b"\n"


__all__ = ["encode_tcx", "iso", "tcx_tree"]
