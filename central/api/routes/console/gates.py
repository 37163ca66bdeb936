"""A site's gates: their live status (the table the site page refreshes by itself) and the one action
that adds a gate with its broker account, whose password this answer shows once (docs/deploy.md,
"Adding a gate"). Nothing stores or logs the password; the page is not cached (``no-store``).
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from central import broker, sites
from central.api.deps import AccountsDep
from central.api.routes.console.fields import FIELD_MESSAGES
from central.api.schemas import SiteGateIn
from central.ingest.gates import site_gates
from central.web.auth import StaffUser
from central.web.forms import FormDep, Refusal, attempt, check, fields
from central.web.pages import ConsolePage
from shared import gate_username
from shared.alarms import alarm_label

router = APIRouter()


@router.get("/sites/{site_id}/gates")
def gate_rows(page: ConsolePage, user: StaffUser, site_id: str) -> Response:
    """The gates table's rows alone, as the site page's script fetches them."""
    site = sites.managed_site(page.db, user.principal, site_id)
    return page.render("console/_gates.html", site=site, gates=site_gates(page.db, site.id),
                       alarm_label=lambda code: alarm_label(code, page.lang))


@router.post("/sites/{site_id}/gates")
def gate_add(page: ConsolePage, user: StaffUser, site_id: str, form: FormDep,
             accounts: AccountsDep) -> Response:
    site = sites.managed_site(page.db, user.principal, site_id)
    model, errors = check(SiteGateIn, fields(form, ("gate_id", "name")), page, FIELD_MESSAGES)
    if model is None:
        return page.render("console/gate_added.html", status=400, site=site, added=None, errors=errors,
                           refusal=None, values=dict(form))
    done = attempt(page, lambda: broker.add_gate(page.db, accounts, site.id, model.gate_id, model.name),
                   "gate.refused")
    if isinstance(done, Refusal):
        return page.render("console/gate_added.html", status=409, site=site, added=None, errors={},
                           refusal=done, values=dict(form))
    return page.render("console/gate_added.html", status=201, site=site, added=done, errors={}, refusal=None,
                       values={}, username=gate_username(site.id, model.gate_id))
