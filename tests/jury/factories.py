"""factory_boy factories for the jury app.

They create rows directly to set up tests; the application itself goes through
``jury.workflow`` and friends.
"""

from datetime import date, time
from decimal import Decimal

import factory
from django.utils import timezone

from jury.models import (
    Award,
    ConflictOfInterest,
    Deliberation,
    Evaluation,
    HearingSession,
    Jury,
    JuryMember,
    Recommendation,
    Score,
)
from submissions.models import DossierState
from tests.factories import CallFactory, DossierFactory, StaffFactory, UserFactory


class JuryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Jury

    call = factory.SubFactory(CallFactory)
    name = factory.LazyAttribute(lambda o: f"Jury — {o.call.title}")


class JuryMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = JuryMember

    jury = factory.SubFactory(JuryFactory)
    user = factory.SubFactory(UserFactory)
    public_name = factory.Sequence(lambda n: f"Experte {n}")
    title = "Responsable des données"
    affiliation = "Direction interministérielle du numérique"


def preselected(jury, **kwargs):
    """A dossier of the jury's call, preselected (before the jury)."""
    kwargs.setdefault("state", DossierState.PRESELECTED)
    kwargs.setdefault("submitted_at", timezone.now())
    return DossierFactory(call=jury.call, **kwargs)


class ConflictFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ConflictOfInterest

    member = factory.SubFactory(JuryMemberFactory)
    dossier = factory.LazyAttribute(lambda o: preselected(o.member.jury))
    kind = ConflictOfInterest.Kind.SAME_ADMINISTRATION
    declared_by = factory.LazyAttribute(lambda o: o.member.user)


class EvaluationFactory(factory.django.DjangoModelFactory):
    """A submitted evaluation (pass ``submitted_at=None`` for a draft), without scores."""

    class Meta:
        model = Evaluation

    member = factory.SubFactory(JuryMemberFactory)
    dossier = factory.LazyAttribute(lambda o: preselected(o.member.jury))
    comment = "Projet solide."
    recommendation = Recommendation.FAVOURABLE
    submitted_at = factory.LazyFunction(timezone.now)


class ScoreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Score

    evaluation = factory.SubFactory(EvaluationFactory)
    criterion = None  # must be given: a criterion of the evaluation's call
    value = Decimal("3")


class HearingSessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = HearingSession

    jury = factory.SubFactory(JuryFactory)
    date = date(2021, 2, 10)
    place = "20 avenue de Ségur, Paris"
    starts_at = time(8, 30)
    ends_at = time(19, 0)
    slot_minutes = 15


class DeliberationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Deliberation

    jury = factory.SubFactory(JuryFactory)


class AwardFactory(factory.django.DjangoModelFactory):
    """A laureate decision with a granted amount (``decision=NOT_SELECTED`` and
    ``granted_amount=None`` for the other outcome)."""

    class Meta:
        model = Award

    dossier = factory.SubFactory(DossierFactory, state=DossierState.PRESELECTED)
    decision = Award.Decision.LAUREATE
    granted_amount = Decimal("50000.00")
    recorded_by = factory.SubFactory(StaffFactory)
