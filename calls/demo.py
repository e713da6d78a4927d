"""Demo data of calls: the France Relance programme « Développer l’utilisation de la donnée
dans votre administration » (Etalab/DINUM), its three rounds and its 2021 continuous window,
as announced on 2021-03-03, plus one demonstration call and one demonstration window that are
always open, and one demonstration call closed a few days ago whose jury is scoring.

Round 1 and the window are the published calls of 2020–2021. Rounds 2 and 3 are in the state
a programme manager finds them when preparing the next rounds: round 2 is published and opens
a few weeks after the seed runs; round 3 is a complete draft (see :func:`upcoming_dates`).

Facts come from the announcement of the laureates of round 1 (2021-03-03). Values the
announcement does not give are demo values and are said so on the pages: the exact opening
and closing times of the rounds, the weights (1 each) and the scale (0 to 5) of the criteria,
the window's envelope (€3,000,000) and instruction delay (30 days).
Idempotent: everything is keyed on slugs, names and labels.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone

from calls import models
from relance.demo import MANAGER_LOGIN, STAFF_LOGIN
from relance.formatting import PARIS

PROGRAMME_SLUG = "france-relance-donnees"
ROUND_1_SLUG = "france-relance-donnees-vague-1"
ROUND_2_SLUG = "france-relance-donnees-vague-2"
ROUND_3_SLUG = "france-relance-donnees-vague-3"
CONTINUOUS_SLUG = "france-relance-donnees-guichet-continu-2021"
DEMO_CALL_SLUG = "demonstration-donnees"
DEMO_WINDOW_SLUG = "demonstration-guichet-continu"
DEMO_JURY_CALL_SLUG = "demonstration-examen-jury"
REFERENCE_CALL_SLUGS = (ROUND_1_SLUG, ROUND_2_SLUG, ROUND_3_SLUG, CONTINUOUS_SLUG)

# Demonstration call: opened this many days before the seed runs, closing weeks after.
DEMO_OPENED_DAYS_AGO = 14
DEMO_OPEN_FOR_DAYS = 8 * 7
# Demonstration call before its jury: closed this many days before the seed runs, after being
# open for six weeks (the demonstration call above must stay open for submissions, and a
# round's dossiers are preselected only once it has closed).
DEMO_JURY_CLOSED_DAYS_AGO = 7
DEMO_JURY_OPEN_FOR_DAYS = 6 * 7
# Rounds 2 and 3: opening this long after the seed runs, open for eight weeks.
ROUND_2_OPENS_IN = timedelta(weeks=3)
ROUND_3_OPENS_IN = timedelta(weeks=26)
UPCOMING_OPEN_FOR = timedelta(weeks=8)

ANNOUNCEMENT_URL = "https://france-relance.transformation.gouv.fr/96c0-developper-lutilisation-de-la-donnee-dans-vot"
LOCAL_AUTHORITIES_URL = "https://france-relance.transformation.gouv.fr/dbbc-developper-lutilisation-de-la-donnee-dans-vot/"

PROGRAMME = {
    "title": "Développer l’utilisation de la donnée dans votre administration",
    # Demo value: the real scheme's identifier in the aid schemes' register is not known here.
    "aid_scheme_id": "demo-france-relance-donnees-2021",
    "operator": "Etalab — Direction interministérielle du numérique (DINUM)",
    "summary": (
        "Dans le cadre du plan de relance numérique France Relance, Etalab, au sein de la "
        "DINUM, porte le volet « Développer l’utilisation de la donnée dans votre "
        "administration » donnant aux administrations la possibilité d’obtenir un "
        "cofinancement pour leurs projets autour du pilotage public par la donnée, de "
        "l’échange de données entre administrations, de l’exploitation de données ou de "
        "l’ouverture des données."
    ),
    "description": (
        "Ouvert aux administrations centrales et déconcentrées ainsi qu’aux opérateurs, le "
        "volet se poursuit tout au long de l’année 2021 : un deuxième appel à projets au "
        "deuxième trimestre, un troisième appel à projets au quatrième trimestre, et un "
        "guichet en continu sur l’année 2021 pour les projets de moins de 100 000 euros, "
        "ouvert depuis le 1er février 2021.\n\n"
        "Les cas d’usage sont variés : amélioration du service public par une mise en "
        "circulation des données entre administrations via le développement d’API, meilleur "
        "pilotage de politiques publiques grâce à l’exploitation et la visualisation de "
        "données, automatisation du processus de collecte des données pour les rendre "
        "systématiquement disponibles et exploitables, plateformes de collecte d’échanges et "
        "de partage de données.\n\n"
        f"Toutes les informations : {ANNOUNCEMENT_URL}"
    ),
    "is_public": True,
}

CATEGORIES = (
    "Plateformes d’échange, de collecte ou de visualisation intelligente des données",
    "Projets de pilotage par la donnée",
    "Développement d’API",
    "Exploitation des données / Data Sciences",
    "Montée en qualité et automatisation de la collecte des données",
    "Catalogue de données",
)

# Weight 1 each and a 0–5 scale are demo choices: the announcement lists the criteria only.
CRITERIA = (
    (
        "Bénéfices potentiels pour l’administration et pour les autres administrations "
        "ou l’action publique",
        "Les bénéfices pour l’administration porteuse elle-même et pour les autres "
        "administrations ou l’action publique en général.",
    ),
    (
        "Pertinence technique et crédibilité du projet",
        "La pertinence des choix techniques et la crédibilité de l’équipe, du calendrier et "
        "de la méthode.",
    ),
    (
        "Pérennité",
        "La capacité du projet à durer au-delà du cofinancement : organisation, "
        "maintenance, financement du fonctionnement.",
    ),
    (
        "Adéquation du budget",
        "L’adéquation du budget présenté aux objectifs et au calendrier du projet.",
    ),
)
CRITERION_WEIGHT = Decimal("1")
# Demo values: the announcement does not list the documents asked of applicants.
DOCUMENTS = (
    (
        "Lettre d’engagement de la direction",
        "Signée par le directeur ou la directrice de l’administration porteuse.",
        True,
    ),
    ("Devis ou estimation des coûts", "Pour les dépenses externes prévues au budget.", False),
)
CRITERION_SCALE_MAX = 5
# Demo values: the announcement gives neither the window's envelope nor its delay.
WINDOW_ENVELOPE = Decimal("3000000.00")
WINDOW_INSTRUCTION_DAYS = 30
DEMO_WINDOW_ENVELOPE = Decimal("1000000.00")

SCORING_NOTE = (
    "Les dossiers sont évalués selon quatre critères : les bénéfices potentiels pour "
    "l’administration et pour les autres administrations ou l’action publique, la pertinence "
    "technique et la crédibilité du projet, sa pérennité, l’adéquation du budget présenté. "
    "Barème de démonstration : chaque critère a le même poids et est noté sur 5."
)

INELIGIBLE_NOTE = (
    "Les collectivités territoriales ne sont pas éligibles à cet appel. Elles peuvent "
    "solliciter le fonds du plan France Relance dédié à la transformation numérique des "
    "collectivités territoriales pour cofinancer leurs projets visant à développer un "
    "meilleur usage des données pour les territoires (intelligence artificielle, open data, "
    "archivage, tableaux de bord de pilotage des politiques publiques locales)."
)

HOW_TO_APPLY = (
    "Le dossier est déposé en ligne par un agent de l’administration porteuse du projet. "
    "Il présente le projet, ses bénéfices attendus, l’approche technique, la pérennité, le "
    "calendrier et le budget, avec le montant du cofinancement demandé. Un accusé de "
    "réception est envoyé au dépôt ; le dossier peut être modifié jusqu’à la clôture."
)

ELIGIBLE_KINDS = [
    models.AdministrationKind.CENTRAL,
    models.AdministrationKind.DECONCENTRATED,
    models.AdministrationKind.OPERATOR,
]


def paris(year, month, day, hour=0, minute=0, second=0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=PARIS)


def upcoming_dates(today: date) -> dict[str, dict]:
    """Rounds 2 and 3 as a manager finds them on ``today``: round 2 published, opening in a few
    weeks; round 3 a complete draft for later. Their dates move each time the seed runs."""
    midnight = datetime.combine(today, time(0, 0), tzinfo=PARIS)
    dates = {}
    for slug, opens_in, published in (
        (ROUND_2_SLUG, ROUND_2_OPENS_IN, midnight),
        (ROUND_3_SLUG, ROUND_3_OPENS_IN, None),
    ):
        opens_on = today + opens_in
        dates[slug] = {
            "opens_at": datetime.combine(opens_on, time(9, 0), tzinfo=PARIS),
            "closes_at": datetime.combine(opens_on + UPCOMING_OPEN_FOR, time(12, 0), tzinfo=PARIS),
            "published_at": published,
        }
    return dates


def reference_calls(today: date | None = None) -> list[dict]:
    """The four calls of the announcement (dates the announcement lacks are demo values)."""
    dates = upcoming_dates(today or timezone.localdate())
    return [{**data, **dates.get(data["slug"], {})} for data in _reference_calls()]


def _reference_calls() -> list[dict]:
    return [
        {
            "slug": ROUND_1_SLUG,
            "kind": models.CallKind.ROUND,
            "number": 1,
            "title": "Premier appel à projets « Développer l’utilisation de la donnée »",
            "summary": (
                "Premier appel à projets du volet, clos à la fin de l’année 2020 : 69 dossiers "
                "déposés par 30 administrations de 12 ministères, 33 présélectionnés par la "
                "DINUM et la DITP, 17 lauréats retenus par le jury."
            ),
            "description": (
                "Après examen des dossiers déposés, les équipes de la direction "
                "interministérielle du numérique (DINUM) et de la direction interministérielle "
                "de la transformation publique (DITP) ont présélectionné 33 projets. Les "
                "administrations porteuses ont ensuite été auditionnées pendant une journée "
                "par un jury de 16 experts de la donnée et de la transformation publique et "
                "numérique. Les résultats ont été publiés le 3 mars 2021.\n\n"
                f"{SCORING_NOTE}\n\n"
                "Dates d’ouverture et de clôture indicatives (valeurs de démonstration) : "
                "l’annonce précise seulement que l’appel s’est clôturé à la fin de l’année 2020."
            ),
            "opens_at": paris(2020, 10, 27, 9, 0),
            "closes_at": paris(2020, 12, 15, 23, 59, 59),
            "published_at": paris(2020, 10, 27, 9, 0),
            "results_published_at": paris(2021, 3, 3, 12, 4),
            "amount_ceiling": None,
        },
        {
            "slug": ROUND_2_SLUG,
            "kind": models.CallKind.ROUND,
            "number": 2,
            "title": "Deuxième appel à projets « Développer l’utilisation de la donnée »",
            "summary": (
                "Deuxième appel à projets du volet, ouvert aux administrations centrales et "
                "déconcentrées ainsi qu’aux opérateurs."
            ),
            "description": (
                f"{SCORING_NOTE}\n\n"
                "Dates de démonstration, recalculées à chaque chargement des données : l’appel "
                "est publié et ouvre dans quelques semaines (l’annonce prévoyait une ouverture "
                "au deuxième trimestre 2021)."
            ),
            "results_published_at": None,
            "amount_ceiling": None,
        },
        {
            "slug": ROUND_3_SLUG,
            "kind": models.CallKind.ROUND,
            "number": 3,
            "title": "Troisième appel à projets « Développer l’utilisation de la donnée »",
            "summary": (
                "Troisième appel à projets du volet, ouvert aux administrations centrales et "
                "déconcentrées ainsi qu’aux opérateurs."
            ),
            "description": (
                f"{SCORING_NOTE}\n\n"
                "Brouillon en préparation : dates de démonstration, recalculées à chaque "
                "chargement des données (l’annonce prévoyait une ouverture au quatrième "
                "trimestre 2021)."
            ),
            "results_published_at": None,
            "amount_ceiling": None,
        },
        {
            "slug": CONTINUOUS_SLUG,
            "kind": models.CallKind.CONTINUOUS,
            "number": None,
            "title": "Guichet en continu 2021 : projets de moins de 100 000 euros",
            "summary": (
                "Un guichet en continu sur l’année 2021, ouvert depuis le 1er février 2021, "
                "pour les projets de moins de 100 000 euros."
            ),
            "description": (
                "Le cofinancement demandé doit être strictement inférieur à 100 000 euros. "
                "Les dossiers sont examinés au fil de l’eau : chaque dossier est instruit dans "
                "les 30 jours qui suivent son dépôt, puis décidé par le comité du guichet, "
                "qui se réunit chaque mois.\n\n"
                f"{SCORING_NOTE}\n\n"
                "Données de démonstration : l’annonce du 3 mars 2021 ne donne ni l’enveloppe "
                "du guichet (3 000 000 euros ici), ni son délai d’instruction, ni ses dossiers ; "
                "les dossiers, les séances du comité et les décisions affichés sont fictifs."
            ),
            "opens_at": paris(2021, 2, 1),
            "closes_at": paris(2021, 12, 31, 23, 59, 59),
            "published_at": paris(2021, 2, 1),
            "results_published_at": None,
            "amount_ceiling": Decimal("100000.00"),
            "envelope": WINDOW_ENVELOPE,
            "instruction_days": WINDOW_INSTRUCTION_DAYS,
            "envelope_exhausted_at": None,
        },
    ]


def _demo_round_dates(opens_on: date, closes_on: date) -> dict:
    """A demonstration round's dates (open from the start of ``opens_on`` to the end of
    ``closes_on``, published when it opens, no results yet) and its demo flags."""
    return {
        "opens_at": datetime.combine(opens_on, time(0, 0), tzinfo=PARIS),
        "closes_at": datetime.combine(closes_on, time(23, 59, 59), tzinfo=PARIS),
        "results_published_at": None,
        "published_at": datetime.combine(opens_on, time(0, 0), tzinfo=PARIS),
        "amount_ceiling": None,
        "is_demo": True,
    }


def demo_call(today: date) -> dict:
    """The demonstration call, open on ``today`` (its dates move each time the seed runs)."""
    opens_on = today - timedelta(days=DEMO_OPENED_DAYS_AGO)
    closes_on = today + timedelta(days=DEMO_OPEN_FOR_DAYS)
    return {
        "slug": DEMO_CALL_SLUG,
        "kind": models.CallKind.ROUND,
        # Out of the range of the real rounds, so that it never takes a real round's number.
        "number": 99,
        "title": "[Démonstration] Appel à projets pour essayer le service",
        "summary": (
            "Appel de démonstration, toujours ouvert : déposez un dossier fictif pour essayer "
            "le service. Il n’ouvre droit à aucun cofinancement."
        ),
        "description": (
            "Cet appel reprend les catégories et les critères du volet « Développer "
            "l’utilisation de la donnée dans votre administration » ; ses dates sont "
            "recalculées à chaque chargement des données de démonstration.\n\n"
            f"{SCORING_NOTE}"
        ),
        **_demo_round_dates(opens_on, closes_on),
    }


def demo_jury_call(today: date) -> dict:
    """The demonstration call before its jury: closed a few days before ``today``, its
    dossiers preselected, its jury hearing and scoring them (see ``jury.demo_scoring``). Its
    dates move each time the seed runs, like the demonstration call's."""
    closes_on = today - timedelta(days=DEMO_JURY_CLOSED_DAYS_AGO)
    opens_on = closes_on - timedelta(days=DEMO_JURY_OPEN_FOR_DAYS)
    return {
        "slug": DEMO_JURY_CALL_SLUG,
        "kind": models.CallKind.ROUND,
        # Next to the demonstration call's number, out of the real rounds' range.
        "number": 98,
        "title": "[Démonstration] Appel à projets en cours d’examen par le jury",
        "summary": (
            "Appel de démonstration clos depuis quelques jours : ses dossiers fictifs sont "
            "présélectionnés et son jury les auditionne et les note. Il n’ouvre droit à aucun "
            "cofinancement."
        ),
        "description": (
            "Cet appel reprend les catégories et les critères du volet « Développer "
            "l’utilisation de la donnée dans votre administration ». Il montre un jury au "
            "travail : auditions aujourd’hui et demain, évaluations en cours, délibération à "
            "venir. Ses dates sont recalculées à chaque chargement des données de "
            "démonstration.\n\n"
            f"{SCORING_NOTE}"
        ),
        **_demo_round_dates(opens_on, closes_on),
    }


def demo_window(today: date) -> dict:
    """The demonstration window: always open (no closing date), with an envelope, so that a
    visitor can file a dossier and follow it through instruction and the committee. Its
    opening moves with the seed like the demonstration call's; a rerun reopens it if its
    envelope was used up while trying the service."""
    opens_on = today - timedelta(days=DEMO_OPENED_DAYS_AGO)
    return {
        "slug": DEMO_WINDOW_SLUG,
        "kind": models.CallKind.CONTINUOUS,
        "number": None,
        "title": "[Démonstration] Guichet en continu pour essayer le service",
        "summary": (
            "Guichet de démonstration, toujours ouvert : déposez un dossier fictif, suivez son "
            "instruction et la décision du comité. Il n’ouvre droit à aucun cofinancement."
        ),
        "description": (
            "Ce guichet reprend les règles du guichet en continu 2021 (projets de moins de "
            "100 000 euros, instruction dans les 30 jours, décision par le comité) avec une "
            "enveloppe fictive de 1 000 000 euros ; il n’a pas de date de clôture.\n\n"
            f"{SCORING_NOTE}"
        ),
        "opens_at": datetime.combine(opens_on, time(0, 0), tzinfo=PARIS),
        "closes_at": None,
        "results_published_at": None,
        "published_at": datetime.combine(opens_on, time(0, 0), tzinfo=PARIS),
        "amount_ceiling": Decimal("100000.00"),
        "envelope": DEMO_WINDOW_ENVELOPE,
        "instruction_days": WINDOW_INSTRUCTION_DAYS,
        "envelope_exhausted_at": None,
        "is_demo": True,
    }


def load_call(programme: models.Programme, data: dict) -> models.Call:
    data = dict(data)
    slug = data.pop("slug")
    call, _ = models.Call.objects.update_or_create(
        slug=slug,
        defaults={
            "programme": programme,
            "how_to_apply": HOW_TO_APPLY,
            "eligible_kinds": ELIGIBLE_KINDS,
            "ineligible_note": INELIGIBLE_NOTE,
            "ineligible_link": LOCAL_AUTHORITIES_URL,
            "is_public": True,
            "is_demo": False,
            **data,
        },
    )
    for order, name in enumerate(CATEGORIES, start=1):
        models.Category.objects.update_or_create(call=call, name=name, defaults={"order": order})
    for order, (label, description) in enumerate(CRITERIA, start=1):
        models.Criterion.objects.update_or_create(
            call=call,
            label=label,
            defaults={
                "description": description,
                "weight": CRITERION_WEIGHT,
                "scale_max": CRITERION_SCALE_MAX,
                "order": order,
            },
        )
    for order, (label, description, is_required) in enumerate(DOCUMENTS, start=1):
        models.RequiredDocument.objects.update_or_create(
            call=call,
            label=label,
            defaults={"description": description, "is_required": is_required, "order": order},
        )
    return call


def load_team(programme: models.Programme) -> None:
    """The demo staff accounts' roles: one manager, one instructor (accounts from relance)."""
    User = get_user_model()
    for login, role in (
        (MANAGER_LOGIN, models.ProgrammeRoleKind.MANAGER),
        (STAFF_LOGIN, models.ProgrammeRoleKind.INSTRUCTOR),
    ):
        account = User.objects.filter(email=login.email).first()
        if account is None:  # the calls' demo data loaded alone, without the accounts
            continue
        models.ProgrammeRole.objects.update_or_create(
            programme=programme, user=account, defaults={"role": role}
        )


def load(stdout) -> list:
    programme, _ = models.Programme.objects.update_or_create(
        slug=PROGRAMME_SLUG, defaults=PROGRAMME
    )
    calls = [load_call(programme, data) for data in reference_calls(timezone.localdate())]
    calls.append(load_call(programme, demo_call(timezone.localdate())))
    calls.append(load_call(programme, demo_window(timezone.localdate())))
    calls.append(load_call(programme, demo_jury_call(timezone.localdate())))
    load_team(programme)
    stdout.write(
        f"Programme « {programme.title} » : {len(calls)} appels, "
        f"{len(CATEGORIES)} catégories et {len(CRITERIA)} critères par appel."
    )
    return []
