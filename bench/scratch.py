"""What the benchmark scripts share: a scratch database, made and dropped around a run."""

from __future__ import annotations

import uuid
from contextlib import contextmanager
from urllib.parse import urlparse, urlunparse

import psycopg


@contextmanager
def scratch_database(server_url: str):
    """A new, empty database on the server of ``server_url``; dropped on exit."""
    name = f"relance_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(server_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunparse(urlparse(server_url)._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(server_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
