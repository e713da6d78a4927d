"""A generated call at the scale of a large programme, to try and measure the rapporteurs.

``generate_call`` creates a closed round with ``dossiers`` preselected dossiers from
administrations of several ministries, a jury of ``jurors`` members (some of them agents of an
applying administration: their conflicts are suggested as the jury page would), bids, and
review phases set to the assignment. The rows are written directly, as demo data: it is
scaffolding for the demo and the benchmark, not a path of the application.
"""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from calls.models import Call, CallKind, Category, Criterion, Programme
from jury.models import ConflictOfInterest, Jury, JuryMember
from jury.review_models import Bid, ReviewPhase, ReviewSettings
from submissions.models import Administration, Dossier, DossierState, Membership, Ministry

CATEGORIES = (
    "Pilotage par la donnée",
    "Données ouvertes",
    "Intelligence artificielle",
    "Qualité des données",
    "Services aux usagers",
    "Infrastructures",
)
N_MINISTRIES = 12
N_ADMINISTRATIONS = 60


@transaction.atomic
def generate_call(
    programme: Programme, *, slug: str, dossiers=300, jurors=20, per_dossier=2, seed=1
) -> Jury:
    rng = random.Random(seed)  # noqa: S311 - demo data, not security
    now = timezone.now()
    call = Call.objects.create(
        programme=programme,
        kind=CallKind.ROUND,
        number=(Call.objects.filter(programme=programme).count() + 1) * 100,
        title=f"Appel à grande échelle ({dossiers} dossiers)",
        slug=slug,
        summary="Appel généré pour essayer l’attribution des rapporteurs.",
        opens_at=now - timedelta(days=60),
        closes_at=now - timedelta(days=10),
        published_at=now - timedelta(days=60),
    )
    categories = [
        Category.objects.create(call=call, name=name, order=i)
        for i, name in enumerate(CATEGORIES, start=1)
    ]
    for order, label in enumerate(("Bénéfices", "Pertinence technique", "Pérennité"), start=1):
        Criterion.objects.create(call=call, label=label, scale_max=5, order=order)
    ministries = [
        Ministry.objects.get_or_create(name=f"Ministère généré n° {i}")[0]
        for i in range(1, N_MINISTRIES + 1)
    ]
    administrations = [
        Administration.objects.get_or_create(
            name=f"Direction générée n° {i}",
            defaults={"kind": "central", "ministry": ministries[i % N_MINISTRIES]},
        )[0]
        for i in range(1, N_ADMINISTRATIONS + 1)
    ]
    created = Dossier.objects.bulk_create(
        Dossier(
            call=call,
            administration=administrations[rng.randrange(N_ADMINISTRATIONS)],
            number=n,
            reference=Dossier.reference_for(call, n),
            state=DossierState.PRESELECTED,
            submitted_at=now - timedelta(days=12),
            title=f"Projet de données n° {n}",
            category=categories[rng.randrange(len(categories))],
            summary="Résumé du projet.",
            total_budget=Decimal("150000.00"),
            requested_amount=Decimal("75000.00"),
            contact_name="Camille Martin",
            contact_email=f"contact{n}@exemple.gouv.fr",
        )
        for n in range(1, dossiers + 1)
    )
    jury = Jury.objects.create(call=call, name=f"Jury — {call.title}")
    users = get_user_model().objects
    members = []
    for i in range(1, jurors + 1):
        email = f"rapporteur{i}.{slug}@exemple.gouv.fr"
        user = users.filter(email=email).first() or users.create_user(email)
        members.append(
            JuryMember.objects.create(
                jury=jury, user=user, public_name=f"Expert·e {i:02d}", affiliation="Généré"
            )
        )
    by_administration: dict[int, list[int]] = {}
    for dossier in created:
        by_administration.setdefault(dossier.administration_id, []).append(dossier.pk)
    conflicts = []
    for member in members[: jurors // 2]:
        # Half the jurors are agents of one applying administration: a conflict with its dossiers.
        administration = administrations[rng.randrange(N_ADMINISTRATIONS)]
        Membership.objects.get_or_create(user=member.user, administration=administration)
        conflicts += [
            ConflictOfInterest(
                member=member,
                dossier_id=pk,
                kind=ConflictOfInterest.Kind.SAME_ADMINISTRATION,
                suggested_reason="Agent de l’administration candidate.",
                declared_by=member.user,
            )
            for pk in by_administration.get(administration.pk, [])
        ]
    ConflictOfInterest.objects.bulk_create(conflicts)
    conflicted = {(c.member_id, c.dossier_id) for c in conflicts}
    preferences = list(Bid.Preference.values)
    Bid.objects.bulk_create(
        Bid(member=member, dossier=dossier, preference=rng.choice(preferences))
        for member in members
        for dossier in rng.sample(created, min(len(created), 40))
        if (member.pk, dossier.pk) not in conflicted
    )
    ReviewSettings.objects.create(
        jury=jury, phase=ReviewPhase.ASSIGNMENT, rapporteurs_per_dossier=per_dossier
    )
    return jury
