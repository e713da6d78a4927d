"""A hand-built set of calls for the statistics and open data tests.

One call with published results (``published``) whose funnel is known by heart, plus
internal material with distinctive strings that must never reach a public page or dataset.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Max
from django.utils import timezone

from jury.models import Award, HearingSlot, Score
from submissions.models import Dossier, DossierState
from tests.factories import (
    AdministrationFactory,
    CallFactory,
    CategoryFactory,
    CriterionFactory,
    DossierFactory,
    MinistryFactory,
    ProgrammeFactory,
    valid_siret,
)
from tests.jury.factories import (
    AwardFactory,
    DeliberationFactory,
    EvaluationFactory,
    HearingSessionFactory,
    JuryFactory,
    JuryMemberFactory,
)

# Strings planted in internal data: none may appear in any public output.
SECRETS = [
    "BROUILLON-SECRET",
    "LAUREAT-NON-PUBLIE",
    "LAUREAT-FUTUR",
    "LAUREAT-APPEL-PRIVE",
    "LAUREAT-PROGRAMME-PRIVE",
    "COMMENTAIRE-SECRET-JURY",
    "MOTIF-INTERNE",
    "PV-SECRET",
    "RESUME-NON-RETENU",
    "camille.martin@exemple.gouv.fr",
    "Camille Martin",
    "CONTACT-SECRET",
    "DECISION-NON-PUBLIEE",
    "3.71",
    "3,71",
]

GRANT_SIRET = "21750001600019"
# The programme's identifier in the aid schemes' register (SCDL ``dispositifAide``).
AID_SCHEME_ID = "65d5b6c7-102c-4440-ac3b-768f708edc0a"


@dataclass
class Dataset:
    programme: object
    published: object  # the call whose results are published
    jury: object
    laureates: list = field(default_factory=list)
    others: dict = field(default_factory=dict)


def _results_call(programme, published_at, **kwargs):
    now = timezone.now()
    call = CallFactory(
        programme=programme,
        opens_at=now - timedelta(days=120),
        closes_at=now - timedelta(days=60),
        **kwargs,
    )
    if published_at is not None:
        type(call).objects.filter(pk=call.pk).update(results_published_at=published_at)
        call.refresh_from_db()
    return call


def laureate(call, title, *, amount=Decimal("40000.00"), award=None, **kwargs):
    kwargs.setdefault("submitted_at", timezone.now() - timedelta(days=90))
    dossier = DossierFactory(call=call, state=DossierState.LAUREATE, title=title, **kwargs)
    return AwardFactory(dossier=dossier, granted_amount=amount, **(award or {}))


def build(publish_amounts=True) -> Dataset:
    now = timezone.now()
    programme = ProgrammeFactory(
        title="France Relance", slug="france-relance", aid_scheme_id=AID_SCHEME_ID
    )
    call = _results_call(programme, now - timedelta(days=1), title="Appel n° 1", slug="appel-1")
    jury = JuryFactory(call=call)
    DeliberationFactory(jury=jury, publish_amounts=publish_amounts, minutes="PV-SECRET")
    members = [JuryMemberFactory(jury=jury) for _ in range(3)]
    first, second = (
        CategoryFactory(call=call, name="Données"),
        CategoryFactory(call=call, name="Algorithmes"),
    )
    interior, economy = MinistryFactory(name="Intérieur"), MinistryFactory(name="Économie")
    central = AdministrationFactory(
        name="Direction centrale", kind="central", ministry=interior, siret=GRANT_SIRET
    )
    operator = AdministrationFactory(name="Opérateur public", kind="operator", ministry=economy)
    service = AdministrationFactory(
        name="Service déconcentré", kind="deconcentrated", ministry=interior
    )

    signed = laureate(
        call,
        "Projet lauréat signé",
        amount=Decimal("50000"),
        administration=central,
        category=first,
        requested_amount=Decimal("60000.00"),
        subtitle="Un sous-titre",
        award={
            "convention_date": date(2021, 4, 1),
            "decision_reference": "DEC-2021-07",
            "payment_period": "2021-04-15/2021-12-31",
            "payment_terms": Award.PaymentTerms.STAGED,
            "reason": "MOTIF-INTERNE",
        },
    )
    unsigned = laureate(
        call,
        '=HYPERLINK("http://exemple.org")',
        amount=Decimal("30000.50"),
        administration=operator,
        category=second,
        requested_amount=Decimal("35000.00"),
    )
    submitted_at = now - timedelta(days=90)
    not_selected = DossierFactory(
        call=call,
        state=DossierState.NOT_SELECTED,
        administration=central,
        category=first,
        submitted_at=submitted_at,
        title="Projet non retenu",
        contact_name="CONTACT-SECRET",
    )
    AwardFactory(
        dossier=not_selected,
        decision=Award.Decision.NOT_SELECTED,
        granted_amount=None,
        public_summary="RESUME-NON-RETENU",
    )
    DossierFactory(
        call=call,
        state=DossierState.NOT_PRESELECTED,
        administration=service,
        category=second,
        submitted_at=submitted_at,
    )
    DossierFactory(
        call=call,
        state=DossierState.WITHDRAWN,
        administration=service,
        category=second,
        submitted_at=submitted_at,
    )
    DossierFactory(call=call, title="BROUILLON-SECRET", administration=operator, category=first)

    session = HearingSessionFactory(jury=jury)
    start = now - timedelta(days=30)
    for index, (dossier, absent) in enumerate(
        [(signed.dossier, False), (unsigned.dossier, False), (not_selected, True)]
    ):
        HearingSlot.objects.create(
            session=session,
            dossier=dossier,
            starts_at=start + timedelta(minutes=20 * index),
            ends_at=start + timedelta(minutes=20 * index + 15),
            absent=absent,
        )
    evaluation = EvaluationFactory(
        member=members[0], dossier=signed.dossier, comment="COMMENTAIRE-SECRET-JURY"
    )
    Score.objects.create(
        evaluation=evaluation, criterion=CriterionFactory(call=call), value=Decimal("3.71")
    )

    # Laureates the public must not see.
    unpublished = _results_call(programme, None)
    laureate(unpublished, "LAUREAT-NON-PUBLIE")
    future = _results_call(programme, now + timedelta(days=3))
    laureate(future, "LAUREAT-FUTUR")
    private_call = _results_call(programme, now - timedelta(days=2), is_public=False)
    laureate(private_call, "LAUREAT-APPEL-PRIVE")
    private_programme = ProgrammeFactory(is_public=False)
    laureate(_results_call(private_programme, now - timedelta(days=2)), "LAUREAT-PROGRAMME-PRIVE")
    # A preselected dossier with a recorded (internal) laureate decision on the public call.
    pending = DossierFactory(
        call=call,
        state=DossierState.PRESELECTED,
        submitted_at=submitted_at,
        title="DECISION-NON-PUBLIEE",
    )
    AwardFactory(dossier=pending)
    return Dataset(
        programme=programme,
        published=call,
        jury=jury,
        laureates=[signed, unsigned],
        others={
            "unpublished": unpublished,
            "future": future,
            "private_call": private_call,
            "not_selected": not_selected,
            "pending": pending,
        },
    )


def bulk_laureates(call, count, start=1000):
    """``count`` laureates of ``call`` in a few queries, spread over administrations."""
    # Numbers above whatever the factories' sequence already gave in this call.
    taken = call.dossiers.aggregate(top=Max("number"))["top"] or 0
    start = max(start, taken + 1)
    ministries = [MinistryFactory() for _ in range(3)]
    categories = [CategoryFactory(call=call) for _ in range(3)]
    administrations = [
        AdministrationFactory(
            ministry=ministries[i % 3],
            kind=("central", "operator")[i % 2],
            # One SIRET per establishment (unique): distinct from the grant's and each other's.
            siret=valid_siret(start + i),
        )
        for i in range(5)
    ]
    dossiers = Dossier.objects.bulk_create(
        [
            Dossier(
                call=call,
                administration=administrations[i % 5],
                category=categories[i % 3],
                number=start + i,
                reference=Dossier.reference_for(call, start + i),
                state=DossierState.LAUREATE,
                title=f"Projet en nombre {start + i}",
                subtitle="Sous-titre",
                submitted_at=timezone.now() - timedelta(days=50),
                requested_amount=Decimal("20000.00"),
                total_budget=Decimal("40000.00"),
            )
            for i in range(count)
        ]
    )
    Award.objects.bulk_create(
        [
            Award(
                dossier=dossier,
                decision=Award.Decision.LAUREATE,
                granted_amount=Decimal("15000.00"),
                convention_date=date(2021, 5, 1),
                payment_period="2021-06-01",
            )
            for dossier in dossiers
        ]
    )
    return dossiers
