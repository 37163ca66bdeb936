"""A resident's car from the contract to the closed stay, and the guard's part, through the real processes.

Central and gate run as their own commands (``parking-central serve``,
``parking-edge run``) with production settings, over Mosquitto with its ACL;
the gate reads the demo photographs with the default reader. The gate reads a
camera folder once per start, so each car is shown by restarting the agent
with new photographs in front of the lane: that also shows that what the gate
holds (bundle, vehicles inside) survives a restart. The month is then billed
with ``parking-central bill`` and the stay's charge read from the statements API.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from datetime import datetime

import pytest

from tests.e2e.stack import SHANGHAI, SITE, Central, Gate, wait_for

pytestmark = [pytest.mark.broker, pytest.mark.slow]

PLATE = "沪A12345"  # demo/frames/entry/00.jpg, demo/frames/exit/05.jpg


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _ready_stack(make_central: Callable[..., Central], make_gate: Callable[..., Gate],
                 database_url: str | None = None) -> tuple[Central, Gate, dict]:
    """Central up, a site and a contract signed through the API, the gate holding the bundle."""
    central = make_central(database_url).start()
    central.seed_site()
    contract = central.sign(PLATE)
    gate = make_gate(central).start()
    gate.wait_for_bundle(2)  # sequence 1: the site was created; 2: the contract was signed
    gate.stop()
    return central, gate, contract


def test_signed_contract_reaches_the_gate_and_the_car_makes_a_stay(
        database_url: str, make_central: Callable[..., Central], make_gate: Callable[..., Gate]) -> None:
    central, gate, contract = _ready_stack(make_central, make_gate, database_url)
    explained = gate.explain(PLATE)
    assert (explained["bundle_sequence"], explained["outcome"], explained["contract_id"]) == \
        (2, "open", contract["id"])

    gate.show("entry", "00.jpg")
    gate.start()
    entry = wait_for("the entry at central", lambda: central.events(plate=PLATE), timeout=60,
                     alive=gate.process.check_alive)[0]
    assert (entry["direction"], entry["outcome"], entry["reason"], entry["contract_id"]) == \
        ("entry", "open", "contract_ok", contract["id"])
    stay = wait_for("an open stay", lambda: central.stays(plate=PLATE, status="open"))[0]
    assert stay["entry_event_id"] == entry["event_id"] and stay["entered_at"] == entry["at"]
    gate.stop()

    gate.show("entry")
    gate.show("exit", "05.jpg")
    gate.start()
    closed = wait_for("the stay closed by the exit", lambda: central.stays(plate=PLATE, status="closed"),
                      timeout=60, alive=gate.process.check_alive)
    exit_event = next(e for e in central.events(plate=PLATE) if e["direction"] == "exit")
    assert [(s["entry_event_id"], s["exit_event_id"]) for s in closed] == \
        [(entry["event_id"], exit_event["event_id"])]
    assert exit_event["outcome"] == "open"
    assert _at(closed[0]["exited_at"]) > _at(closed[0]["entered_at"])
    assert central.stays(status="open") == []
    assert gate.stop() == 0

    month = f"{datetime.now(SHANGHAI):%Y-%m}"
    refused = central.bill(month)  # the month has not ended: nothing is issued yet
    assert refused.returncode == 2 and f"month {month} has not ended" in refused.stderr
    billed = central.bill(month, preview=True)
    assert billed.returncode == 0, billed.stderr
    rows = list(csv.DictReader(billed.stdout.splitlines()))
    charged = [(int(line["stay_id"]), line["plate"], int(line["usage_periods"]), int(line["amount_fen"]))
               for line in rows if line["kind"] == "stay" and line["contract_id"] == contract["id"]]
    assert charged == [(closed[0]["id"], PLATE, 1, 200)]  # one started hour at the usage rate, 200 fen
    total = sum(int(line["amount_fen"]) for line in rows)
    assert f"{total // 100}.{total % 100:02d} yuan" in billed.stderr  # the preview's summary line


def test_unknown_car_denied_near_miss_to_the_guard_whose_opening_reaches_central(
        make_central: Callable[..., Central], make_gate: Callable[..., Gate]) -> None:
    central, gate, contract = _ready_stack(make_central, make_gate)
    gate.show("entry", "02.jpg", "03.jpg")  # 京C55555: no contract; 沪A12346: one character off 沪A12345
    gate.start()
    events = wait_for("two reads at central", lambda: len(found := central.events()) == 2 and found,
                      timeout=60, alive=gate.process.check_alive)
    by_plate = {e["plate"]: e for e in events}
    assert (by_plate["京C55555"]["outcome"], by_plate["京C55555"]["reason"]) == ("deny", "no_contract")
    near = by_plate["沪A12346"]
    assert (near["outcome"], near["reason"]) == ("review", "near_miss")
    assert central.stays() == []  # nobody got in

    with gate.guard() as guard:
        assert guard.login().status_code == 200
        reads = {r["event_id"]: r for r in guard.state()["reads"]}
        assert reads[near["event_id"]]["outcome"] == "review"
        assert reads[near["event_id"]]["near_misses"] == [{"plate": PLATE, "contract_id": contract["id"]}]
        opened = guard.act(near["event_id"], "open", {"reason": "misread", "comment": "A12345, 6 was dirt"})
        assert opened.status_code == 200, opened.text
        assert guard.http.get("/api/audit").json()[0]["guard"] == "guard1"

    override = wait_for("the guard's opening at central",
                        lambda: [e for e in central.events() if e["original_event_id"]])[0]
    assert (override["outcome"], override["reason"], override["original_event_id"]) == \
        ("open", "guard_open", near["event_id"])
    assert override["event_id"] != near["event_id"]
    stay = wait_for("a stay from the guard's opening", central.stays)[0]
    assert (stay["plate"], stay["entry_event_id"], stay["status"]) == \
        ("沪A12346", override["event_id"], "open")
    assert {e["site_id"] for e in central.events()} == {SITE}
