"""The demo data loader (`seed_demo`) and the `demo` command's helpers."""

from datetime import datetime, timedelta
from decimal import Decimal
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings
from django.utils import timezone

from calls import demo as calls_demo
from calls import publication
from calls.models import Call, CallKind, CallStatus, Programme
from relance import demo as relance_demo
from relance.management.commands.demo import public_url
from relance.models import User

PARIS = ZoneInfo("Europe/Paris")

CATEGORIES = [
    "Plateformes d’échange, de collecte ou de visualisation intelligente des données",
    "Projets de pilotage par la donnée",
    "Développement d’API",
    "Exploitation des données / Data Sciences",
    "Montée en qualité et automatisation de la collecte des données",
    "Catalogue de données",
]


def seed(**options):
    out = StringIO()
    # pytest-django runs tests with DEBUG off: the guard is exercised separately below.
    call_command("seed_demo", force=True, stdout=out, **options)
    return out.getvalue()


def counts():
    return {model._meta.label: model.objects.count() for model in apps.get_models()}


def snapshot():
    """Every row of our apps, minus the timestamps ``update_or_create`` refreshes."""
    rows = {}
    for model in apps.get_models():
        if model._meta.app_label not in relance_demo.DEMO_APPS:
            continue
        fields = [
            f.attname
            for f in model._meta.concrete_fields
            if not getattr(f, "auto_now", False) and f.name not in ("last_login", "updated_at")
        ]
        rows[model._meta.label] = list(model.objects.order_by("pk").values_list(*fields))
    return rows


@pytest.mark.django_db
def test_seed_demo_twice_is_idempotent(seeded):
    first_counts, first_rows = counts(), snapshot()
    seed()
    assert counts() == first_counts
    assert snapshot() == first_rows
    assert Programme.objects.filter(slug=calls_demo.PROGRAMME_SLUG).count() == 1
    assert Call.objects.filter(programme__slug=calls_demo.PROGRAMME_SLUG).count() == 7


@pytest.mark.django_db
def test_reference_programme_and_calls(seeded):
    programme = Programme.objects.get(slug=calls_demo.PROGRAMME_SLUG)
    assert programme.title == "Développer l’utilisation de la donnée dans votre administration"
    assert programme.operator == "Etalab — Direction interministérielle du numérique (DINUM)"
    assert "pilotage public par la donnée" in programme.summary
    assert len(programme.summary) <= 600
    assert programme.is_public

    calls = {c.slug: c for c in Call.objects.filter(slug__in=calls_demo.REFERENCE_CALL_SLUGS)}
    assert set(calls) == set(calls_demo.REFERENCE_CALL_SLUGS)
    for call in calls.values():
        assert call.programme == programme
        assert not call.is_demo
        assert [c.name for c in call.categories.all()] == CATEGORIES
        criteria = list(call.criteria.all())
        assert [c.label for c in criteria] == [label for label, _ in calls_demo.CRITERIA]
        assert {(c.weight, c.scale_max) for c in criteria} == {(Decimal("1"), 5)}
        assert call.eligible_kinds == ["central", "deconcentrated", "operator"]
        assert not call.accepts_kind("local_authority")
        assert "transformation numérique des collectivités territoriales" in (call.ineligible_note)
        assert call.ineligible_link.startswith("https://france-relance.transformation.gouv.fr/")

    round_1 = calls[calls_demo.ROUND_1_SLUG]
    assert (round_1.kind, round_1.number) == (CallKind.ROUND, 1)
    assert round_1.closes_at == datetime(2020, 12, 15, 23, 59, 59, tzinfo=PARIS)
    assert round_1.results_published_at == datetime(2021, 3, 3, 12, 4, tzinfo=PARIS)
    assert round_1.status == CallStatus.RESULTS_PUBLISHED

    # Rounds 2 and 3 as a manager finds them: round 2 published, opening in a few weeks;
    # round 3 a complete draft, invisible to the public.
    round_2, round_3 = calls[calls_demo.ROUND_2_SLUG], calls[calls_demo.ROUND_3_SLUG]
    assert (round_2.number, round_3.number) == (2, 3)
    now = timezone.now()
    assert not round_2.is_draft and round_2.status == CallStatus.UPCOMING
    assert timedelta(weeks=2) < round_2.opens_at - now < timedelta(weeks=4)
    assert round_3.is_draft and round_3.opens_at > round_2.closes_at
    assert round_2 in Call.objects.public() and round_3 not in Call.objects.public()
    assert publication.call_problems(round_2) == [] and publication.call_problems(round_3) == []
    assert round_1.documents.count() == len(calls_demo.DOCUMENTS)

    window = calls[calls_demo.CONTINUOUS_SLUG]
    assert window.kind == CallKind.CONTINUOUS
    assert window.number is None
    assert window.opens_at == datetime(2021, 2, 1, tzinfo=PARIS)
    assert window.closes_at == datetime(2021, 12, 31, 23, 59, 59, tzinfo=PARIS)
    assert window.amount_ceiling == Decimal("100000")
    assert window.accepts_amount(Decimal("99999.99"))
    assert not window.accepts_amount(Decimal("100000"))
    # Demo values the announcement does not give, said so on the call's page.
    assert window.envelope == Decimal("3000000.00")
    assert window.instruction_days == 30
    assert window.envelope_exhausted_at is None
    assert "Données de démonstration" in window.description
    assert "3 000 000 euros" in window.description


@pytest.mark.django_db
def test_demo_call_is_open_now_and_clearly_labelled(seeded):
    call = Call.objects.get(slug=calls_demo.DEMO_CALL_SLUG)
    assert call.is_demo
    assert call.title.startswith("[Démonstration]")
    assert call.is_open
    assert call in Call.objects.open()
    assert [c.name for c in call.categories.all()] == CATEGORIES
    assert call.criteria.count() == 4


@pytest.mark.django_db
def test_demo_call_is_reopened_when_the_seed_runs_later(seeded):
    # As if the data had been loaded long ago: the demonstration call has closed since.
    Call.objects.filter(slug=calls_demo.DEMO_CALL_SLUG).update(
        opens_at=datetime(2020, 1, 1, tzinfo=PARIS), closes_at=datetime(2020, 2, 1, tzinfo=PARIS)
    )
    assert not Call.objects.get(slug=calls_demo.DEMO_CALL_SLUG).is_open
    seed()
    call = Call.objects.get(slug=calls_demo.DEMO_CALL_SLUG)
    assert call.is_open
    assert call.closes_at - timezone.now() > timedelta(weeks=4)


@pytest.mark.django_db
def test_the_demonstration_window_is_always_open_with_an_envelope(seeded):
    window = Call.objects.get(slug=calls_demo.DEMO_WINDOW_SLUG)
    assert window.is_demo and window.is_continuous
    assert window.title.startswith("[Démonstration]")
    assert window.closes_at is None
    assert window.is_open and window in Call.objects.open()
    assert window.envelope == Decimal("1000000.00")
    assert window.instruction_days == 30
    assert window.accepts_amount(Decimal("99999.99"))
    assert not window.accepts_amount(Decimal("100000"))
    assert [c.name for c in window.categories.all()] == CATEGORIES


@pytest.mark.django_db
def test_a_rerun_reopens_the_demonstration_window_once_its_envelope_is_used_up(seeded):
    Call.objects.filter(slug=calls_demo.DEMO_WINDOW_SLUG).update(
        envelope_exhausted_at=timezone.now()
    )
    assert not Call.objects.get(slug=calls_demo.DEMO_WINDOW_SLUG).is_open
    seed()
    assert Call.objects.get(slug=calls_demo.DEMO_WINDOW_SLUG).is_open


@pytest.mark.django_db
def test_demo_calls_are_on_the_public_pages(seeded, client):
    home = client.get("/").content.decode()
    assert "[Démonstration] Appel à projets pour essayer le service" in home
    assert "[Démonstration] Guichet en continu pour essayer le service" in home
    listing = client.get("/appels/").content.decode()
    assert "Guichet en continu 2021" in listing
    assert client.get(f"/appels/{calls_demo.ROUND_1_SLUG}/").status_code == 200


@pytest.mark.django_db
def test_demo_accounts_and_printed_logins(seeded, client):
    output = seeded
    staff = User.objects.get(email=relance_demo.STAFF_LOGIN.email)
    admin = User.objects.get(email=relance_demo.ADMIN_LOGIN.email)
    assert staff.is_staff and not staff.is_superuser
    assert admin.is_staff and admin.is_superuser
    assert "démo" in staff.get_full_name() and "démo" in admin.get_full_name()
    for login in (relance_demo.STAFF_LOGIN, relance_demo.ADMIN_LOGIN):
        validate_password(login.password, User.objects.get(email=login.email))
        assert authenticate(email=login.email, password=login.password) is not None
        line = next(line for line in output.splitlines() if login.email in line)
        assert login.role in line and login.password in line
    assert "Comptes de démonstration" in output

    # The superuser's login opens the Django admin.
    client.post(
        "/admin/login/",
        {"username": relance_demo.ADMIN_LOGIN.email, "password": relance_demo.ADMIN_LOGIN.password},
    )
    assert client.get("/admin/").status_code == 200


@pytest.mark.django_db
def test_demo_password_is_restored_but_not_rehashed_needlessly(seeded):
    staff = User.objects.get(email=relance_demo.STAFF_LOGIN.email)
    hashed = staff.password
    seed()
    staff.refresh_from_db()
    assert staff.password == hashed
    staff.set_password("Un-autre-mot-de-passe-42")
    staff.save()
    seed()
    staff.refresh_from_db()
    assert staff.check_password(relance_demo.STAFF_LOGIN.password)


@pytest.mark.django_db
def test_seed_demo_refuses_without_debug_unless_forced():
    with override_settings(DEBUG=False), pytest.raises(CommandError, match="--force"):
        call_command("seed_demo", stdout=StringIO())
    assert not User.objects.exists()
    with override_settings(DEBUG=True):
        call_command("seed_demo", stdout=StringIO())
    assert User.objects.filter(email=relance_demo.STAFF_LOGIN.email).exists()


def test_loader_finds_the_demo_modules_of_our_apps_in_installed_apps_order():
    names = [module.__name__ for module in relance_demo.demo_modules()]
    assert names[:2] == ["relance.demo", "calls.demo"]
    assert set(names) <= {f"{app}.demo" for app in relance_demo.DEMO_APPS}
    # No demo module of a third-party app is picked up.
    assert all(name.split(".")[0] in relance_demo.DEMO_APPS for name in names)


@pytest.mark.django_db
def test_a_failing_app_loader_rolls_everything_back(monkeypatch):
    def broken_load(stdout):
        raise RuntimeError("broken demo data")

    monkeypatch.setattr(calls_demo, "load", broken_load)
    with pytest.raises(RuntimeError):
        seed()
    assert not User.objects.exists()


def test_logins_table_lists_every_login():
    logins = [
        relance_demo.DemoLogin("Candidat", "a@exemple.gouv.fr", "Mot-de-passe-1"),
        relance_demo.DemoLogin("Juré", "juree@exemple.gouv.fr", "Mot-de-passe-2"),
    ]
    table = relance_demo.format_logins(logins).splitlines()
    assert table[0].split() == ["Rôle", "Adresse", "électronique", "Mot", "de", "passe"]
    assert table[2].split() == ["Candidat", "a@exemple.gouv.fr", "Mot-de-passe-1"]
    assert table[3].split() == ["Juré", "juree@exemple.gouv.fr", "Mot-de-passe-2"]


@pytest.mark.parametrize(
    ("addrport", "url"),
    [
        ("127.0.0.1:8000", "http://127.0.0.1:8000/"),
        ("8080", "http://127.0.0.1:8080/"),
        ("0.0.0.0:9000", "http://127.0.0.1:9000/"),
    ],
)
def test_demo_command_prints_the_url_it_serves(addrport, url):
    assert public_url(addrport) == url
