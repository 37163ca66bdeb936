"""Statements over plain HTTP: the list, a month with human times, its CSV and PDF, and nobody else's."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
from datetime import date
from pathlib import Path

from tests.central.resident.conftest import FIRST, SECOND, World
from tests.conftest import _unavailable
from tests.support.residents import add_contract, add_stay, bill

PLATE = "沪A12345"


def _issued(world: World, resident: str) -> str:
    """February billed: the month's fee and one night that ran 40 minutes past its deadline."""
    db = world.central.database
    contract = add_contract(db, resident, "xh-gov-nights", PLATE, date(2025, 2, 1), date(2025, 3, 31),
                            world.clock.now)
    add_stay(db, contract, PLATE, "2025-02-10 20:00", "2025-02-11 08:10", "2025-02-11 07:30")
    bill(db, "2025-02", world.clock.now)
    return contract


def test_my_statement_lists_its_lines_in_the_sites_time(world: World) -> None:
    me = world.resident(FIRST)
    contract = _issued(world, me.id)
    listed = me.client.get("/app/statements").text
    assert f'href="/app/statements/{contract}/2025-02"' in listed and "2025年2月" in listed
    page = me.client.get(f"/app/statements/{contract}/2025-02").text
    assert "2025年2月账单" in page
    assert "2025年2月10日 20:00 – 2025年2月11日 08:10" in page  # Shanghai time, not UTC
    assert "超时费 ¥10.00" in page and 'id="statement-total">¥310.00<' in page


def test_the_csv_has_the_same_lines_for_a_spreadsheet(world: World) -> None:
    me = world.resident(FIRST)
    contract = _issued(world, me.id)
    got = me.client.get(f"/app/statements/{contract}/2025-02.csv")
    assert got.status_code == 200 and got.headers["content-type"].startswith("text/csv")
    assert f'filename="statement-{contract}-2025-02.csv"' in got.headers["content-disposition"]
    assert got.content.startswith("\ufeff".encode())  # so that a spreadsheet reads UTF-8
    rows = list(csv.reader(io.StringIO(got.text.lstrip("\ufeff"))))
    assert rows[0][:3] == ["项目", "车牌", "入场"]
    assert rows[1] == ["月费", "", "", "", "", "0.00", "0.00", "300.00"]
    assert rows[2] == ["停车", PLATE, "2025-02-10 20:00", "2025-02-11 08:10", "730", "0.00", "10.00", "10.00"]
    assert rows[-1][0] == "合计" and rows[-1][-1] == "310.00"
    english = me.client.get(f"/app/statements/{contract}/2025-02.csv?lang=en").text
    assert english.lstrip("\ufeff").startswith("Item,Plate,In,Out")


def test_the_pdf_shows_the_chinese_with_its_font_inside(world: World, tmp_path: Path) -> None:
    if shutil.which("pdftotext") is None:
        _unavailable("poppler-utils (pdftotext)")
    me = world.resident(FIRST)
    contract = _issued(world, me.id)
    got = me.client.get(f"/app/statements/{contract}/2025-02.pdf")
    assert got.status_code == 200 and got.headers["content-type"] == "application/pdf"
    pdf = tmp_path / "statement.pdf"
    pdf.write_bytes(got.content)
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "NotoSansCJKSC" in fonts and " yes yes yes " in fonts  # embedded, subset, with a Unicode map
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    for expected in ("错峰停车账单 2025年2月", "徐汇区行政服务中心", "夜间月卡", PLATE,
                     "2025-02-10 20:00", "¥310.00"):
        assert expected in text
    assert len(got.content) < 100_000  # a subset of the font, not all of it


def test_another_residents_statement_is_not_found_in_any_form(world: World) -> None:
    me, other = world.resident(FIRST), world.resident(SECOND)
    contract = _issued(world, me.id)
    assert contract not in other.client.get("/app/statements").text
    for suffix in ("", ".csv", ".pdf"):
        refused = other.client.get(f"/app/statements/{contract}/2025-02{suffix}")
        assert refused.status_code == 404 and "没有找到" in refused.text
        assert PLATE not in refused.text
    assert me.client.get(f"/app/statements/{contract}/2025-01").status_code == 404  # not issued
    assert me.client.get(f"/app/statements/{contract}/2025-13").status_code == 404
