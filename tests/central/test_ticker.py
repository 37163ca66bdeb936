"""The background loop the enforcement scheduler and the orders ticker run in."""

from __future__ import annotations

import threading

import pytest

from central.ticker import Ticker


def test_a_round_that_fails_is_logged_and_the_next_round_still_runs(caplog: pytest.LogCaptureFixture) -> None:
    rounds: list[int] = []
    second = threading.Event()

    def tick() -> None:
        rounds.append(len(rounds))
        if len(rounds) == 1:
            raise RuntimeError("database went away")
        second.set()

    ticker = Ticker("orders", tick, 0.0)
    ticker.start()
    try:
        assert second.wait(10), "the loop died with its first round"
    finally:
        ticker.stop()
    assert "orders tick failed" in caplog.text


def test_stop_ends_the_thread() -> None:
    before = set(threading.enumerate())
    ticker = Ticker("enforcement", lambda: None, 3600.0)
    ticker.start()
    started = [thread for thread in threading.enumerate() if thread not in before]
    assert [thread.name for thread in started] == ["enforcement"]
    ticker.stop()  # without waiting out the hour to the next round
    assert not started[0].is_alive()
