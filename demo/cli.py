"""parking-demo: the whole product on one machine, on embedded defaults.

Starts a broker (Mosquitto when installed, else an embedded one), the central
service on SQLite, and one gate replaying camera frames, then tells the story
as it happens: a resident orders a month for her car and pays in the sandbox,
two contract holders come and go, a stranger is turned away, a visitor one
character off a contract goes to the guard, one car stays past its deadline and
is flagged, and the month's statement appears. The resident app, the operator
console and the guard page stay open to try. Ctrl-C stops it all.
"""

from __future__ import annotations

import argparse
import csv
import logging
import shutil
import signal
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from demo.people import (
    OPERATOR_USER,
    RESIDENT_PHONE,
    SmsEcho,
    operator_password,
    order_and_pay,
    resident_token,
)
from demo.stack import GATE, GUARD_USER, SITE, Stack
from shared import Reason

FRAMES = Path(__file__).parent / "frames"
MARKER = ".parking-demo"  # in a --workdir the demo made: only such a folder is ever emptied
SHANGHAI = ZoneInfo("Asia/Shanghai")
# One car per contract (a contract may name up to 3 plates, but only one of them is in at a time).
# The first is ordered and paid by a resident in the app's way; the operator signs the other two.
ORDERED = ("evening", "沪A12345")
PLATES = (("evening", ["沪AD12345"]), ("short", ["沪B67890"]))
INSTITUTION = "district-office"


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        _prepare(args.workdir)
    except RuntimeError as exc:
        print(f"parking-demo: {exc}", file=sys.stderr)
        return 2
    stack = Stack(args.workdir.resolve())
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    try:
        return _run(stack, args)
    except KeyboardInterrupt:
        _say("stopping")
        return 0
    except RuntimeError as exc:
        print(f"parking-demo: {exc}", file=sys.stderr)
        return 1
    finally:
        stack.stop()


def _prepare(workdir: Path) -> None:
    """An empty folder for this run. A folder the demo made before (its marker file inside) is
    emptied; any other non-empty folder is refused, never deleted."""
    marker = workdir / MARKER
    if workdir.exists() and not workdir.is_dir():
        raise RuntimeError(f"--workdir {workdir} is not a folder")
    if workdir.exists() and any(workdir.iterdir()):
        if not marker.is_file():
            raise RuntimeError(f"--workdir {workdir} is not empty and was not made by parking-demo "
                               f"(no {MARKER} in it): choose a new or empty folder")
        for entry in workdir.iterdir():
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()
    workdir.mkdir(parents=True, exist_ok=True)
    marker.write_text("made by parking-demo; the demo empties this folder at its next start\n")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="parking-demo", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--frames", type=Path, default=FRAMES,
                        help="folder with entry/ and exit/ sub-folders of camera frames (default: shipped)")
    parser.add_argument("--workdir", type=Path, default=Path("var/demo"),
                        help="where the demo keeps its databases and logs: a new or empty folder, or "
                             "one an earlier run made (emptied at start)")
    parser.add_argument("--every", type=float, default=4.0, help="seconds between arriving cars")
    parser.add_argument("--exit-after", type=float, default=26.0, help="seconds before the first car leaves")
    parser.add_argument("--broker", choices=["auto", "mosquitto", "embedded"], default="auto",
                        help="auto: Mosquitto when installed, else the embedded MQTT 3.1.1 broker")
    parser.add_argument("--once", action="store_true", help="stop after the story instead of running on")
    return parser


def _run(stack: Stack, args: argparse.Namespace) -> int:
    _say(f"broker: {stack.start_broker(args.broker)}")
    stack.start_central()
    token = stack.create_token()
    api = httpx.Client(base_url=stack.api, headers={"Authorization": f"Bearer {token}"}, timeout=10)
    now = datetime.now(UTC)
    contracts = _seed(api, stack, now, short_window_s=args.exit_after + 2 * args.every + 6)
    contracts.update(_resident_orders(api))
    password = operator_password(stack.central_command, INSTITUTION)
    # The signed bundle is retained on the broker: the gate has it before its first frame (3 s).
    stack.start_edge(args.frames.resolve(), args.every, args.exit_after, args.every * 3)
    _banner(stack, token, password)
    story = Story(api, contracts, SmsEcho(stack.workdir / "central.log"))
    deadline = time.monotonic() + args.exit_after + 10 * args.every + 40
    while time.monotonic() < deadline and not story.finished():
        story.poll()
        _check_alive(stack)
        time.sleep(1)
    _statement(stack, contracts)
    if args.once:
        return 0 if story.finished() else 1
    _say("the demo keeps running: open the pages above. Ctrl-C stops it.")
    while True:
        story.poll()
        _check_alive(stack)
        time.sleep(2)


def _seed(api: httpx.Client, stack: Stack, now: datetime, short_window_s: float) -> dict[str, str]:
    """A site with two products: an evening one, and one whose window ends in a minute."""
    local = now.astimezone(SHANGHAI)
    _post(api, "/institutions", {"id": INSTITUTION, "name": "区政府机关"})
    _post(api, "/sites", {"id": SITE, "institution_id": INSTITUTION, "name": "区政府机关停车场",
                                "address": "上海市", "lat": 31.23, "lon": 121.47, "shared_capacity": 3})
    _add_gate(api, stack)
    for product, ends, minimum in (("evening", local + timedelta(hours=4), 60),
                                   ("short", local + timedelta(seconds=short_window_s), 0)):
        # An hour ago, but not before midnight: a window that starts yesterday would not
        # count for a contract valid from today.
        start = max(local - timedelta(hours=1), local.replace(hour=0, minute=0, second=0, microsecond=0))
        start = start.time().replace(microsecond=0)
        windows = [{"day_type": kind, "start": start.isoformat(), "end": ends.time().replace(microsecond=0)
                    .isoformat()} for kind in ("working", "rest")]
        _post(api, "/products", {
            "id": product, "site_id": SITE, "name": product, "windows": windows, "quota": 3,
            "min_stay_minutes": minimum, "grace_minutes": 0, "monthly_fee_fen": 30000,
            "usage_rate_fen": 500, "usage_period_minutes": 30, "daily_cap_fen": 2000,
            "overstay_rate_fen": 3000, "overstay_period_minutes": 15})
    resident = _post(api, "/residents", {"display_name": "张先生"})["id"]
    today = local.date()
    contracts = {}
    for product, plates in PLATES:
        signed = _post(api, "/contracts", {"product_id": product, "plates": plates, "resident_id": resident,
                                           "valid_from": today.isoformat(),
                                           "valid_to": (today + timedelta(days=30)).isoformat()})
        contracts[signed["id"]] = product
        _say(f"contract {signed['id']} signed: {' '.join(plates)} on product '{product}'")
    return contracts


def _resident_orders(api: httpx.Client) -> dict[str, str]:
    """A resident registered with her mobile number orders a month and pays in the sandbox: the
    contract is active, and in the gate's bundle, only once the payment is confirmed."""
    product, plate = ORDERED
    resident = _post(api, "/residents", {"display_name": "李女士", "phone": RESIDENT_PHONE})["id"]
    paid = order_and_pay(api, resident_token(api, resident), product, plate)
    _say(f"resident {RESIDENT_PHONE[:3]}****{RESIDENT_PHONE[-4:]} ordered a month of '{product}' for "
         f"{plate}: ¥{paid.amount_fen / 100:.2f}, paid in the sandbox; contract {paid.contract_id} active")
    return {paid.contract_id: product}


def _add_gate(api: httpx.Client, stack: Stack) -> None:
    """As an operator would: central registers the gate and, with the broker's dynamic-security
    plugin, makes its broker account and shows the password this once."""
    gate = _post(api, f"/sites/{SITE}/gates", {"gate_id": GATE, "name": "北门"})
    if gate["broker"]["password"]:
        stack.secrets.gate_mqtt = gate["broker"]["password"]


def _post(api: httpx.Client, path: str, body: dict[str, Any]) -> Any:
    response = api.post(path, json=body)
    if response.status_code >= 400:
        raise RuntimeError(f"POST {path}: {response.status_code} {response.text}")
    return response.json()


class Story:
    """Tells each gate event, violation and alarm once, as the central service records them."""

    def __init__(self, api: httpx.Client, contracts: dict[str, str], sms: SmsEcho) -> None:
        self.api = api
        self.contracts = contracts
        self.sms = sms
        self.seen: set[str] = set()
        self.outcomes: dict[str, int] = {}
        self.exits = 0
        self.violations = 0

    def poll(self) -> None:
        response = self.api.get("/events", params={"site_id": SITE, "limit": 500})
        for event in sorted(response.json() if response.status_code == 200 else [], key=lambda e: e["at"]):
            if event["event_id"] not in self.seen:
                self.seen.add(event["event_id"])
                self._tell(event)
        self._violations()
        for message in self.sms.new_messages():  # a sign-in code someone asked for on the resident app
            _say(message)

    def _tell(self, event: dict[str, Any]) -> None:
        reason = Reason(event["reason"])
        key = "exit" if event["direction"] == "exit" else event["outcome"]
        self.outcomes[key] = self.outcomes.get(key, 0) + 1
        self.exits += event["direction"] == "exit"
        at = datetime.fromisoformat(event["at"]).astimezone(SHANGHAI)
        arrow = "→ in " if event["direction"] == "entry" else "← out"
        _say(f"{at:%H:%M:%S} {arrow} {event['plate'] or '?':10s} {event['outcome']:6s} "
             f"{reason.label('zh-CN')} / {reason.label('en')}")

    def _violations(self) -> None:
        response = self.api.get("/reports/violations", params={"days": 1})
        if response.status_code != 200:
            return
        total = sum(response.json().get(SITE, {}).values())  # {site: {local day: count}}
        if total > self.violations:
            _say(f"overstay recorded: {total} violation(s); the guard page's roll-call shows it")
            self.violations = total

    def finished(self) -> bool:
        return self.exits >= 3 and self.violations >= 1


def _statement(stack: Stack, contracts: dict[str, str]) -> None:
    """This month's statements as they stand: a preview, since the month has not ended (``bill``
    issues a month only after it)."""
    month = datetime.now(SHANGHAI).strftime("%Y-%m")
    done = stack.central_command("bill", "--month", month, "--preview")
    if done.returncode != 0:
        raise RuntimeError(f"bill failed: {done.stdout}{done.stderr}")
    path = stack.workdir / f"statements-{month}-preview.csv"
    path.write_text(done.stdout, encoding="utf-8")
    rows = list(csv.DictReader(done.stdout.splitlines()))
    for contract_id in contracts:
        lines = [row for row in rows if row["contract_id"] == contract_id]
        if lines:
            total = sum(int(line["amount_fen"]) for line in lines)
            _say(f"statement {lines[0]['statement_id']} (preview): total ¥{total / 100:.2f}")
            for line in lines:
                _say(f"    {line['kind']:12s} {line['plate']:10s} ¥{int(line['amount_fen']) / 100:6.2f}  "
                     f"usage {line['usage_periods']} period(s), overstay {line['overstay_periods']}")
    _say(f"CSV: {path}")


def _banner(stack: Stack, token: str, operator_password: str) -> None:
    _say("running:")
    _say(f"  resident app   {stack.web}/app/  (phone {RESIDENT_PHONE}; the sign-in code is printed here)")
    _say(f"  console        {stack.web}/console/  (login {OPERATOR_USER} / {operator_password})")
    _say(f"  guard page     {stack.guard_url}  (login {GUARD_USER} / {stack.secrets.guard_password})")
    _say(f"  central API    {stack.web}/docs  (bearer token below, admin)")
    _say(f"  dashboard      {stack.api}/reports/dashboard")
    _say(f"  admin token    {token}")
    _say(f"  logs           {stack.workdir}/*.log")


def _check_alive(stack: Stack) -> None:
    for process in stack.processes:
        if not process.alive():
            raise RuntimeError(f"{process.name} stopped unexpectedly:\n{process.tail()}")


def _say(text: str) -> None:
    print(f"[demo] {text}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
