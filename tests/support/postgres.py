"""A throwaway PostgreSQL server on a free loopback port.

initdb refuses to run as root, so as root the server runs as the
``postgres`` system user (created by Debian's package).
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path

from tests.support.mosquitto import free_port, wait_for_port


def find_bindir() -> Path | None:
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    for found in candidates:
        if (Path(found) / "initdb").exists():
            return Path(found)
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


class PostgresServer:
    def __init__(self) -> None:
        bindir = find_bindir()
        if bindir is None:
            raise RuntimeError("PostgreSQL server binaries not found (apt-get install postgresql)")
        self.bindir = bindir
        # Not under pytest's tmp_path: its parents are private to root.
        self.workdir = Path(tempfile.mkdtemp(prefix="parking-pg-"))
        self.datadir = self.workdir / "data"
        self.port = free_port()
        self._as_user = "postgres" if os.geteuid() == 0 else None

    def _run(self, *args: str) -> None:
        cmd = list(args)
        if self._as_user:
            cmd = ["runuser", "-u", self._as_user, "--", *cmd]
        subprocess.run(cmd, check=True, capture_output=True)

    def start(self) -> PostgresServer:
        if self._as_user:
            entry = pwd.getpwnam(self._as_user)
            os.chown(self.workdir, entry.pw_uid, entry.pw_gid)
        self._run(str(self.bindir / "initdb"), "-D", str(self.datadir), "-U", "postgres",
                  "--auth=trust", "-E", "UTF8", "--no-locale")
        self.resume()
        return self

    def pause(self) -> None:
        """Stop the server and keep its data: an outage (``resume`` ends it, on the same port)."""
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.datadir), "-m", "fast", "-w", "stop")

    def resume(self) -> None:
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.datadir), "-w", "-l",
                  str(self.workdir / "server.log"), "-o",
                  f"-p {self.port} -k {self.workdir} -c listen_addresses=127.0.0.1 -c fsync=off "
                  "-c max_connections=200 -c synchronous_commit=off", "start")
        wait_for_port(self.port)

    def stop(self) -> None:
        self.pause()
        shutil.rmtree(self.workdir, ignore_errors=True)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def new_database(self) -> str:
        """A fresh, empty database; returns its SQLAlchemy URL."""
        import psycopg

        name = f"t_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres",
                             autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)
