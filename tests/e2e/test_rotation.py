"""Key rotation as docs/deploy.md's runbook does it, through the real processes.

The gate learns the new public key first (beside the old one), then the central
service switches to the new signing key, then ``parking-central bundles reissue``
publishes fresh bundles: the gate takes the one signed with the new key, and a
contract holder still gets in. No step leaves the gate without a bundle it trusts.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from shared import generate_private_key, private_key_from_text, private_key_to_text, public_key_to_text
from tests.e2e.stack import Central, Gate, wait_for

pytestmark = [pytest.mark.broker, pytest.mark.slow]

PLATE = "沪A12345"  # demo/frames/entry/00.jpg
NEW_KEY_ID = "e2e-2"


def test_a_gate_holding_both_keys_takes_the_reissued_bundle_and_keeps_admitting(
        make_central: Callable[..., Central], make_gate: Callable[..., Gate]) -> None:
    before = make_central().start()
    before.seed_site()
    contract = before.sign(PLATE)
    gate = make_gate(before).start()
    gate.wait_for_bundle(2)  # signed with the old key
    gate.stop()

    # 1-2: the new key, and the gate trusts it beside the old one.
    new_key = private_key_to_text(generate_private_key())
    new_public = public_key_to_text(private_key_from_text(new_key).public_key())
    gate = make_gate(before, overrides={"public_keys": {NEW_KEY_ID: new_public}}).start()
    assert gate.explain(PLATE)["outcome"] == "open"  # still the old key's bundle, still trusted

    # 3: central signs with the new key from now on.
    before.stop()
    central = make_central(signing_key=new_key, key_id=NEW_KEY_ID).start()

    # 4: fresh bundles for every site, now; the command waits until they are published.
    done = central.command("bundles", "reissue")
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"bundle 3 signed with key {NEW_KEY_ID}" in done.stdout
    gate.wait_for_bundle(3)
    gate.stop()
    explained = gate.explain(PLATE)
    assert (explained["bundle_sequence"], explained["outcome"], explained["contract_id"]) == \
        (3, "open", contract["id"])

    gate.show("entry", "00.jpg")
    gate.start()
    entry = wait_for("the entry at central", lambda: central.events(plate=PLATE), timeout=60,
                     alive=gate.process.check_alive)[0]
    assert (entry["outcome"], entry["reason"], entry["contract_id"]) == \
        ("open", "contract_ok", contract["id"])
    gates = central.get("/gates", site_id="s1")
    assert [g["bundle_sequence"] for g in gates if g["gate_id"] == "g1"] == [3]
