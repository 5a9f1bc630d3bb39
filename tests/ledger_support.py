"""Test support for the ledger: a throwaway PostgreSQL cluster, and return files to submit.

`PostgresCluster` runs Debian's PostgreSQL server binaries (initdb, postgres) in a temporary
folder on a free local port with trust authentication; as root it runs them as the `postgres`
user (the server refuses root). It is used by the `ledger_db` fixture so that the same ledger
tests run on SQLite and on PostgreSQL; they are skipped, with the reason, when it cannot start.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

PG_BIN_DIRS = [Path(p) for p in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)] \
    if Path("/usr/lib/postgresql").exists() else []


def _find(binary: str) -> str | None:
    for directory in PG_BIN_DIRS:
        if (directory / binary).exists():
            return str(directory / binary)
    return shutil.which(binary)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PostgresCluster:
    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="svmodel-pg-"))
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        self.as_root = os.geteuid() == 0

    def _cmd(self, *args: str) -> list[str]:
        return ["runuser", "-u", "postgres", "--", *args] if self.as_root else list(args)

    def start(self) -> None:
        initdb, postgres = _find("initdb"), _find("postgres")
        if not initdb or not postgres:
            raise RuntimeError("PostgreSQL server binaries (initdb, postgres) not found; "
                               "install Debian's postgresql package")
        if self.as_root:
            shutil.chown(self.dir, "postgres", "postgres")
        data = self.dir / "data"
        done = subprocess.run(self._cmd(initdb, "-D", str(data), "-U", "postgres", "--auth=trust",
                                        "--encoding=UTF8", "--no-sync"),
                              capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            raise RuntimeError(f"initdb failed: {done.stderr.strip()[-400:]}")
        self.process = subprocess.Popen(
            self._cmd(postgres, "-D", str(data), "-p", str(self.port), "-k", str(self.dir),
                      "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "max_connections=50"),
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
        deadline = time.monotonic() + 60
        import psycopg

        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"postgres exited: {self.process.stderr.read().decode()[-400:]}")
            try:
                with psycopg.connect(self.dsn("postgres"), connect_timeout=2):
                    return
            except psycopg.OperationalError:
                time.sleep(0.3)
        raise RuntimeError("postgres did not accept connections within 60 s")

    def dsn(self, database: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        import psycopg
        from psycopg import sql

        with psycopg.connect(self.dsn("postgres"), autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return self.url(name)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()  # smart shutdown of this one server process
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        shutil.rmtree(self.dir, ignore_errors=True)


# --------------------------------------------------------------------------- return files
FORM_HEADER = ["Measure", "What the measure counts", "Knowsley outcome", "Unit", "Quantity in the period",
               "Financial proxy (id)", "Proxy units per unit (e.g. hours per volunteer)", "Deadweight (0 to 1)",
               "Displacement (0 to 1)", "Attribution (0 to 1)", "What you did", "Evidence you hold"]


def return_form(path: Path, rows: list[dict]) -> Path:
    """A return form CSV with the human headings; rows give measure, quantity and optional cells."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(FORM_HEADER)
    for r in rows:
        writer.writerow([r["measure"], "", "", r.get("unit", ""), r.get("quantity", ""), r.get("proxy", ""),
                         r.get("proxy_units", ""), r.get("deadweight", ""), r.get("displacement", ""),
                         r.get("attribution", ""), r.get("description", ""), r.get("evidence", "")])
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path
