"""factory_boy factories shared by the test suite."""

from datetime import timedelta
from decimal import Decimal

import factory
from django.utils import timezone
from stdnum import luhn

from calls.models import (
    Call,
    CallKind,
    Category,
    Criterion,
    Programme,
    ProgrammeRole,
    ProgrammeRoleKind,
    RequiredDocument,
)
from relance.models import User

DEFAULT_PASSWORD = "mot-de-passe-de-test-42"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"agent{n}@exemple.gouv.fr")
    first_name = "Camille"
    last_name = factory.Sequence(lambda n: f"Agent{n}")
    # Confirmed, as accounts made before confirmation existed; ``email_confirmed_at=None``
    # makes a new, unconfirmed one.
    email_confirmed_at = factory.LazyFunction(timezone.now)
    password = factory.PostGenerationMethodCall("set_password", DEFAULT_PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class ProgrammeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Programme

    title = factory.Sequence(lambda n: f"Programme {n}")
    slug = factory.Sequence(lambda n: f"programme-{n}")
    operator = "Etalab — DINUM"
    summary = "Cofinancer les projets des administrations autour de la donnée."


DEFAULT_PROGRAMME_SLUG = "programme-des-tests"


def default_programme() -> Programme:
    """The programme of every factory-made call unless a test says otherwise."""
    programme, _ = Programme.objects.get_or_create(
        slug=DEFAULT_PROGRAMME_SLUG,
        defaults={
            "title": "Programme des tests",
            "operator": "Etalab — DINUM",
            "summary": "Cofinancer les projets des administrations autour de la donnée.",
        },
    )
    return programme


def grant(user, programme, role=ProgrammeRoleKind.INSTRUCTOR):
    """Give ``user`` a role in ``programme`` (a test's set-up; the product uses calls.team)."""
    from calls.permissions import forget_roles

    ProgrammeRole.objects.update_or_create(programme=programme, user=user, defaults={"role": role})
    forget_roles(user)
    return user


class StaffFactory(UserFactory):
    """A staff account, instructor of ``programmes`` (default: the tests' programme).

    ``StaffFactory(programmes=[])`` makes a staff account with no role;
    ``programmes__role=ProgrammeRoleKind.MANAGER`` makes a manager.
    """

    is_staff = True

    @factory.post_generation
    def programmes(obj, create, extracted, **kwargs):
        if not create:
            return
        role = kwargs.get("role", ProgrammeRoleKind.INSTRUCTOR)
        for programme in [default_programme()] if extracted is None else extracted:
            grant(obj, programme, role)


class CallFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Call

    programme = factory.LazyFunction(default_programme)
    kind = CallKind.ROUND
    number = factory.Sequence(lambda n: n + 1)
    title = factory.Sequence(lambda n: f"Appel à projets n° {n + 1}")
    slug = factory.Sequence(lambda n: f"appel-{n + 1}")
    summary = "Un appel pour des projets autour de la donnée."
    opens_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=10))
    closes_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=20))
    # Published unless a test makes a draft (``published_at=None``).
    published_at = factory.LazyFunction(timezone.now)


class ContinuousCallFactory(CallFactory):
    kind = CallKind.CONTINUOUS
    number = None
    closes_at = None
    amount_ceiling = Decimal("100000.00")


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category

    call = factory.SubFactory(CallFactory)
    name = factory.Sequence(lambda n: f"Catégorie {n}")
    order = factory.Sequence(lambda n: n)


class RequiredDocumentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RequiredDocument

    call = factory.SubFactory(CallFactory)
    label = factory.Sequence(lambda n: f"Pièce {n}")
    order = factory.Sequence(lambda n: n)


class CriterionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Criterion

    call = factory.SubFactory(CallFactory)
    label = factory.Sequence(lambda n: f"Critère {n}")
    weight = Decimal("1")
    scale_max = 5
    order = factory.Sequence(lambda n: n)


# Dossiers ---------------------------------------------------------------------------

from submissions.models import (  # noqa: E402
    Administration,
    Dossier,
    DossierState,
    Membership,
    Ministry,
)


def valid_siret(n: int) -> str:
    """A distinct, valid SIRET for each ``n``: a SIREN with its key, then a NIC with its key."""
    siren = f"{n % 10**8:08d}"
    siren += luhn.calc_check_digit(siren)
    nic = f"{n // 10**8 % 10**4:04d}"
    return siren + nic + luhn.calc_check_digit(siren + nic)


class MinistryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Ministry

    name = factory.Sequence(lambda n: f"Ministère n° {n}")


class AdministrationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Administration

    name = factory.Sequence(lambda n: f"Direction n° {n}")
    kind = "central"
    ministry = factory.SubFactory(MinistryFactory)


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    administration = factory.SubFactory(AdministrationFactory)


def agent_of(administration, **kwargs):
    """A user attached to ``administration``."""
    return MembershipFactory(administration=administration, user=UserFactory(**kwargs)).user


class DossierFactory(factory.django.DjangoModelFactory):
    """A complete dossier (every field a submission needs), in ``state`` (draft by default).

    Creating one directly in a later state is for setting up tests only; the application
    changes states through ``submissions.workflow``.
    """

    class Meta:
        model = Dossier

    call = factory.SubFactory(CallFactory)
    administration = factory.SubFactory(AdministrationFactory)
    number = factory.Sequence(lambda n: n + 1)
    reference = factory.LazyAttribute(lambda o: Dossier.reference_for(o.call, o.number))
    state = DossierState.DRAFT
    title = factory.Sequence(lambda n: f"Projet de données n° {n}")
    subtitle = "Mieux piloter l’action publique par la donnée"
    category = factory.LazyAttribute(lambda o: CategoryFactory(call=o.call))
    summary = "Résumé du projet."
    description = "Description du projet."
    benefits_self = "Gains pour l’administration."
    benefits_others = "Gains pour les autres administrations."
    technical_approach = "API et entrepôt de données."
    sustainability = "Équipe pérenne."
    timeline = "Six mois."
    total_budget = Decimal("150000.00")
    requested_amount = Decimal("75000.00")
    contact_name = "Camille Martin"
    contact_email = "camille.martin@exemple.gouv.fr"
