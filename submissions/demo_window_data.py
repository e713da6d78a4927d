"""Data table of the 2021 continuous window's demo dossiers, and of the demonstration window.

The announcement of 2021-03-03 says only that a window for projects under €100,000 has been
open since 2021-02-01: it names none of its dossiers. Every dossier below is therefore
**fictitious** (titles, texts, amounts, dates, proposals and reasons are demo values), filed
by the administrations of round 1. They were submitted from February 2021, instructed by the
demo instructor within 30 days, and most went to the monthly committee session named by
``committee`` (see ``jury.demo_data.WINDOW_SESSIONS``): the committee followed the
instructor's proposal. The last ones are still in instruction.
"""

from __future__ import annotations

from datetime import date
from typing import NamedTuple

from submissions.demo_data import (
    API,
    BENEFITS,
    BUDGET,
    CATALOGUE,
    DATA_SCIENCE,
    DUPLICATE,
    MATURITY,
    OPERATOR_ADMINISTRATION,
    PLATFORMS,
    QUALITY,
    STEERING,
    SUSTAINABILITY,
    TECHNICAL,
)

ACCEPT, REFUSE = "accept", "refuse"


class WindowSeed(NamedTuple):
    administration: str  # key of submissions.demo_data.ADMINISTRATIONS
    category: int
    title: str
    subtitle: str
    summary: str
    data: str  # completes « les données … » in the generated texts
    requested: int  # euros, strictly under the window's ceiling of 100,000
    submitted: date
    proposal: str = ""  # ACCEPT or REFUSE; empty while the instruction goes on
    committee: date | None = None  # the committee session the dossier went to
    amount: int | None = None  # proposed (and granted) when below the requested amount
    reason: str = ""  # why it is refused, read by the applicant
    additions: str = ""  # additions requested and still awaited


MARCH, APRIL, MAY = date(2021, 3, 15), date(2021, 4, 15), date(2021, 5, 17)
JUNE, JULY, SEPTEMBER = date(2021, 6, 15), date(2021, 7, 15), date(2021, 9, 15)

WINDOW_2021 = (
    # Committee of 15 March 2021.
    WindowSeed(
        "dgec",
        API,
        "API des installations de production d’électricité renouvelable",
        "Exposer le registre des installations raccordées aux réseaux",
        "Une API du registre des installations de production d’électricité renouvelable, "
        "pour les services instructeurs et les collectivités.",
        "des installations raccordées",
        85_000,
        date(2021, 2, 1),
        ACCEPT,
        MARCH,
    ),
    WindowSeed(
        "insee",
        QUALITY,
        "Répertoire fiabilisé des lieux de collecte des prix",
        "Tenir à jour sans ressaisie la liste des points de vente enquêtés",
        "Rapprocher automatiquement les lieux de collecte des prix des répertoires "
        "d’établissements pour fiabiliser l’échantillon.",
        "des lieux de collecte des prix",
        60_000,
        date(2021, 2, 4),
        ACCEPT,
        MARCH,
        amount=50_000,
    ),
    WindowSeed(
        "prefecture_ara",
        STEERING,
        "Tableau de bord des délais des titres de séjour",
        "Suivre les délais de traitement dans les départements de la région",
        "Un tableau de bord hebdomadaire des demandes de titres de séjour et de leurs "
        "délais, par département de la région Auvergne-Rhône-Alpes.",
        "de délivrance des titres de séjour",
        45_000,
        date(2021, 2, 5),
        ACCEPT,
        MARCH,
    ),
    WindowSeed(
        "dgal",
        CATALOGUE,
        "Catalogue des données sanitaires de l’alimentation",
        "Recenser les jeux de données des contrôles sanitaires",
        "Un inventaire documenté des jeux de données produits par les contrôles sanitaires "
        "de l’alimentation.",
        "des contrôles sanitaires",
        38_000,
        date(2021, 2, 9),
        REFUSE,
        MARCH,
        reason=DUPLICATE,
    ),
    WindowSeed(
        "envsn",
        DATA_SCIENCE,
        "Prévision de la fréquentation des bases nautiques",
        "Anticiper les pics d’activité pour adapter les moyens de surveillance",
        "Prévoir la fréquentation des bases nautiques à partir des données de réservation "
        "et de météo.",
        "de fréquentation des bases nautiques",
        52_000,
        date(2021, 2, 11),
        REFUSE,
        MARCH,
        reason=BENEFITS,
    ),
    WindowSeed(
        "cnous",
        PLATFORMS,
        "Plateforme de données des logements étudiants",
        "Partager l’occupation des résidences avec les collectivités",
        "Une plateforme qui consolide l’occupation des résidences universitaires et la "
        "partage avec les collectivités et les établissements.",
        "d’occupation des résidences universitaires",
        95_000,
        date(2021, 2, 15),
        ACCEPT,
        MARCH,
        amount=80_000,
    ),
    # Committee of 15 April 2021.
    WindowSeed(
        "dares",
        QUALITY,
        "Séries de l’emploi intérimaire publiées automatiquement",
        "Publier chaque mois les séries sans traitement manuel",
        "Automatiser la production et la publication mensuelle des séries de l’emploi "
        "intérimaire à partir des déclarations sociales.",
        "de l’emploi intérimaire",
        40_000,
        date(2021, 2, 25),
        ACCEPT,
        APRIL,
    ),
    WindowSeed(
        "ars_idf",
        STEERING,
        "Capacités d’accueil des établissements médico-sociaux",
        "Suivre chaque semaine les places disponibles en Île-de-France",
        "Un suivi hebdomadaire des places disponibles dans les établissements "
        "médico-sociaux d’Île-de-France, partagé avec les départements.",
        "de capacité des établissements médico-sociaux",
        70_000,
        date(2021, 3, 1),
        ACCEPT,
        APRIL,
    ),
    WindowSeed(
        "dreal_occitanie",
        PLATFORMS,
        "Carte des risques d’inondation pour les services instructeurs",
        "Consulter en un lieu les zonages et les événements passés",
        "Une carte interactive des zonages et des crues passées, pour les services qui "
        "instruisent les autorisations d’urbanisme.",
        "des risques d’inondation",
        55_000,
        date(2021, 3, 3),
        ACCEPT,
        APRIL,
    ),
    WindowSeed(
        "sg_justice",
        API,
        "API des rendez-vous des points d’accès au droit",
        "Prendre rendez-vous en ligne dans tous les points d’accès au droit",
        "Exposer les créneaux des permanences des points d’accès au droit aux services de "
        "prise de rendez-vous.",
        "des permanences juridiques",
        65_000,
        date(2021, 3, 8),
        REFUSE,
        APRIL,
        reason=MATURITY,
    ),
    WindowSeed(
        "mobilier",
        CATALOGUE,
        "Catalogue ouvert des œuvres déposées dans les administrations",
        "Savoir où se trouvent les meubles et les œuvres mis en dépôt",
        "Publier le catalogue des œuvres et des meubles déposés dans les administrations, "
        "avec leur localisation.",
        "des dépôts d’œuvres",
        48_000,
        date(2021, 3, 10),
        ACCEPT,
        APRIL,
    ),
    WindowSeed(
        "dgafp",
        DATA_SCIENCE,
        "Viviers de recrutement de la fonction publique",
        "Mieux connaître les candidats aux concours",
        "Analyser les données des inscriptions aux concours pour mieux connaître les "
        "viviers de recrutement.",
        "des inscriptions aux concours",
        75_000,
        date(2021, 3, 16),
        REFUSE,
        APRIL,
        reason=BUDGET,
    ),
    # Committee of 17 May 2021.
    WindowSeed(
        "gpmh",
        QUALITY,
        "Déclarations de marchandises dangereuses numérisées",
        "Fin des formulaires papier à l’entrée du port",
        "Numériser les déclarations de marchandises dangereuses et contrôler "
        "automatiquement leur complétude.",
        "des marchandises dangereuses",
        90_000,
        date(2021, 3, 24),
        ACCEPT,
        MAY,
        amount=75_000,
    ),
    WindowSeed(
        "drees",
        PLATFORMS,
        "Plateforme de diffusion des enquêtes sur l’aide sociale",
        "Des données départementales de l’aide sociale en libre accès",
        "Diffuser les résultats des enquêtes annuelles sur l’aide sociale départementale "
        "dans un format ouvert et documenté.",
        "de l’aide sociale départementale",
        62_000,
        date(2021, 3, 29),
        ACCEPT,
        MAY,
    ),
    WindowSeed(
        "draaf_bretagne",
        STEERING,
        "Tableau de bord des aides à l’installation des jeunes agriculteurs",
        "Suivre les dossiers d’aide de la demande au paiement",
        "Un tableau de bord des aides à l’installation, de la demande au paiement, pour "
        "les services départementaux de Bretagne.",
        "des aides à l’installation",
        35_000,
        date(2021, 4, 1),
        ACCEPT,
        MAY,
    ),
    WindowSeed(
        "aife",
        API,
        "API du suivi des paiements aux fournisseurs",
        "Informer les fournisseurs de l’État du paiement de leurs factures",
        "Exposer l’état de paiement des factures des fournisseurs de l’État aux portails "
        "qui les accompagnent.",
        "de paiement des factures",
        99_000,
        date(2021, 4, 6),
        ACCEPT,
        MAY,
        amount=90_000,
    ),
    WindowSeed(
        "dap",
        DATA_SCIENCE,
        "Activité des services d’insertion et de probation",
        "Mesurer la charge des conseillers pour répartir les moyens",
        "Analyser les données d’activité des services pénitentiaires d’insertion et de "
        "probation pour mieux répartir les effectifs.",
        "d’activité des services de probation",
        58_000,
        date(2021, 4, 8),
        REFUSE,
        MAY,
        reason=SUSTAINABILITY,
    ),
    WindowSeed(
        "depp",
        CATALOGUE,
        "Catalogue des données d’évaluation des élèves",
        "Documenter les évaluations nationales pour les chercheurs",
        "Un catalogue documenté des données des évaluations nationales, avec leurs "
        "conditions d’accès pour la recherche.",
        "des évaluations nationales",
        42_000,
        date(2021, 4, 13),
        ACCEPT,
        MAY,
    ),
    # Committee of 15 June 2021.
    WindowSeed(
        "acoss",
        QUALITY,
        "Contrôles automatisés des déclarations des très petites entreprises",
        "Détecter les erreurs avant qu’elles ne coûtent aux entreprises",
        "Contrôler automatiquement la cohérence des déclarations sociales des très petites "
        "entreprises et les en avertir.",
        "des déclarations sociales",
        80_000,
        date(2021, 4, 22),
        ACCEPT,
        JUNE,
    ),
    WindowSeed(
        "dgitm",
        API,
        "API des contrôles techniques des poids lourds",
        "Partager les résultats des contrôles avec les forces de l’ordre",
        "Exposer les résultats des contrôles techniques des poids lourds aux services de "
        "contrôle routier.",
        "des contrôles techniques",
        68_000,
        date(2021, 4, 27),
        REFUSE,
        JUNE,
        reason=TECHNICAL,
    ),
    WindowSeed(
        "shom",
        PLATFORMS,
        "Portail des levés bathymétriques",
        "Les profondeurs mesurées, accessibles aux services de l’État",
        "Un portail de consultation et de téléchargement des levés bathymétriques pour les "
        "services de l’État et les ports.",
        "bathymétriques",
        88_000,
        date(2021, 5, 3),
        ACCEPT,
        JUNE,
        amount=70_000,
    ),
    WindowSeed(
        "sgmas",
        STEERING,
        "Pilotage des plateformes téléphoniques des ministères sociaux",
        "Suivre les appels reçus et les délais de réponse",
        "Des indicateurs quotidiens des appels reçus et des délais de réponse des "
        "plateformes téléphoniques des ministères sociaux.",
        "d’appels des plateformes téléphoniques",
        30_000,
        date(2021, 5, 6),
        ACCEPT,
        JUNE,
    ),
    WindowSeed(
        "dgefp",
        DATA_SCIENCE,
        "Besoins de formation des demandeurs d’emploi par bassin",
        "Repérer les formations qui manquent sur chaque territoire",
        "Croiser les offres d’emploi et les formations suivies pour repérer les besoins "
        "de formation par bassin d’emploi.",
        "des formations suivies",
        77_000,
        date(2021, 5, 11),
        REFUSE,
        JUNE,
        reason=DUPLICATE,
    ),
    # Committee of 15 July 2021.
    WindowSeed(
        "menjs",
        API,
        "API des calendriers scolaires",
        "Les vacances de chaque zone, à jour pour toutes les applications",
        "Exposer par API les calendriers scolaires officiels de chaque zone et académie.",
        "des calendriers scolaires",
        25_000,
        date(2021, 5, 20),
        ACCEPT,
        JULY,
    ),
    WindowSeed(
        "sg_culture",
        QUALITY,
        "Données de fréquentation des musées nationaux",
        "Des chiffres de fréquentation homogènes et publiés chaque mois",
        "Harmoniser la collecte des données de fréquentation des musées nationaux et les "
        "publier chaque mois.",
        "de fréquentation des musées",
        46_000,
        date(2021, 5, 26),
        ACCEPT,
        JULY,
    ),
    WindowSeed(
        "dgfip",
        STEERING,
        "Tableau de bord de l’accueil sur rendez-vous",
        "Suivre l’accueil des usagers dans les centres des finances publiques",
        "Un tableau de bord des rendez-vous pris et honorés dans les centres des finances "
        "publiques, par département.",
        "d’accueil des usagers",
        72_000,
        date(2021, 6, 1),
        ACCEPT,
        JULY,
    ),
    WindowSeed(
        "minarm",
        CATALOGUE,
        "Catalogue des données géographiques de la défense",
        "Recenser les couches géographiques diffusables",
        "Un catalogue des données géographiques du ministère des Armées qui peuvent être "
        "partagées avec les autres administrations.",
        "géographiques de la défense",
        54_000,
        date(2021, 6, 3),
        REFUSE,
        JULY,
        reason=BENEFITS,
    ),
    WindowSeed(
        "dnum_mi",
        DATA_SCIENCE,
        "Détection des doublons du répertoire des associations",
        "Fiabiliser le répertoire national des associations",
        "Repérer automatiquement les associations enregistrées plusieurs fois dans le "
        "répertoire national pour les signaler aux greffes.",
        "du répertoire des associations",
        64_000,
        date(2021, 6, 9),
        ACCEPT,
        JULY,
    ),
    # On the agenda of the committee of 15 September 2021, not yet decided.
    WindowSeed(
        "mefr",
        PLATFORMS,
        "Plateforme des données de la commande publique ministérielle",
        "Partager les marchés passés entre les directions",
        "Une plateforme qui rassemble les données des marchés passés par les directions du "
        "ministère et les partage entre acheteurs.",
        "de la commande publique",
        93_000,
        date(2021, 6, 21),
        ACCEPT,
        SEPTEMBER,
        amount=85_000,
    ),
    WindowSeed(
        OPERATOR_ADMINISTRATION,
        API,
        "API Carrière longue",
        "Vérifier l’éligibilité à la retraite anticipée sans pièce justificative",
        "Exposer aux caisses partenaires les trimestres utiles au départ anticipé pour "
        "carrière longue.",
        "de carrière",
        70_000,
        date(2021, 7, 1),
        ACCEPT,
        SEPTEMBER,
    ),
    WindowSeed(
        "insee",
        DATA_SCIENCE,
        "Codification automatique des professions",
        "Coder les professions déclarées dans les enquêtes",
        "Un modèle de codification automatique des libellés de profession des enquêtes "
        "auprès des ménages.",
        "des professions déclarées",
        58_000,
        date(2021, 7, 12),
        REFUSE,
        SEPTEMBER,
        reason=BUDGET,
    ),
    # Still in instruction.
    WindowSeed(
        "dares",
        PLATFORMS,
        "Tensions de recrutement par métier en open data",
        "Publier chaque trimestre l’indicateur de tension par métier",
        "Publier en open data les indicateurs trimestriels de tension de recrutement par "
        "métier et par territoire.",
        "de tension de recrutement",
        44_000,
        date(2021, 8, 23),
    ),
    WindowSeed(
        "prefecture_ara",
        CATALOGUE,
        "Recueil des actes administratifs en open data",
        "Publier les arrêtés préfectoraux dans un format réutilisable",
        "Publier les recueils des actes administratifs de la région sous forme de données "
        "structurées et non plus de fichiers PDF.",
        "des actes administratifs",
        28_000,
        date(2021, 9, 6),
        additions=(
            "Merci de joindre le devis de la prestation de développement et un calendrier "
            "détaillé par étape."
        ),
    ),
    WindowSeed(
        "dgal",
        STEERING,
        "Tableau de bord des contrôles sanitaires en abattoir",
        "Suivre les inspections et leurs suites par établissement",
        "Un tableau de bord des inspections sanitaires en abattoir et de leurs suites, pour "
        "les services départementaux.",
        "d’inspection en abattoir",
        66_000,
        date(2021, 11, 8),
    ),
)

# The demonstration window: one dossier of the demo operator's agent waits for its
# instruction, so that the demo instructor has work right away (see demo.DEMO_NAMESPACE).
DEMO_WINDOW_DOSSIERS = {
    "cnav-window-submitted": {
        "administration": OPERATOR_ADMINISTRATION,
        "state": "submitted",
        "category": QUALITY,
        "title": "Fiabiliser les adresses des retraités",
        "subtitle": "Moins de courriers revenus « n’habite pas à l’adresse indiquée »",
        "summary": (
            "Rapprocher les adresses des retraités de la base adresse nationale pour corriger "
            "celles qui ne sont plus valables (données de démonstration)."
        ),
        "description": (
            "Chaque mois, des milliers de courriers reviennent à la caisse faute d’adresse "
            "valable. Le projet rapproche les adresses de la base adresse nationale et propose "
            "les corrections aux gestionnaires. Dossier de démonstration : textes et montants "
            "fictifs."
        ),
        "benefits_self": "Moins de courriers perdus et de paiements suspendus.",
        "benefits_others": (
            "Les corrections validées sont partagées avec les autres caisses de retraite."
        ),
        "technical_approach": (
            "Géocodage par l’API de la base adresse nationale, file de corrections à valider "
            "par les gestionnaires, journal des modifications."
        ),
        "sustainability": "Le traitement rejoint la chaîne de gestion des adresses de la caisse.",
        "timeline": "Pilote en trois mois dans une caisse régionale, généralisation en six mois.",
        "total_budget": "80000.00",
        "requested_amount": "40000.00",
    },
}
