"""Demo data: the loader shared by every app, and the core demo accounts.

Each of our apps may provide a ``demo`` module with a ``load(stdout)`` function that
creates its demo data idempotently (``update_or_create`` on natural keys) and returns the
demo logins it created as ``(role, email, password)`` tuples. :func:`load_all` calls them
in the order of ``INSTALLED_APPS`` (relance, calls, submissions, jury: dependencies first)
without importing them statically, so ``relance`` keeps depending on no other app.

The passwords below are public: they only exist to try the service on a development
machine. ``seed_demo`` refuses to run when ``DEBUG`` is off unless forced.
"""

from __future__ import annotations

from collections.abc import Iterable
from importlib import import_module
from typing import NamedTuple

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import module_has_submodule

DEMO_APPS = ("relance", "calls", "submissions", "jury")
DEMO_MODULE = "demo"


class DemoLogin(NamedTuple):
    role: str
    email: str
    password: str


STAFF_LOGIN = DemoLogin(
    "Instructeur DINUM/DITP (staff)", "instructeur@demo.relance.gouv.fr", "Instruire-Relance-2021"
)
MANAGER_LOGIN = DemoLogin(
    "Responsable du programme (staff)",
    "responsable@demo.relance.gouv.fr",
    "Piloter-Relance-2021",
)
ADMIN_LOGIN = DemoLogin(
    "Superutilisateur (admin Django)", "admin@demo.relance.gouv.fr", "Administrer-Relance-2021"
)


def ensure_demo_user(
    login: DemoLogin, *, first_name: str, last_name: str, is_staff=False, is_superuser=False
):
    """Create or update a demo account so that ``login`` works; idempotent."""
    User = get_user_model()
    user, _ = User.objects.update_or_create(
        email=login.email,
        defaults={
            "first_name": first_name,
            "last_name": last_name,
            "is_staff": is_staff,
            "is_superuser": is_superuser,
            "is_active": True,
        },
    )
    # Demo addresses are not real mailboxes: the accounts are confirmed as they are made.
    if user.email_confirmed_at is None:
        user.email_confirmed_at = timezone.now()
        user.save(update_fields=["email_confirmed_at"])
    # Only rehash when needed, so a second run leaves the row as it was.
    if not user.check_password(login.password):
        validate_password(login.password, user)
        user.set_password(login.password)
        user.save(update_fields=["password"])
    return user


def load(stdout) -> list[DemoLogin]:
    """Demo accounts of the core app: two staff accounts and one superuser.

    Their roles in the demo programme are given by ``calls.demo``.
    """
    ensure_demo_user(
        STAFF_LOGIN, first_name="Camille", last_name="Instructrice (démo)", is_staff=True
    )
    ensure_demo_user(
        MANAGER_LOGIN, first_name="Maëlle", last_name="Responsable (démo)", is_staff=True
    )
    ensure_demo_user(
        ADMIN_LOGIN,
        first_name="Dominique",
        last_name="Administratrice (démo)",
        is_staff=True,
        is_superuser=True,
    )
    stdout.write(
        "Comptes de démonstration : responsable du programme, instructeur et superutilisateur."
    )
    return [MANAGER_LOGIN, STAFF_LOGIN, ADMIN_LOGIN]


def demo_modules():
    """The ``demo`` modules of our apps, in the order of ``INSTALLED_APPS``."""
    modules = []
    for config in apps.get_app_configs():
        if config.name not in DEMO_APPS or not module_has_submodule(config.module, DEMO_MODULE):
            continue
        module = import_module(f"{config.name}.{DEMO_MODULE}")
        if callable(getattr(module, "load", None)):
            modules.append(module)
    return modules


def load_all(stdout) -> list[DemoLogin]:
    """Load the demo data of every app in one transaction; return all the demo logins."""
    logins: list[DemoLogin] = []
    with transaction.atomic():
        for module in demo_modules():
            logins.extend(DemoLogin(*login) for login in module.load(stdout) or [])
    return logins


def format_logins(logins: Iterable[DemoLogin]) -> str:
    """The demo logins as a plain-text table."""
    rows = [DemoLogin("Rôle", "Adresse électronique", "Mot de passe"), *logins]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    lines = [
        "  ".join(value.ljust(width) for value, width in zip(row, widths, strict=True))
        for row in rows
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(line.rstrip() for line in lines)
