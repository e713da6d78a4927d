"""A continuous window with decisions published session by session, for the public pages."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Max
from django.utils import timezone

from jury.committee import workflow as committee
from jury.models import AgendaItem, Award, CommitteeSession
from submissions.models import Dossier, DossierState
from tests.factories import AdministrationFactory, CategoryFactory, MinistryFactory, valid_siret
from tests.jury.window_data import on_agenda, proposed, session, submitted, window

MARCH = date(2021, 3, 15)
APRIL = date(2021, 4, 15)


@dataclass
class DecidedWindow:
    w: object
    march: CommitteeSession
    april: CommitteeSession
    dossiers: dict = field(default_factory=dict)

    @property
    def call(self):
        return self.w.call


def decided_window(*, envelope=Decimal("200000.00"), publish_april=False) -> DecidedWindow:
    """A window with a published session of 15 March 2021 (one laureate, one refusal), a
    session of 15 April 2021 with one decision recorded (published if ``publish_april``) and
    a dossier still in instruction."""
    w = window(envelope=envelope, title="Guichet des tests", slug="guichet-des-tests")
    w.category.name = "Données ouvertes"
    w.category.save()
    interior = MinistryFactory(name="Ministère de l’Intérieur")
    dnum = AdministrationFactory(
        name="Direction du numérique", acronym="DNUM", ministry=interior, kind="central"
    )
    prefecture = AdministrationFactory(
        name="Préfecture du Nord", ministry=interior, kind="deconcentrated"
    )
    dossiers = {}
    for key, title, administration, requested in (
        ("accepted", "Projet retenu en mars", dnum, Decimal("50000.00")),
        ("refused", "PROJET-REFUSE-EN-MARS", prefecture, Decimal("30000.00")),
        ("april", "Projet décidé en avril", prefecture, Decimal("60000.00")),
        ("pending", "PROJET-EN-INSTRUCTION", dnum, Decimal("20000.00")),
    ):
        dossier, _agent = submitted(w, requested=requested, administration=administration)
        Dossier.objects.filter(pk=dossier.pk).update(title=title)
        dossier.refresh_from_db()
        dossiers[key] = dossier
    proposed(w, dossiers["accepted"], amount=Decimal("40000.00"))
    proposed(w, dossiers["refused"], accept=False, reason="MOTIF-DU-REFUS")
    proposed(w, dossiers["april"])
    march = session(w, MARCH)
    for item in on_agenda(w, march, dossiers["accepted"], dossiers["refused"]):
        committee.follow_proposal(w.staff, item)
    committee.publish_session(w.staff, march)
    april = session(w, APRIL)
    [item] = on_agenda(w, april, dossiers["april"])
    committee.follow_proposal(w.staff, item)
    if publish_april:
        committee.publish_session(w.staff, april)
    march.refresh_from_db()
    april.refresh_from_db()
    return DecidedWindow(w, march, april, dossiers)


def bulk_window_decisions(call, day, count, *, published=True, start=1000):
    """A session of ``call`` on ``day`` with ``count`` decided dossiers (one in three refused),
    written in a few queries; published now unless ``published=False``."""
    taken = call.dossiers.aggregate(top=Max("number"))["top"] or 0
    start = max(start, taken + 1)
    now = timezone.now()
    sess = CommitteeSession.objects.create(
        call=call, date=day, published_at=now if published else None
    )
    category = CategoryFactory(call=call)
    administrations = [
        AdministrationFactory(kind=("central", "operator")[i % 2], siret=valid_siret(start + i))
        for i in range(5)
    ]
    dossiers = Dossier.objects.bulk_create(
        [
            Dossier(
                call=call,
                administration=administrations[i % 5],
                category=category,
                number=start + i,
                reference=Dossier.reference_for(call, start + i),
                state=DossierState.NOT_SELECTED if i % 3 == 2 else DossierState.LAUREATE,
                title=f"Projet du guichet {start + i}",
                subtitle="Sous-titre",
                submitted_at=now - timedelta(days=40),
                requested_amount=Decimal("20000.00"),
                total_budget=Decimal("40000.00"),
            )
            for i in range(count)
        ]
    )
    AgendaItem.objects.bulk_create([AgendaItem(session=sess, dossier=d) for d in dossiers])
    Award.objects.bulk_create(
        [
            Award(
                dossier=dossier,
                session=sess,
                decision=(
                    Award.Decision.LAUREATE
                    if dossier.state == DossierState.LAUREATE
                    else Award.Decision.NOT_SELECTED
                ),
                granted_amount=(
                    Decimal("15000.00") if dossier.state == DossierState.LAUREATE else None
                ),
                slug=f"projet-du-guichet-{dossier.number}"
                if dossier.state == DossierState.LAUREATE
                else "",
                convention_date=date(2021, 5, 1),
                payment_period="2021-06-01",
            )
            for dossier in dossiers
        ]
    )
    return sess, dossiers
