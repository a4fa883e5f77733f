"""The polite client against the loopback services: Retry-After honoured, 5xx retried with
backoff, 401 is "log in again", a slow reply times out, nothing secret in any error, and at
most 10 requests a second to intervals.icu (time injected: no test sleeps)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest

from pacer.sync.http import (
    AuthError,
    OfflineError,
    Policy,
    RateLimiter,
    ServiceError,
    Window,
    retry_after,
)
from pacer.sync.icu import ICU_POLICY, IcuClient
from tests.support.fake_services import API_KEY, FakeServices, fake_services


@pytest.fixture
def fake() -> Iterator[FakeServices]:
    with fake_services() as services:
        yield services


class Sleeps:
    """The client's sleep, recorded instead of slept (the server answers at once)."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


def client(fake: FakeServices, sleeps: Sleeps, key: str = API_KEY, **policy: object) -> IcuClient:
    chosen = Policy(**{"windows": ICU_POLICY.windows, **policy})  # type: ignore[arg-type]
    return IcuClient(key, "0", fake.url, policy=chosen, sleep=sleeps)


def test_429_waits_as_retry_after_says_then_succeeds(fake: FakeServices) -> None:
    fake.add_event(1, "2026-05-09", "Easy", {"steps": [{"duration": 600}]})
    fake.fail_next("429", "/api/v1/athlete/0/events", retry_after="7")
    sleeps = Sleeps()
    events = client(fake, sleeps).events(date(2026, 5, 9), date(2026, 5, 9))
    assert [e.id for e in events] == [1]
    assert 7.0 in sleeps.calls
    assert [r.status for r in fake.log] == [429, 200]


def test_5xx_is_retried_with_growing_backoff_and_then_is_an_error(fake: FakeServices) -> None:
    for _ in range(3):
        fake.fail_next("500", "/api/v1/athlete/0")
    sleeps = Sleeps()
    with pytest.raises(ServiceError, match=r"still refused after 3 tries \(500\)") as err:
        client(fake, sleeps, retries=2, backoff_s=0.5).thresholds()
    assert sleeps.calls == [0.5, 1.0]
    assert "nothing was lost" in str(err.value)
    fake.fail_next("500", "/api/v1/athlete/0")
    assert client(fake, Sleeps()).thresholds().ftp is None  # one 500, then the answer


def test_a_retry_after_longer_than_we_wait_stops_at_once(fake: FakeServices) -> None:
    fake.fail_next("429", "/api/v1/athlete/0", retry_after="3600")
    sleeps = Sleeps()
    with pytest.raises(ServiceError, match="try again later"):
        client(fake, sleeps).thresholds()
    assert sleeps.calls == []


def test_401_says_log_in_again_and_never_shows_the_key(fake: FakeServices) -> None:
    wrong = "wrong-key-that-must-not-show"
    with pytest.raises(AuthError) as err:
        client(fake, Sleeps(), key=wrong).thresholds()
    message = str(err.value)
    assert "log in again (pacer sync login intervals)" in message
    assert wrong not in message
    assert "\n" not in message


def test_a_slow_reply_times_out_and_is_offline_after_the_retries(fake: FakeServices) -> None:
    fake.fail_next("slow", "/api/v1/athlete/0", delay_s=0.6)
    fake.fail_next("slow", "/api/v1/athlete/0", delay_s=0.6)
    sleeps = Sleeps()
    with pytest.raises(OfflineError, match="cannot be reached \\(timed out\\)"):
        client(fake, sleeps, timeout=(1.0, 0.2), retries=1).thresholds()
    assert len(sleeps.calls) == 1


def test_nothing_listening_is_offline_in_one_line() -> None:
    sleeps = Sleeps()
    icu = IcuClient(API_KEY, "0", "http://127.0.0.1:9", policy=Policy(retries=1), sleep=sleeps)
    with pytest.raises(OfflineError) as err:
        icu.thresholds()
    assert "check the network" in str(err.value)
    assert API_KEY not in str(err.value)


def test_ten_requests_a_second_at_most() -> None:
    limiter = RateLimiter((Window(10, 1.0),))
    for i in range(10):
        assert limiter.wait_for(100.0 + i * 0.01) == 0.0
        limiter.record(100.0 + i * 0.01)
    assert limiter.wait_for(100.1) == pytest.approx(0.9)
    assert limiter.wait_for(101.0) == 0.0


def test_the_client_paces_itself_on_a_driven_clock(fake: FakeServices) -> None:
    now = [0.0]
    sleeps: list[float] = []

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        now[0] += seconds

    icu = IcuClient(API_KEY, "0", fake.url, sleep=sleep)
    icu.http.monotonic = lambda: now[0]
    for _ in range(25):
        icu.thresholds()
    assert len(fake.log) == 25
    assert now[0] >= 2.0  # 25 requests at 10/s: two full windows waited for
    assert sum(sleeps) == pytest.approx(now[0])


def test_retry_after_as_seconds_or_an_http_date() -> None:
    assert retry_after("12", 0.0) == 12.0
    assert retry_after("Wed, 21 Oct 2015 07:28:10 GMT", 1445412480.0) == pytest.approx(10.0)
    assert retry_after("soon", 0.0) is None
    assert retry_after(None, 0.0) is None
