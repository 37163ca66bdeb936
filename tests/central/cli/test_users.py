"""``parking-central user``: the password comes from a file, the environment or stdin, never argv."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

import pytest

from central import db
from central.accounts import Lockout, StaffSignInOutcome, sign_in_staff
from central.cli import build_parser, main
from shared import utc_now

PASSWORD = "a password from the file"


@pytest.fixture
def database_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'central.db'}"
    monkeypatch.setenv("PARKING_CENTRAL_DATABASE__URL", url)
    monkeypatch.delenv("PARKING_CENTRAL_USER_PASSWORD", raising=False)
    monkeypatch.chdir(tmp_path)  # no config/central.yaml here
    return url


def _signs_in(url: str, username: str, password: str) -> bool:
    database = db.Database(url)
    try:
        with database.transaction() as session:
            result = sign_in_staff(session, username, password, "127.0.0.1", Lockout(5, 20, timedelta(0)),
                                   utc_now())
    finally:
        database.dispose()
    return result.outcome is StaffSignInOutcome.OK


def test_an_admin_is_created_with_the_password_from_a_file(database_env: str, tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    secret = tmp_path / "password"
    secret.write_text(PASSWORD + "\n")
    assert main(["user", "create", "--role", "admin", "--username", "Chief",
                 "--password-file", str(secret)]) == 0
    assert "created admin chief" in capsys.readouterr().out
    assert _signs_in(database_env, "chief", PASSWORD)


def test_from_the_environment_or_from_stdin(database_env: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PARKING_CENTRAL_USER_PASSWORD", "from the environment")
    assert main(["user", "create", "--role", "admin", "--username", "envuser"]) == 0
    monkeypatch.delenv("PARKING_CENTRAL_USER_PASSWORD")
    monkeypatch.setattr("sys.stdin", io.StringIO("piped in on stdin\n"))
    assert main(["user", "password", "--username", "envuser"]) == 0
    assert _signs_in(database_env, "envuser", "piped in on stdin")
    assert not _signs_in(database_env, "envuser", "from the environment")


def test_there_is_no_password_argument_and_bad_input_fails_clearly(
        database_env: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["user", "create", "--role", "admin", "--username", "x", "--password", "p"])
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert main(["user", "create", "--role", "admin", "--username", "boss"]) == 2
    assert "password: must be 10 to 256 characters" in capsys.readouterr().err
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert main(["user", "create", "--role", "operator", "--username", "op1",
                 "--institution", "nowhere"]) == 2
    assert "institution 'nowhere' not found" in capsys.readouterr().err
