"""Embedded PostgreSQL for development and tests.

When ``DATABASE_URL`` is unset, settings call :func:`database_settings`, which starts
(or reuses) a PostgreSQL cluster from the ``pgserver`` package with its data under
``var/pgdata``. pgserver keeps a machine-wide lock and a list of the processes using
the cluster, so two processes starting at once share one server; our own file lock
additionally serialises database creation.
"""

from __future__ import annotations

import fcntl
import logging
import warnings
from contextlib import contextmanager
from pathlib import Path

logger = logging.getLogger(__name__)


@contextmanager
def _file_lock(path: Path):
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def start_server(var_dir: Path):
    """Start or reuse the cluster in ``var_dir/pgdata``; return the pgserver handle."""
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset (root, CI): harmless here.
        warnings.simplefilter("ignore")
        import pgserver

        var_dir.mkdir(parents=True, exist_ok=True)
        with _file_lock(var_dir / "pgserver.lock"):
            return pgserver.get_server(var_dir / "pgdata", cleanup_mode="stop")


def ensure_database(server, name: str) -> None:
    """Create database ``name`` on the embedded server if it does not exist yet."""
    import psycopg

    info = server.get_postmaster_info()
    with psycopg.connect(
        dbname="postgres", user="postgres", host=str(info.socket_dir), autocommit=True
    ) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')  # name comes from settings, not users


def database_settings(var_dir: Path, name: str = "relance") -> dict:
    """Django ``DATABASES['default']`` for the embedded cluster, started if needed."""
    server = start_server(var_dir)
    with _file_lock(var_dir / "pgserver.lock"):
        ensure_database(server, name)
    info = server.get_postmaster_info()
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": name,
        "USER": "postgres",
        "PASSWORD": "",
        "HOST": str(info.socket_dir),
        "PORT": "",
        "CONN_MAX_AGE": 0,
    }
