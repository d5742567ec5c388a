"""For tests that run manage.py in another process against a database of their
own: a PostgreSQL database created empty on the server the tests use and dropped
afterwards (the test database pytest-django made is not touched), and the run."""

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import psycopg
from django.db import connection
from psycopg import sql


@dataclass(frozen=True)
class ScratchDatabase:
    name: str
    url: str  # for DATABASE_URL
    server: dict[str, str | None]

    def connect(self) -> psycopg.Connection:
        return psycopg.connect(dbname=self.name, autocommit=True, **self.server)


def _server() -> dict[str, str | None]:
    params = connection.settings_dict
    return {
        "host": params["HOST"] or "localhost",
        "port": str(params["PORT"] or 5432),
        "user": params["USER"],
        "password": params["PASSWORD"] or None,
    }


@contextmanager
def scratch_database(prefix: str) -> Iterator[ScratchDatabase]:
    server = _server()
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    credentials = quote(server["user"], safe="")
    if server["password"]:
        credentials += ":" + quote(server["password"], safe="")
    url = f"postgres://{credentials}@{server['host']}:{server['port']}/{name}"
    with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        try:
            yield ScratchDatabase(name=name, url=url, server=server)
        finally:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def manage_py(tree: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run ``tree``'s manage.py with this interpreter in a fresh process; ``env`` adds to
    (or overrides) this process's environment: DATABASE_URL, MEDIA_ROOT."""
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=tree,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=300,
    )
