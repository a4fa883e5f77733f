"""The intervals.icu client: planned workouts, the athlete's thresholds, activity uploads.

HTTP Basic auth with the user ``API_KEY`` and the athlete's key as the password; athlete
``0`` is the key's owner. At most 10 requests per second (the service's limit per address).

* ``GET /api/v1/athlete/{id}/events?oldest=&newest=&category=WORKOUT&resolve=true``: the
  planned workouts, each with ``id``, ``start_date_local``, ``type``, ``name``, ``updated``
  and ``workout_doc`` (resolved targets in ``_power``/``_hr``/``_pace``).
* ``GET /api/v1/athlete/{id}``: the athlete, whose ``sportSettings`` (one per group of
  activity ``types``) hold ``ftp``, ``lthr``, ``max_hr`` and ``threshold_pace`` (m/s).
* ``POST /api/v1/athlete/{id}/activities?name=&external_id=&paired_event_id=`` with a
  multipart ``file``: 201 created, 200 all duplicates (409 from some servers): both carry
  on, a duplicate is success.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Final

from pacer.sync.http import HttpClient, Policy, SyncError, Window

ICU_POLICY: Final = Policy(windows=(Window(10, 1.0),))
LOGIN_HINT: Final = "pacer sync login intervals"


@dataclass(frozen=True, slots=True)
class PlannedEvent:
    id: int
    day: date
    name: str
    type: str | None
    updated: str | None
    doc: Mapping[str, Any] | None

    @property
    def origin(self) -> str:
        from pacer.sync.port import ICU_EVENT_ORIGIN

        return f"{ICU_EVENT_ORIGIN}{self.id}"


@dataclass(frozen=True, slots=True)
class Thresholds:
    """The athlete's thresholds; None where intervals.icu has none."""

    ftp: int | None = None
    lthr: int | None = None
    max_hr: int | None = None
    #: metres per second
    threshold_pace: float | None = None


@dataclass(frozen=True, slots=True)
class Uploaded:
    #: the service's activity id (None when a duplicate answer did not name it)
    remote_id: str | None
    duplicate: bool


def _int(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        return None
    return round(value)


def parse_event(raw: Any) -> PlannedEvent | None:
    """One WORKOUT event, or None when it is not one pacer can use (no id or date)."""
    if not isinstance(raw, Mapping):
        return None
    try:
        event_id = int(raw["id"])
        day = date.fromisoformat(str(raw["start_date_local"])[:10])
    except (KeyError, TypeError, ValueError):
        return None
    doc = raw.get("workout_doc")
    updated = raw.get("updated")
    return PlannedEvent(
        event_id,
        day,
        str(raw.get("name") or "Planned workout"),
        str(raw["type"]) if raw.get("type") else None,
        str(updated) if updated is not None else None,
        doc if isinstance(doc, Mapping) else None,
    )


def parse_thresholds(athlete: Any) -> Thresholds:
    """Run settings first for heart rate and pace; the ride settings first for FTP."""
    settings = athlete.get("sportSettings") if isinstance(athlete, Mapping) else None
    groups = [s for s in settings or [] if isinstance(s, Mapping)]

    def pick(field: str, prefer: str) -> Any:
        ordered = sorted(groups, key=lambda s: prefer not in (s.get("types") or []))
        for group in ordered:
            if group.get(field) not in (None, 0):
                return group[field]
        return None

    pace = pick("threshold_pace", "Run")
    return Thresholds(
        ftp=_int(pick("ftp", "Ride")),
        lthr=_int(pick("lthr", "Run")),
        max_hr=_int(pick("max_hr", "Run")),
        threshold_pace=float(pace) if isinstance(pace, int | float) and pace > 0 else None,
    )


class IcuClient:
    def __init__(
        self,
        api_key: str,
        athlete: str = "0",
        base_url: str = "https://intervals.icu",
        *,
        policy: Policy = ICU_POLICY,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        import requests.auth

        self.athlete = athlete
        kwargs: dict[str, Any] = {} if sleep is None else {"sleep": sleep}
        self.http = HttpClient("intervals.icu", base_url, policy, login_hint=LOGIN_HINT, **kwargs)
        self.http.session.auth = requests.auth.HTTPBasicAuth("API_KEY", api_key)

    def close(self) -> None:
        self.http.close()

    def _json(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        response = self.http.request("GET", path, params=params, ok=(200,))
        try:
            return response.json()
        except ValueError:
            raise SyncError(f"intervals.icu: GET {path} did not answer JSON") from None

    def events(self, oldest: date, newest: date) -> list[PlannedEvent]:
        """The planned workouts from ``oldest`` to ``newest`` (inclusive, athlete's days)."""
        body = self._json(
            f"/api/v1/athlete/{self.athlete}/events",
            {
                "oldest": oldest.isoformat(),
                "newest": newest.isoformat(),
                "category": "WORKOUT",
                "resolve": "true",
            },
        )
        if not isinstance(body, list):
            raise SyncError("intervals.icu: the events answer is not a list")
        return [e for e in (parse_event(raw) for raw in body) if e is not None]

    def thresholds(self) -> Thresholds:
        return parse_thresholds(self._json(f"/api/v1/athlete/{self.athlete}"))

    def upload(
        self,
        fit: bytes,
        filename: str,
        *,
        name: str,
        external_id: str,
        paired_event_id: int | None,
    ) -> Uploaded:
        params: dict[str, Any] = {"name": name, "external_id": external_id}
        if paired_event_id is not None:
            params["paired_event_id"] = paired_event_id
        response = self.http.request(
            "POST",
            f"/api/v1/athlete/{self.athlete}/activities",
            params=params,
            files={"file": (filename, fit, "application/vnd.ant.fit")},
            ok=(200, 201),
            accept=(409,),
        )
        try:
            body = response.json()
        except ValueError:
            body = None
        remote = None
        if isinstance(body, Mapping):
            remote = body.get("id")
            listed = body.get("activities")
            if remote is None and isinstance(listed, list) and listed:
                first = listed[0]
                remote = first.get("id") if isinstance(first, Mapping) else None
        return Uploaded(None if remote is None else str(remote), response.status_code != 201)


__all__ = ["ICU_POLICY", "IcuClient", "PlannedEvent", "Thresholds", "Uploaded", "parse_event"]
