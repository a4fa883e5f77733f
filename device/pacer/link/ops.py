"""The catalogue of request names (``op``): one list for the device and the host alike.

The device serves a subset (``hello`` answers it as ``capabilities``): ``sensors.scan`` only
with a BLE scanner, ``service.*`` only with a service manager. The host client sends these
names and nothing else. ``docs/protocol.md`` describes each one.
"""

from __future__ import annotations

from enum import StrEnum


class Op(StrEnum):
    """Every request of the protocol, grouped as the device's service modules are."""

    # device (link/service/device.py)
    HELLO = "hello"
    TIME_GET = "time.get"
    TIME_SET = "time.set"
    SERVICE_RESTART = "service.restart"
    SERVICE_SHUTDOWN = "service.shutdown"
    # workouts (link/service/workouts.py)
    WORKOUT_LIST = "workout.list"
    WORKOUT_GET = "workout.get"
    WORKOUT_PUT = "workout.put"
    WORKOUT_DELETE = "workout.delete"
    WORKOUT_SELECT = "workout.select"
    # run control and live status (link/service/run.py)
    WORKOUT_START = "workout.start"
    WORKOUT_STOP = "workout.stop"
    STATUS_GET = "status.get"
    STATUS_SUBSCRIBE = "status.subscribe"
    STATUS_UNSUBSCRIBE = "status.unsubscribe"
    # settings and the athlete profile (link/service/settings.py)
    PROFILE_GET = "profile.get"
    PROFILE_PUT = "profile.put"
    SETTINGS_GET = "settings.get"
    SETTINGS_SET = "settings.set"
    # sensors (link/service/sensors.py)
    SENSORS_LIST = "sensors.list"
    SENSORS_PAIR = "sensors.pair"
    SENSORS_FORGET = "sensors.forget"
    SENSORS_SCAN = "sensors.scan"
    # activities (link/service/activities.py)
    ACTIVITY_LIST = "activity.list"
    ACTIVITY_GET = "activity.get"
    ACTIVITY_ACK = "activity.ack"
    ACTIVITY_DELETE = "activity.delete"
    # write-only secrets: the sync services' credentials (link/service/secrets.py)
    SECRET_SET = "secret.set"
    SECRET_LIST = "secret.list"


#: Served only when the device has the facility (a scanner, a service manager).
OPTIONAL_OPS: frozenset[Op] = frozenset({Op.SENSORS_SCAN, Op.SERVICE_RESTART, Op.SERVICE_SHUTDOWN})
