"""What the running bot keeps in memory per person is bounded: ten thousand residents in a day
leave nothing behind once they are quiet (RSS is measured in bench/intake.py)."""

from __future__ import annotations

from bot.handlers.flood import FloodGuard


def test_flood_guard_forgets_people_once_they_are_quiet_and_still_slows_a_burst():
    now = [0.0]
    guard = FloodGuard(3, 10.0, monotonic=lambda: now[0])
    for user_id in range(10_000):
        assert guard.check(user_id) == "ok"
    assert len(guard) == 10_000
    now[0] = 11.0
    assert [guard.check(1) for _ in range(5)] == ["ok", "ok", "ok", "warn", "quiet"]
    assert len(guard) == 1  # the others were forgotten as the window passed
    now[0] = 15.0
    assert guard.check(1) == "quiet"  # still within its window: remembered, not warned again
    now[0] = 30.0
    assert guard.check(2) == "ok" and len(guard) == 1
