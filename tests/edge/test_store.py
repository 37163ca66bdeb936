"""The gate's SQLite store: nothing recorded is lost across a crash; unknown plates are hashed later."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from uuid import uuid4

from edge.store import Store
from shared import GateEvent, Outcome, Reason
from tests.edge.conftest import WEDNESDAY_EVENING


def _event(plate: str | None, contract_id: str | None = None, at: datetime = WEDNESDAY_EVENING) -> GateEvent:
    return GateEvent(event_id=uuid4(), site_id="s1", gate_id="g1", direction="entry", plate=plate,
                     plate_read=plate or "", confidence=0.99, outcome=Outcome.DENY, reason=Reason.NO_CONTRACT,
                     contract_id=contract_id, at=at)


def test_pending_events_are_settled_after_a_crash_and_plates_hashed_later(tmp_path: Path) -> None:
    store = Store(tmp_path / "gate.db")
    unknown, contracted = _event("沪B99999"), _event("沪A12345", "c1")
    store.record(unknown, "entry")
    store.record(contracted, "entry")
    assert store.undelivered(10, set(), WEDNESDAY_EVENING) == []  # not settled: not sent yet
    store.close()
    store = Store(tmp_path / "gate.db")  # the "restart"
    assert store.release_pending() == 2
    assert len(store.undelivered(10, set(), WEDNESDAY_EVENING)) == 2
    later = WEDNESDAY_EVENING + timedelta(hours=25)
    assert store.hash_unknown_plates(later, "salt-salt-salt-salt") == 0  # undelivered rows keep plates
    store.mark_delivered([str(unknown.event_id), str(contracted.event_id)], later)
    assert store.hash_unknown_plates(later, "salt-salt-salt-salt") == 1
    assert store.event(str(unknown.event_id)).data["plate"].startswith("h:")  # type: ignore[union-attr]
    assert store.event(str(contracted.event_id)).data["plate"] == "沪A12345"  # type: ignore[union-attr]
