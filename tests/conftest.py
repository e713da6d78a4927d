from io import StringIO

import pytest
from django.test import override_settings

from tests.demarches_server import demarches  # noqa: F401 - fixture: a local DS API
from tests.factories import StaffFactory, UserFactory
from tests.oidc_provider import proconnect  # noqa: F401 - fixture: a local ProConnect
from tests.tasks import tasks_run_after_commit  # noqa: F401 - autouse fixture

# The session fixture behind ``seeded``: an item needs the demo data iff it is in its closure.
DEMO_FIXTURE = "_demo_database"
DEMO_DATABASE = pytest.StashKey["DemoDatabase"]()


@pytest.fixture
def user(db):
    return UserFactory()


@pytest.fixture
def staff(db):
    return StaffFactory()


@pytest.fixture
def superuser(db):
    return UserFactory(is_staff=True, is_superuser=True)


@pytest.fixture(autouse=True)
def _fresh_cache():
    # Cached public pages must not leak from one test to the next.
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True, scope="session")
def _fast_password_hasher():
    # Hashing strength is not under test; MD5 keeps account creation cheap. Session-wide, so
    # that data committed by session fixtures is hashed as every test checks it.
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


@pytest.fixture(autouse=True, scope="session")
def _results_moment_read_each_time():
    # Tests change results through the ORM too (``update()`` sends no signal): public pages
    # read the results' moment on every request, except in the tests of its caching.
    with override_settings(RELANCE_RESULTS_VERSION_SECONDS=0):
        yield


@pytest.fixture(autouse=True, scope="session")
def _session_activity_written_rarely():
    # The idle clock writes the session once a minute: a test that takes longer than that
    # between signing in and counting a page's queries would count that write too. The idle
    # tests move the clock by hours, far beyond this.
    with override_settings(RELANCE_SESSION_ACTIVITY_WRITE_SECONDS=3600):
        yield


# The demo data --------------------------------------------------------------------------------
#
# ``seed_demo`` takes seconds, so it is committed once and shared by the tests that ask for it
# (``seeded``); each of them runs in its usual transaction, rolled back. Every other database
# test needs an empty database. Between two tests the committed state is switched for the next
# one (see ``pytest_runtest_teardown``); tests using a transactional database flush everything
# when they end, so the state is read from the database, never assumed. A seed lost that way is
# put back from a copy of its rows.


class DemoDatabase:
    def __init__(self, blocker):
        self.blocker = blocker
        self.output = ""  # what the last seed printed (the demo logins)
        self.seeded_on = None
        self.tables: dict[str, bytes] = {}  # every table as the last committed seed left it

    def has_seed(self) -> bool:
        from calls.demo import ROUND_1_SLUG
        from calls.models import Call

        return Call.objects.filter(slug=ROUND_1_SLUG).exists()

    def is_fresh(self) -> bool:
        from django.utils import timezone

        # The demo call's dates follow the day of the seed: a seed of yesterday is stale.
        return self.seeded_on == timezone.localdate()

    def is_loaded(self) -> bool:
        return self.is_fresh() and self.has_seed()

    def seed(self) -> None:
        from django.core.management import call_command
        from django.utils import timezone

        out = StringIO()
        # pytest-django runs with DEBUG off: ``force`` lets the command load the demo data.
        call_command("seed_demo", force=True, stdout=out)
        self.output, self.seeded_on = out.getvalue(), timezone.localdate()

    def flush(self) -> None:
        from django.core.management import call_command

        call_command("flush", interactive=False, verbosity=0)

    def dump(self) -> None:
        from django.db import connection

        self.tables = {}
        with connection.cursor() as cursor:
            for table in connection.introspection.django_table_names(only_existing=True):
                sql = f"COPY {connection.ops.quote_name(table)} TO STDOUT (FORMAT BINARY)"
                with cursor.cursor.copy(sql) as copy:
                    self.tables[table] = b"".join(copy)

    def restore(self) -> None:
        """Put back the rows of the last seed: a copy takes a fraction of a second."""
        from django.apps import apps
        from django.contrib.contenttypes.models import ContentType
        from django.core.management.color import no_style
        from django.db import connection, transaction

        ops = connection.ops
        with transaction.atomic(), connection.cursor() as cursor:
            for sql in ops.sql_flush(no_style(), list(self.tables)):
                cursor.execute(sql)
            for table, rows in self.tables.items():
                sql = f"COPY {ops.quote_name(table)} FROM STDIN (FORMAT BINARY)"
                with cursor.cursor.copy(sql) as copy:
                    copy.write(rows)
            # A flush may have restarted the sequences below the restored keys.
            models = apps.get_models(include_auto_created=True)
            for sql in ops.sequence_reset_sql(no_style(), models):
                cursor.execute(sql)
        # Flushes recreate the content types under new keys; the restored ones are back.
        ContentType.objects.clear_cache()

    def load(self) -> None:
        """Commit the demo data, on an empty database, unless it is there already."""
        with self.blocker.unblock():
            if self.is_loaded():
                return
            if self.tables and self.is_fresh():
                self.restore()
                return
            if self.has_seed():
                self.flush()
            self.seed()
            self.dump()

    def clear(self) -> None:
        with self.blocker.unblock():
            if self.has_seed():
                self.flush()


@pytest.fixture(scope="session")
def _demo_database(request, _fast_password_hasher, django_db_setup, django_db_blocker):
    database = DemoDatabase(django_db_blocker)
    database.load()
    request.config.stash[DEMO_DATABASE] = database
    yield database
    del request.config.stash[DEMO_DATABASE]
    # A reused test database (--reuse-db) must not start the next session with the demo data.
    database.clear()


@pytest.fixture
def seeded(_demo_database, django_db_blocker):
    """The demo data of ``seed_demo``; returns what the command printed."""
    with django_db_blocker.unblock():
        if not _demo_database.is_loaded():
            # Only if the committed seed was lost since the previous test: seed inside this
            # test (rolled back with it), never give a test missing data.
            _demo_database.seed()
    return _demo_database.output


def _uses_db(item) -> bool:
    fixtures = getattr(item, "fixturenames", ())
    return item.get_closest_marker("django_db") is not None or any(
        name in fixtures for name in ("_django_db_helper", "live_server")
    )


def _is_transactional(item) -> bool:
    from pytest_django.fixtures import validate_django_db

    marker = item.get_closest_marker("django_db")
    transaction, reset_sequences, *_ = validate_django_db(marker) if marker else (False, False)
    fixtures = getattr(item, "fixturenames", ())
    return bool(transaction or reset_sequences) or any(
        name in fixtures for name in ("transactional_db", "live_server")
    )


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items):
    # pytest-django then sorts the items (stable): plain database tests, transactional ones,
    # the others. Seed once: the tests using the demo data end the first group and start the
    # second (a transactional test starts from what is committed, and flushes when it ends).
    def order(item):
        if DEMO_FIXTURE not in getattr(item, "fixturenames", ()):
            return 1
        return 0 if _is_transactional(item) else 2

    items.sort(key=order)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    try:
        return (yield)
    finally:
        database = item.config.stash.get(DEMO_DATABASE, None)
        # Committed, before the next test opens its transaction.
        if database is not None and nextitem is not None:
            if DEMO_FIXTURE in getattr(nextitem, "fixturenames", ()):
                database.load()
            elif _uses_db(nextitem):
                database.clear()
