"""Embedded PostgreSQL for development and tests.

When ``DATABASE_URL`` is unset, settings call :func:`database_settings`, which starts
(or reuses) a PostgreSQL cluster from the ``pgserver`` package with its data under
``var/pgdata``. pgserver keeps a machine-wide lock and a list of the processes using
the cluster (``pgdata/.handle_pids.json``): every process that imports the settings adds
its pid, and the last one to exit stops the server (``cleanup_mode="stop"``). Our own file
lock additionally serialises the first start and the database creation, so two processes
starting at once on a fresh ``var/`` share one server.

pgserver only removes a pid when that process runs its ``atexit`` hooks. A process killed
without them (SIGKILL, or the child that Django's autoreloader kills when the parent is
interrupted) would stay in the list for ever, and the server would then never be stopped.
We therefore drop the pids of dead processes from the list when a process starts and
again just before it exits, so the last live process always stops the server.
"""

from __future__ import annotations

import atexit
import fcntl
import json
import logging
import os
import warnings
from contextlib import contextmanager
from pathlib import Path

logger = logging.getLogger(__name__)

HANDLES_FILE = ".handle_pids.json"  # pgserver's list of the processes using a cluster
_pruned_at_exit: set[Path] = set()


@contextmanager
def _file_lock(path: Path):
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _import_pgserver():
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset (root, CI): harmless here.
        warnings.simplefilter("ignore")
        import pgserver
        from pgserver.postgres_server import PostgresServer

    return pgserver, PostgresServer


def _pid_is_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, owned by another user
        return True
    return True


def prune_dead_handles(pgdata: Path) -> list[int]:
    """Drop the pids of processes that no longer exist from pgserver's list; return the rest."""
    _, PostgresServer = _import_pgserver()
    path = pgdata / HANDLES_FILE
    # Same inter-process lock as pgserver's own reads and writes of the list.
    with PostgresServer._lock:
        if not path.exists():
            return []
        try:
            pids = json.loads(path.read_text())
        except (OSError, ValueError):
            return []
        alive = [pid for pid in pids if _pid_is_alive(pid)]
        if alive != pids:
            logger.info("Dropping dead processes %s from %s", set(pids) - set(alive), path)
            path.write_text(json.dumps(alive))
        return alive


def start_server(var_dir: Path):
    """Start or reuse the cluster in ``var_dir/pgdata``; return the pgserver handle."""
    pgserver, _ = _import_pgserver()
    var_dir = Path(var_dir).expanduser().resolve()
    pgdata = var_dir / "pgdata"
    var_dir.mkdir(parents=True, exist_ok=True)
    with _file_lock(var_dir / "pgserver.lock"):
        if pgdata.exists():
            prune_dead_handles(pgdata)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            server = pgserver.get_server(pgdata, cleanup_mode="stop")
    # atexit runs hooks in reverse order: this one runs before pgserver's own cleanup, so a
    # child killed meanwhile (e.g. by the autoreloader) does not keep the server alive.
    if pgdata not in _pruned_at_exit:
        _pruned_at_exit.add(pgdata)
        atexit.register(prune_dead_handles, pgdata)
    return server


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
    with _file_lock(Path(var_dir) / "pgserver.lock"):
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
