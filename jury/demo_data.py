"""Data tables of the jury demo: the round-1 jury, its conflicts, hearing day and deliberation.

The announcement of 2021-03-03 says that 16 experts of data and of public and digital
transformation (entrepreneurs, researchers, public actors) heard the 33 preselected
dossiers in one day, and that 17 laureates were chosen. The members below are
**fictitious**: names, titles and affiliations are invented, of the kinds the announcement
lists. Dates, scores, amounts and minutes are demo values as well.
"""

from __future__ import annotations

from datetime import date, time
from typing import NamedTuple

JURY_NAME = "Jury du premier appel à projets (composition fictive de démonstration)"


class MemberSeed(NamedTuple):
    key: str
    first_name: str
    last_name: str
    title: str
    affiliation: str
    kind: str  # JuryMember.AffiliationKind value
    president: bool = False


# The first member is the demo juror account (see jury.demo.JUROR_LOGIN).
MEMBERS = (
    MemberSeed(
        "vasseur",
        "Hélène",
        "Vasseur",
        "Cheffe de projet « stratégie des données »",
        "Secrétariat général du ministère de la Justice",
        "public",
    ),
    MemberSeed(
        "delorme",
        "Agnès",
        "Delorme",
        "Directrice adjointe",
        "Direction interministérielle du numérique (DINUM)",
        "public",
        president=True,
    ),
    MemberSeed(
        "benhamou",
        "Rachid",
        "Benhamou",
        "Administrateur ministériel des données",
        "Ministères économiques et financiers",
        "public",
    ),
    MemberSeed(
        "tessier",
        "Olivier",
        "Tessier",
        "Chef du département de la valorisation des données",
        "Direction du numérique du ministère de l’Intérieur",
        "public",
    ),
    MemberSeed(
        "aubert",
        "Vincent",
        "Aubert",
        "Responsable du pôle « données »",
        "Direction interministérielle du numérique (DINUM)",
        "public",
    ),
    MemberSeed(
        "roche",
        "Nathalie",
        "Roche",
        "Directrice du laboratoire d’innovation",
        "Commissariat général au développement durable",
        "public",
    ),
    MemberSeed(
        "morel",
        "Sébastien",
        "Morel",
        "Data scientist au laboratoire d’intelligence artificielle",
        "Etalab — DINUM",
        "public",
    ),
    MemberSeed(
        "renaud",
        "Isabelle",
        "Renaud",
        "Directrice de projets",
        "Direction interministérielle de la transformation publique (DITP)",
        "public",
    ),
    MemberSeed(
        "rivoal",
        "Émilie",
        "Rivoal",
        "Responsable des technologies et de l’innovation",
        "Autorité administrative indépendante de protection des données",
        "public",
    ),
    MemberSeed(
        "delacroix",
        "Marc",
        "Delacroix",
        "Directeur de recherche en science des données",
        "Institut public de recherche en informatique",
        "research",
    ),
    MemberSeed(
        "nguyen",
        "Aurélie",
        "Nguyen",
        "Maîtresse de conférences en informatique",
        "Université (laboratoire d’apprentissage automatique)",
        "research",
    ),
    MemberSeed(
        "brunet",
        "Laurent",
        "Brunet",
        "Chercheur en science politique, spécialiste de l’action publique numérique",
        "Centre de recherche en sciences sociales",
        "research",
    ),
    MemberSeed(
        "caron",
        "Damien",
        "Caron",
        "Fondateur et président",
        "Jeune entreprise de visualisation de données",
        "company",
    ),
    MemberSeed(
        "weber",
        "Caroline",
        "Weber",
        "Responsable produit",
        "Éditeur de logiciels pour le secteur public",
        "company",
    ),
    MemberSeed(
        "mercier",
        "Thibault",
        "Mercier",
        "Directeur technique",
        "Cabinet de conseil en ingénierie des données",
        "company",
    ),
    MemberSeed(
        "picard",
        "Anne-Laure",
        "Picard",
        "Directrice opérationnelle",
        "Association de prospective sur le numérique",
        "association",
    ),
)


class ConflictSeed(NamedTuple):
    member: str  # MemberSeed.key
    dossier_title: str  # a round-1 dossier of submissions.demo_data
    kind: str  # ConflictOfInterest.Kind value
    comment: str


CONFLICTS = (
    ConflictSeed(
        "vasseur",
        "Tableau de bord de l’activité des juridictions",
        "same_administration",
        "Le dossier est porté par le secrétariat général où je travaille.",
    ),
    ConflictSeed(
        "benhamou",
        "Dossier numérique de l’agent",
        "hierarchical",
        "Le chef de projet relève de la même direction que moi ; je ne note pas ce dossier.",
    ),
    ConflictSeed(
        "tessier",
        "DataMin 360",
        "same_administration",
        "Projet de ma direction.",
    ),
    ConflictSeed(
        "tessier",
        "Cycle de vie de la donnée «\u00a0intervention d’urgence\u00a0»",
        "same_administration",
        "Projet de ma direction.",
    ),
)

# Dates (Europe/Paris); demo values around the announced publication of 2021-03-03.
INVITED_ON = date(2021, 1, 11)
CONFLICTS_DECLARED_ON = date(2021, 2, 3)
HEARING_DAY = date(2021, 2, 10)
HEARING_STARTS, HEARING_ENDS = time(8, 30), time(19, 0)
SLOT_MINUTES = 15
GAP_MINUTES = 0
BREAKS = (
    ("Pause", time(10, 30), time(10, 45)),
    ("Déjeuner", time(12, 30), time(13, 30)),
    ("Pause", time(16, 0), time(16, 15)),
)
HEARING_PLACE = "DINUM, 20 avenue de Ségur, Paris 7e, et en visioconférence"
SCHEDULE_PUBLISHED_ON = date(2021, 1, 29)
DELIBERATION_ON = date(2021, 2, 24)

# Reasons given to the preselected dossiers the jury did not retain (demo wording).
NOT_SELECTED_REASONS = (
    "Projet intéressant, mais dont les bénéfices pour les autres administrations restent à "
    "démontrer.",
    "Le budget présenté paraît disproportionné au regard des objectifs du projet.",
    "La pérennité du service après le cofinancement n’est pas suffisamment assurée.",
    "Projet encore trop peu avancé : le jury encourage une nouvelle candidature au deuxième "
    "appel à projets.",
)

COMMENTS = {
    "favourable": (
        "Projet solide, bien préparé et réutilisable par d’autres administrations.",
        "Équipe convaincante lors de l’audition ; budget cohérent avec le calendrier.",
        "Cas d’usage clair et bénéfices mesurables : je recommande le cofinancement.",
    ),
    "reserved": (
        "Intérêt réel, mais la pérennité après le cofinancement reste à préciser.",
        "Approche technique crédible ; le budget mériterait d’être mieux justifié.",
        "Bénéfices surtout internes à l’administration porteuse.",
    ),
    "unfavourable": (
        "Projet trop peu mûr à ce stade ; à représenter au prochain appel.",
        "Les bénéfices attendus ne justifient pas le montant demandé.",
    ),
}

# One paragraph per item: the minutes are shown with their line breaks.
MINUTES = "\n\n".join(
    (
        "Procès-verbal de la délibération du jury du premier appel à projets « Développer "
        "l’utilisation de la donnée dans votre administration » (données de démonstration).",
        "Le jury, réuni le 24 février 2021 et présidé par {president}, a examiné les {heard} "
        "dossiers présélectionnés par la DINUM et la DITP et auditionnés le 10 février 2021, "
        "au regard des quatre critères de l’appel : bénéfices potentiels, pertinence "
        "technique et crédibilité, pérennité, adéquation du budget.",
        "{members} membres ont siégé. Les membres ayant déclaré un conflit d’intérêts avec un "
        "dossier n’ont ni noté ce dossier ni pris part à la délibération le concernant.",
        "Le jury retient {laureates} projets lauréats, répartis dans six catégories, pour un "
        "cofinancement total de {total} euros. Les {not_selected} autres dossiers ne sont pas "
        "retenus ; un motif est communiqué à chaque administration.",
        "Montants de démonstration : les cofinancements accordés ne reproduisent pas les "
        "montants réels du premier appel, que l’annonce ne donne pas.",
    )
)


# The committee of the 2021 continuous window (demo values: the announcement gives neither its
# sessions nor its decisions). Monthly sessions, each published two days later; the last one
# has its agenda and waits for its decisions, for staff to try recording and publishing them.
class SessionSeed(NamedTuple):
    date: date
    published_on: date | None


WINDOW_SESSIONS = (
    SessionSeed(date(2021, 3, 15), date(2021, 3, 17)),
    SessionSeed(date(2021, 4, 15), date(2021, 4, 19)),
    SessionSeed(date(2021, 5, 17), date(2021, 5, 19)),
    SessionSeed(date(2021, 6, 15), date(2021, 6, 17)),
    SessionSeed(date(2021, 7, 15), date(2021, 7, 20)),
    SessionSeed(date(2021, 9, 15), None),
)
COMMITTEE_PLACE = "DINUM, 20 avenue de Ségur, Paris 7e, et en visioconférence"
# Laureates of the last published session are still signing their conventions.
CONVENTIONS_PENDING_FROM = date(2021, 7, 15)
