"""Demo data of submissions: ministries, administrations, the 69 dossiers of round 1, the
demo applicants and their dossiers in the demonstration call, and an agent who belongs to no
administration yet (to try asking to join one, e.g. the Ministry of Culture's secretariat
general). The dossiers of the demonstration call before its jury are in
``submissions.demo_jury_call``.

Runs after ``calls.demo`` (``seed_demo`` follows ``INSTALLED_APPS``) and is idempotent:
ministries and administrations are keyed on their names, round-1 dossiers on (call,
reference), accounts on their email, and the demonstration call's dossiers on a fixed
creation token. Round-1 dossiers are restored to the seed on every run (except a jury
outcome recorded since on a preselected dossier); the demonstration call's dossiers are
created once and then left as the people trying the service leave them.

Demo passwords are reset on every run (see ``relance.demo.ensure_demo_user``), so the
printed logins always work; so is the newcomer's situation: every run leaves that account
without administration nor request, so that the join path can be tried again (the dossiers it
may have filed meanwhile stay with their administration). The tables are in
``submissions.demo_data``.
"""

from __future__ import annotations

import random
import uuid
from datetime import datetime, timedelta
from decimal import ROUND_DOWN, Decimal

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db.models import Max
from django.utils import timezone

from calls import demo as calls_demo
from calls.models import Call, CallKind
from relance import audit
from relance.demo import STAFF_LOGIN, DemoLogin, ensure_demo_user
from relance.formatting import PARIS
from relance.models import AuditEntry
from submissions import demo_data as data
from submissions.models import (
    Administration,
    BudgetLine,
    Dossier,
    DossierState,
    Membership,
    MembershipRequest,
    Ministry,
    PreselectionPublication,
)

S = DossierState

APPLICANT_LOGIN = DemoLogin(
    "Agent candidat — Direction du numérique du ministère de l’Intérieur",
    "agent@demo.relance.gouv.fr",
    "Deposer-Dossier-2021",
)
OPERATOR_LOGIN = DemoLogin(
    "Agent candidat — CNAV (opérateur lauréat du premier appel)",
    "agent.cnav@demo.relance.gouv.fr",
    "Exposer-Donnees-2021",
)
LOCAL_AUTHORITY_LOGIN = DemoLogin(
    "Agent de collectivité — Région Normandie (non éligible)",
    "agent.collectivite@demo.relance.gouv.fr",
    "Collectivite-Normandie-2021",
)
NEWCOMER_LOGIN = DemoLogin(
    "Agent sans administration — demande son rattachement (ex. : SG du ministère de la Culture)",
    "agent.nouveau@demo.relance.gouv.fr",
    "Rejoindre-Administration-2021",
)
# (login, administration key, first name, last name)
ACCOUNTS = (
    (APPLICANT_LOGIN, data.APPLICANT_ADMINISTRATION, "Sacha", "Agent DNUM (démo)"),
    (OPERATOR_LOGIN, data.OPERATOR_ADMINISTRATION, "Lou", "Agente CNAV (démo)"),
    (LOCAL_AUTHORITY_LOGIN, data.LOCAL_AUTHORITY_KEY, "Yannick", "Agent Région Normandie (démo)"),
)

# Round 1 (dates the announcement does not give are demo values).
FIRST_CREATION = datetime(2020, 10, 28, tzinfo=PARIS)
LAST_SUBMISSION_DAY = datetime(2020, 12, 15, tzinfo=PARIS)
PRESELECTION_PUBLISHED_AT = datetime(2021, 1, 22, 10, 0, tzinfo=PARIS)
PRESELECTED_REASON = "Projet présélectionné : audition par le jury en février 2021."
ORDER_SEED = "relance-demo-round-1"
# Fixed namespace of the demonstration call's dossier tokens.
DEMO_NAMESPACE = uuid.UUID("5f0c7c3e-8a53-4a43-9d64-1c2b4f1e2a90")

MONTHS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)
CONTACTS = (
    "Claire Dubois",
    "Thomas Lefebvre",
    "Nadia Benali",
    "Julien Moreau",
    "Sophie Garnier",
    "Karim Haddad",
    "Élodie Marchand",
    "Antoine Roussel",
    "Inès Fontaine",
    "Mathieu Perrin",
    "Camille Laurent",
    "Hugo Chevalier",
)

# Generated texts by category: « les données {data} » completes each sentence.
CATEGORY_TEXTS = {
    data.PLATFORMS: {
        "benefits_self": (
            "Un point d’accès unique aux données {data}, aujourd’hui dispersées entre "
            "plusieurs applications : moins de ressaisies et de tableurs échangés par courriel."
        ),
        "benefits_others": (
            "Les administrations partenaires consultent les mêmes données à jour, sans "
            "extraction manuelle ni convention au cas par cas."
        ),
        "technical_approach": (
            "Collecte automatisée depuis les systèmes sources, base PostgreSQL, "
            "visualisations en ligne et exports aux formats ouverts (CSV, JSON), hébergement "
            "sur un cloud de confiance."
        ),
    },
    data.STEERING: {
        "benefits_self": (
            "Des indicateurs fiables et mis à jour automatiquement à partir des données "
            "{data}, pour éclairer les décisions des responsables de programme."
        ),
        "benefits_others": (
            "Les indicateurs consolidés sont partagés avec les services déconcentrés et les "
            "partenaires, et publiés en open data lorsqu’ils ne sont pas sensibles."
        ),
        "technical_approach": (
            "Entrepôt de données alimenté chaque nuit, modèle de données documenté, tableaux "
            "de bord construits avec un outil libre de visualisation (Metabase ou Superset)."
        ),
    },
    data.API: {
        "benefits_self": (
            "Fin des échanges de fichiers et des saisies manuelles : les données {data} "
            "sont transmises automatiquement aux systèmes qui en ont besoin."
        ),
        "benefits_others": (
            "Les administrations habilitées consomment l’API et cessent de demander des "
            "pièces justificatives aux usagers (principe « Dites-le-nous une fois »)."
        ),
        "technical_approach": (
            "API REST documentée (OpenAPI), authentification par jeton, journalisation des "
            "accès, habilitations gérées par DataPass, tests de charge avant ouverture."
        ),
    },
    data.DATA_SCIENCE: {
        "benefits_self": (
            "Mieux cibler l’action des agents en exploitant les données {data}, déjà "
            "collectées mais peu analysées."
        ),
        "benefits_others": (
            "Le code et la méthode sont publiés sous licence libre et réutilisables par les "
            "administrations confrontées au même problème."
        ),
        "technical_approach": (
            "Exploration des données, modèles d’apprentissage automatique interprétables, "
            "mesure régulière des biais, code publié sur un dépôt public."
        ),
    },
    data.QUALITY: {
        "benefits_self": (
            "Des données {data} complètes et à jour sans saisie manuelle, et des agents "
            "libérés des tâches de ressaisie."
        ),
        "benefits_others": (
            "Des données fiabilisées et documentées, publiables en open data et réutilisables "
            "par les autres administrations et les chercheurs."
        ),
        "technical_approach": (
            "Numérisation et reconnaissance automatique des documents, contrôles de qualité "
            "automatisés, référentiels partagés, publication sur data.gouv.fr."
        ),
    },
    data.CATALOGUE: {
        "benefits_self": (
            "Savoir quelles données {data} existent, qui en est responsable et à quelles "
            "conditions les utiliser."
        ),
        "benefits_others": (
            "Le catalogue est moissonné par data.gouv.fr et aide les autres administrations "
            "à trouver et à réutiliser les données."
        ),
        "technical_approach": (
            "Catalogue au standard DCAT, alimenté par les métadonnées des systèmes existants, "
            "avec une interface de recherche et une API de consultation."
        ),
    },
}
SUSTAINABILITY = (
    "Après le cofinancement, l’hébergement et la maintenance (environ 15 % du coût du projet "
    "par an) sont financés sur le budget de fonctionnement de l’administration porteuse.",
    "L’équipe projet (un chef de produit et deux développeurs) est pérennisée ; le service "
    "rejoint le socle applicatif maintenu par la direction du numérique.",
    "Le service s’appuie sur des briques libres déjà exploitées par l’administration ; sa "
    "maintenance est intégrée au marché d’infogérance existant.",
)


def money(value) -> Decimal:
    return Decimal(value).quantize(Decimal("0.01"))


def round_down(value: Decimal, step: int) -> Decimal:
    return (value / step).to_integral_value(ROUND_DOWN) * step


def seeded(key: str) -> random.Random:
    """A generator seeded by ``key``: the same demo values on every run and every machine."""
    return random.Random(key)  # noqa: S311 - reproducible demo values, not secrets


def demo_token(name: str) -> uuid.UUID:
    return uuid.uuid5(DEMO_NAMESPACE, f"submissions.demo/{name}")


# Ministries, administrations, accounts --------------------------------------------------


def load_administrations() -> dict[str, Administration]:
    ministries = {}
    for key, seed in data.MINISTRIES.items():
        ministries[key], _ = Ministry.objects.update_or_create(
            name=seed.name, defaults={"acronym": seed.acronym}
        )
    administrations = {}
    for n, (key, seed) in enumerate((data.ADMINISTRATIONS | data.LOCAL_AUTHORITIES).items()):
        siret = seed.siret
        if not siret and key != data.NO_SIRET:
            siret = data.fictitious_siret(n)
        administrations[key], _ = Administration.objects.update_or_create(
            name=seed.name,
            defaults={
                "acronym": seed.acronym,
                "kind": seed.kind,
                "ministry": ministries[seed.ministry] if seed.ministry else None,
                "siret": siret,
                "proconnect_auto_attach": seed.proconnect_auto_attach,
            },
        )
    return administrations


def load_accounts(administrations) -> dict[str, object]:
    """The demo applicants, each attached to one administration; keyed by email."""
    users = {}
    for login, administration_key, first_name, last_name in ACCOUNTS:
        user = ensure_demo_user(login, first_name=first_name, last_name=last_name)
        Membership.objects.get_or_create(
            user=user, administration=administrations[administration_key]
        )
        users[login.email] = user
    return users


def load_newcomer():
    """The agent without administration, put back as such on every run."""
    user = ensure_demo_user(
        NEWCOMER_LOGIN, first_name="Alex", last_name="Agent sans administration (démo)"
    )
    Membership.objects.filter(user=user).delete()
    MembershipRequest.objects.filter(user=user).delete()
    return user


def history_entry(
    target, action, *, at, actor=None, from_state="", to_state="", reason="", data=None
):
    """One audit entry per (target, action), dated ``at``; written once, then kept in line."""
    entry = (
        AuditEntry.objects.filter(
            target_type=ContentType.objects.get_for_model(target, for_concrete_model=True),
            target_id=str(target.pk),
            action=action,
        )
        .order_by("pk")
        .first()
    )
    if entry is None:
        entry = audit.record(actor, action, target)
    # ``at`` is set on creation only: historical dates are written with update().
    AuditEntry.objects.filter(pk=entry.pk).update(
        at=at,
        actor=actor,
        from_state=from_state,
        to_state=to_state,
        reason=reason,
        data=data or {},
    )
    return entry


def set_budget_lines(dossier, lines) -> None:
    """Budget lines keyed on their order, so a rerun updates rows instead of replacing them."""
    for order, (label, nature, amount) in enumerate(lines):
        BudgetLine.objects.update_or_create(
            dossier=dossier,
            order=order,
            defaults={"label": label, "nature": nature, "amount": amount},
        )
    BudgetLine.objects.filter(dossier=dossier, order__gte=len(lines)).delete()


def split_budget(total: Decimal, rng: random.Random) -> list[tuple]:
    # At least 5 % is left for hosting and licences.
    services = round_down(total * rng.randint(50, 60) / 100, 100)
    staff = round_down(total * rng.randint(25, 35) / 100, 100)
    return [
        (
            "Prestations de conception, de développement et d’intégration",
            BudgetLine.Nature.SERVICES,
            money(services),
        ),
        ("Temps des agents de l’équipe projet", BudgetLine.Nature.STAFF, money(staff)),
        (
            "Hébergement, licences et outillage",
            BudgetLine.Nature.SOFTWARE,
            money(total - services - staff),
        ),
    ]


# Round 1 ------------------------------------------------------------------------------------


def seed_texts(number: int, seed, origin: str) -> dict:
    """A demo dossier's texts, drawn from its seed and its category's model answers; its
    description ends on ``origin``, which says what in it is demo data."""
    texts = CATEGORY_TEXTS[seed.category]
    return {
        "number": number,
        "title": seed.title,
        "subtitle": seed.subtitle,
        "summary": f"{seed.summary} (données de démonstration)",
        "description": f"{seed.summary} Le projet porte sur les données {seed.data}.\n\n{origin}",
        "benefits_self": texts["benefits_self"].format(data=seed.data),
        "benefits_others": texts["benefits_others"],
        "technical_approach": texts["technical_approach"],
        "sustainability": SUSTAINABILITY[number % len(SUSTAINABILITY)],
    }


def round_1_dossiers() -> list[data.DossierSeed]:
    """The 69 dossiers in reference order: laureates mixed with the others, always the same."""
    dossiers = list(data.ROUND_1)
    seeded(ORDER_SEED).shuffle(dossiers)
    return dossiers


def round_1_values(number: int, seed: data.DossierSeed, reference: str) -> dict:
    """Everything a round-1 dossier holds, derived deterministically from its seed row."""
    rng = seeded(reference)
    # Drafts opened over four weeks, submitted 5 to 20 days later, by the closing day.
    created = FIRST_CREATION + timedelta(days=(number - 1) * 28 // len(data.ROUND_1))
    created_at = created.replace(hour=rng.randint(8, 18), minute=rng.randint(0, 59))
    submitted = min(created + timedelta(days=rng.randint(5, 20)), LAST_SUBMISSION_DAY)
    submitted_at = submitted.replace(hour=rng.randint(8, 19), minute=rng.randint(0, 59))

    # Log-uniform between 80,000 and 1,500,000 €, rounded to the thousand.
    total = money(int(80_000 * (18.75 ** rng.random())) // 1000 * 1000)
    requested = money(round_down(total * rng.randint(30, 70) / 100, 100))

    start = rng.randint(3, 6)
    duration = rng.randint(9, 24)
    end_month = start + duration
    contact = CONTACTS[number % len(CONTACTS)]
    if seed.laureate:
        origin = (
            "Le titre, le sous-titre, la catégorie et l’administration sont ceux de l’annonce "
            "des lauréats du 3 mars 2021 ; les textes et les montants de ce dossier sont des "
            "données de démonstration."
        )
    else:
        origin = "Dossier fictif : ses textes et ses montants sont des données de démonstration."
    return {
        "created_at": created_at,
        "lines": split_budget(total, rng),
        "defaults": {
            **seed_texts(number, seed, origin),
            "timeline": (
                f"Démarrage en {MONTHS[start - 1]} 2021, première version en service six mois "
                f"plus tard, généralisation en {MONTHS[(end_month - 1) % 12]} "
                f"{2021 + (end_month - 1) // 12} ({duration} mois au total)."
            ),
            "total_budget": total,
            "requested_amount": requested,
            "contact_name": contact,
            "contact_email": f"projet-{reference.lower()}@demo.relance.gouv.fr",
            "contact_phone": f"01 40 00 {number // 100:02d} {number % 100:02d}",
            "submitted_at": submitted_at,
            "pending_decision": "",
            "decision_reason": PRESELECTED_REASON if seed.preselected else seed.reason,
            "created_by": None,
        },
    }


def load_round_1(administrations, staff) -> Call:
    call = Call.objects.get(
        programme__slug=calls_demo.PROGRAMME_SLUG, kind=CallKind.ROUND, number=1
    )
    categories = {c.name: c for c in call.categories.all()}
    current_states = dict(Dossier.objects.filter(call=call).values_list("reference", "state"))
    counts = {S.PRESELECTED: 0, S.NOT_PRESELECTED: 0}
    for number, seed in enumerate(round_1_dossiers(), start=1):
        reference = Dossier.reference_for(call, number)
        values = round_1_values(number, seed, reference)
        state = S.PRESELECTED if seed.preselected else S.NOT_PRESELECTED
        counts[state] += 1
        if state == S.PRESELECTED and current_states.get(reference) in (S.LAUREATE, S.NOT_SELECTED):
            # The jury's outcome, recorded later, is kept.
            state = current_states[reference]
        defaults = values["defaults"] | {
            "administration_id": administrations[seed.administration].pk,
            "category": categories[calls_demo.CATEGORIES[seed.category]],
            # History is loaded as it ended: the workflow is not replayed for past rounds.
            "state": state,
        }
        dossier, _ = Dossier.objects.update_or_create(
            call=call, reference=reference, defaults=defaults
        )
        Dossier.objects.filter(pk=dossier.pk).update(created_at=values["created_at"])
        set_budget_lines(dossier, values["lines"])
        history_entry(
            dossier,
            "submit",
            at=defaults["submitted_at"],
            from_state=S.DRAFT,
            to_state=S.SUBMITTED,
        )
        decided = S.PRESELECTED if seed.preselected else S.NOT_PRESELECTED
        history_entry(
            dossier,
            "preselect" if seed.preselected else "not_preselect",
            at=PRESELECTION_PUBLISHED_AT,
            actor=staff,
            from_state=S.SUBMITTED,
            to_state=decided,
            reason=defaults["decision_reason"],
        )

    publication = PreselectionPublication.objects.filter(call=call).order_by("pk").first()
    if publication is None:
        publication = PreselectionPublication.objects.create(
            call=call, preselected_count=0, not_preselected_count=0
        )
    PreselectionPublication.objects.filter(pk=publication.pk).update(
        published_at=PRESELECTION_PUBLISHED_AT,
        published_by=staff,
        preselected_count=counts[S.PRESELECTED],
        not_preselected_count=counts[S.NOT_PRESELECTED],
    )
    history_entry(
        call,
        "publish_preselection",
        at=PRESELECTION_PUBLISHED_AT,
        actor=staff,
        data={
            S.PRESELECTED.value: counts[S.PRESELECTED],
            S.NOT_PRESELECTED.value: counts[S.NOT_PRESELECTED],
            "at": PRESELECTION_PUBLISHED_AT.isoformat(),
        },
    )
    return call


# The demonstration call ---------------------------------------------------------------------


def load_demo_call_dossiers(administrations, users) -> int:
    """Two drafts of the demo applicant's administration and one submitted dossier."""
    load_demo_dossiers(calls_demo.DEMO_CALL_SLUG, data.DEMO_CALL_DOSSIERS, administrations, users)
    return len(data.DEMO_CALL_DOSSIERS)


def load_demo_dossiers(slug, specs, administrations, users) -> list[Dossier]:
    """The dossiers ``specs`` of a demonstration call; returns those created by this run.

    Created once (rows written directly: the workflow would email acknowledgements), then
    left alone so that a rerun never undoes what someone did while trying the service.
    """
    call = Call.objects.get(slug=slug)
    categories = {c.name: c for c in call.categories.all()}
    authors = {
        data.APPLICANT_ADMINISTRATION: users[APPLICANT_LOGIN.email],
        data.OPERATOR_ADMINISTRATION: users[OPERATOR_LOGIN.email],
    }
    latest = timezone.now() - timedelta(hours=1)
    created = []
    for offset, (name, spec) in enumerate(specs.items(), start=1):
        token = demo_token(name)
        if Dossier.objects.filter(creation_token=token).exists():
            continue
        spec = dict(spec)
        key = spec.pop("administration")
        administration, author = administrations[key], authors[key]
        category = spec.pop("category", None)
        submitted = spec.pop("state", S.DRAFT) == S.SUBMITTED
        for field in ("total_budget", "requested_amount"):
            if field in spec:
                spec[field] = money(spec[field])
        number = (Dossier.objects.filter(call=call).aggregate(n=Max("number"))["n"] or 0) + 1
        created_at = min(call.opens_at + timedelta(days=offset, hours=10), latest)
        submitted_at = min(created_at + timedelta(days=4, hours=5, minutes=42), latest)
        dossier = Dossier.objects.create(
            call=call,
            administration=administration,
            number=number,
            reference=Dossier.reference_for(call, number),
            creation_token=token,
            created_by=author,
            category=categories[calls_demo.CATEGORIES[category]] if category is not None else None,
            contact_name=author.get_full_name(),
            contact_email=author.email,
            state=S.SUBMITTED if submitted else S.DRAFT,
            submitted_at=submitted_at if submitted else None,
            **spec,
        )
        Dossier.objects.filter(pk=dossier.pk).update(created_at=created_at)
        history_entry(dossier, "create", at=created_at, actor=author, to_state=S.DRAFT)
        if dossier.total_budget:
            set_budget_lines(dossier, split_budget(dossier.total_budget, seeded(dossier.reference)))
        if submitted:
            history_entry(
                dossier,
                "submit",
                at=submitted_at,
                actor=author,
                from_state=S.DRAFT,
                to_state=S.SUBMITTED,
            )
        created.append(dossier)
    return created


def load(stdout) -> list[DemoLogin]:
    administrations = load_administrations()
    users = load_accounts(administrations)
    load_newcomer()
    # The instructor account comes from relance.demo, loaded first.
    staff = get_user_model().objects.filter(email=STAFF_LOGIN.email).first()
    load_round_1(administrations, staff)
    demo_count = load_demo_call_dossiers(administrations, users)
    # Imported here: the window's loader reuses this module's helpers.
    from submissions import demo_window

    demo_window.load_window_2021(administrations, staff)
    window_count = demo_window.load_demo_window_dossiers(administrations, users, staff)
    from submissions import demo_jury_call

    jury_call_count = len(demo_jury_call.load(administrations, staff))
    stdout.write(
        f"Dossiers : {len(data.MINISTRIES)} ministères, {len(administrations)} administrations, "
        f"{len(data.ROUND_1)} dossiers du premier appel, {demo_count} dossiers dans l’appel "
        f"de démonstration, {len(demo_window.window_dossiers())} dossiers (fictifs) du "
        f"guichet en continu 2021, {window_count} dans le guichet de démonstration, "
        f"{jury_call_count} présélectionnés dans l’appel de démonstration examiné par le jury."
    )
    return [APPLICANT_LOGIN, OPERATOR_LOGIN, LOCAL_AUTHORITY_LOGIN, NEWCOMER_LOGIN]
