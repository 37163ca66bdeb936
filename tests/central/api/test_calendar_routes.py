"""The calendar over HTTP: staff read it, admins publish a year (JSON or the CSV file), the console
sees the years contracts cover without a schedule, and the site alarm."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.central.conftest import API, Api

YEAR_2027 = {"rest_days": ["2027-01-01", "2027-10-01"], "working_days": ["2027-09-26"],
             "source": "国务院办公厅关于2027年部分节假日安排的通知"}


def test_admins_publish_a_year_and_the_covered_gap_closes(api: Api) -> None:
    api.clock.now = datetime(2026, 11, 20, 4, tzinfo=UTC)
    api.seed_site(quota=5)
    operator = api.token("operator", institution_id="inst1")
    api.sign(["沪A12345"], api.resident(), days=60)
    status = api.get("/calendar", operator).json()
    assert status["unpublished_covered"] == [2027]
    assert [p["year"] for p in status["published"]] == list(range(2019, 2027))
    alarms = api.get("/alarms", operator).json()
    assert [(a["kind"], a["message"], a["gate_id"]) for a in alarms] == [
        ("calendar_unpublished", "calendar 2027 not published", None)]
    assert api.client.put(f"{API}/calendar/2027", json=YEAR_2027, headers=operator).status_code == 403
    published = api.client.put(f"{API}/calendar/2027", json=YEAR_2027, headers=api.admin)
    assert published.status_code == 200, published.text
    assert published.json()["working_days"] == ["2027-09-26"]
    assert api.get("/calendar", operator).json()["unpublished_covered"] == []
    assert api.get("/alarms", operator).json() == []
    csv = api.get("/calendar/2027.csv", operator)
    assert csv.text.splitlines()[1:] == ["date,kind", "2027-01-01,rest", "2027-09-26,working",
                                         "2027-10-01,rest"]


def test_a_year_as_a_csv_body_and_bad_input_named(api: Api) -> None:
    body = "date,kind\n2028-01-01,rest\n2028-02-12,班\n"
    imported = api.client.post(f"{API}/calendar/import", content=body.encode(), params={"source": "notice"},
                               headers={**api.admin, "Content-Type": "text/csv"})
    assert imported.status_code == 200, imported.text
    assert imported.json()[0]["working_days"] == ["2028-02-12"]
    bad = api.client.post(f"{API}/calendar/import", content=b"2028-01-01,sunday", params={"source": "x"},
                          headers={**api.admin, "Content-Type": "text/csv"})
    assert bad.status_code == 422 and "line 1: kind 'sunday'" in bad.json()["detail"]
    wrong_year = api.client.put(f"{API}/calendar/2029", json={**YEAR_2027, "source": "x"}, headers=api.admin)
    assert wrong_year.status_code == 422 and "2027-01-01" in wrong_year.json()["detail"]
    assert api.get("/calendar/2031").status_code == 404
    assert api.client.delete(f"{API}/calendar/2028", headers=api.admin).status_code == 204
    assert api.get("/calendar/2028").status_code == 404
