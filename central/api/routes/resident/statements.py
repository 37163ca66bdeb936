"""Statements: the list, one month's statement with its lines, and the same as CSV and PDF."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from fastapi.responses import Response

from central import residents
from central.api.routes.resident.refusals import not_found
from central.errors import DocumentError, MonthError, NotFoundError
from central.residents.statement_pdf import statement_pdf
from central.web.auth import ResidentUser
from central.web.pages import PageRequest, ResidentPage

router = APIRouter()
ContractId = Annotated[str, Path(max_length=64)]
MonthText = Annotated[str, Path(pattern=r"^\d{4}-\d{2}$")]


def _view(page: PageRequest, user: ResidentUser, contract_id: str,
          month: str) -> residents.StatementView | None:
    try:
        return residents.statement_view(page.db, user.principal, contract_id, month)
    except (NotFoundError, MonthError):
        return None


def _download(page: PageRequest, body: bytes | str, media_type: str, name: str) -> Response:
    return page.finish(Response(body, media_type=media_type,
                                headers={"Content-Disposition": f'attachment; filename="{name}"',
                                         "Cache-Control": "no-store"}))


@router.get("/statements")
def statements(page: ResidentPage, user: ResidentUser) -> Response:
    found = residents.my_statements(page.db, user.principal)
    return page.render("resident/statements.html", statements=found)


# The downloads come before the page: "{month}" alone would also match "2025-03.csv".
@router.get("/statements/{contract_id}/{month}.csv")
def statement_csv(contract_id: ContractId, month: MonthText, page: ResidentPage,
                  user: ResidentUser) -> Response:
    view = _view(page, user, contract_id, month)
    if view is None:
        return not_found(page)
    return _download(page, residents.statement_csv(view, page.t), "text/csv; charset=utf-8",
                     residents.download_name(view, "csv"))


@router.get("/statements/{contract_id}/{month}.pdf")
def statement_pdf_file(contract_id: ContractId, month: MonthText, page: ResidentPage,
                       user: ResidentUser) -> Response:
    view = _view(page, user, contract_id, month)
    if view is None:
        return not_found(page)
    try:
        body = statement_pdf(view, page.t, page.when)
    except DocumentError:
        return page.render("error.html", status=503, title=page.t("statement.download_pdf"),
                           body=page.t("statement.pdf_unavailable"))
    return _download(page, body, "application/pdf", residents.download_name(view, "pdf"))


@router.get("/statements/{contract_id}/{month}")
def statement(contract_id: ContractId, month: MonthText, page: ResidentPage, user: ResidentUser) -> Response:
    view = _view(page, user, contract_id, month)
    if view is None:
        return not_found(page)
    return page.render("resident/statement.html", view=view,
                       label=lambda line: residents.line_label(line, page.t))
