"""Data tables of the submissions demo: ministries, administrations and round-1 dossiers.

Round 1 of « Développer l’utilisation de la donnée dans votre administration » received
69 dossiers from 30 administrations in 12 ministries; 33 were preselected and 17 became
laureates (announcement of 2021-03-03). The 17 laureates below carry the title, subtitle,
category and administration of the announcement; the announcement prints administrations
in capitals, written here in normal case with their official punctuation. Everything else
(the 52 other dossiers, summaries, texts, amounts, dates, reasons) is fictitious demo data.

Ministries and administrations are those of the Castex government (2020–2021). Real SIRET
numbers are left empty: none is given without being checked. Two administrations carry a
fictitious SIRET (SIREN 999 999 998 and 999 999 972, valid check digits, no real
establishment), so that a ProConnect sign-in can be tried on the demo: the DNUM of the
Interior attaches its ProConnect agents at once, the CNAV receives membership requests.
Every other administration but one (``NO_SIRET``) gets a fictitious SIRET of the
SIREN 999 990 xxx range (``fictitious_siret``), so that the open-data grants file, which needs
the beneficiary's SIRET, has rows.
"""

from __future__ import annotations

from typing import NamedTuple

from stdnum import luhn

from calls.models import AdministrationKind

# Fictitious SIRETs for ProConnect sign-ins on the demo (see above).
DEMO_SIRET_DNUM = "99999999800019"
DEMO_SIRET_CNAV = "99999997200014"


def fictitious_siret(n: int) -> str:
    """The ``n``-th fictitious SIRET of the demo: SIREN 999 990 xx? and NIC 0001?, both
    completed with their Luhn key, so that they pass every check and name no establishment."""
    siren = f"999990{n:02d}"
    siren += luhn.calc_check_digit(siren)
    siret = f"{siren}0001"
    return siret + luhn.calc_check_digit(siret)


# One laureate stays without SIRET: its award cannot go into the SCDL « subventions » file, and
# the call's page of unpublishable awards shows it.
NO_SIRET = "shom"

CENTRAL = AdministrationKind.CENTRAL
DECONCENTRATED = AdministrationKind.DECONCENTRATED
OPERATOR = AdministrationKind.OPERATOR
LOCAL_AUTHORITY = AdministrationKind.LOCAL_AUTHORITY

# Indexes into calls.demo.CATEGORIES (the announcement's six categories, in its order).
PLATFORMS, STEERING, API, DATA_SCIENCE, QUALITY, CATALOGUE = range(6)


class MinistrySeed(NamedTuple):
    name: str
    acronym: str


class AdministrationSeed(NamedTuple):
    name: str
    acronym: str
    kind: str
    ministry: str  # key of MINISTRIES; empty for a local authority
    siret: str = ""
    proconnect_auto_attach: bool = False


class DossierSeed(NamedTuple):
    administration: str  # key of ADMINISTRATIONS
    category: int
    title: str
    subtitle: str
    summary: str
    # Completes « les données … » in the generated texts, e.g. "de trafic portuaire".
    data: str
    preselected: bool
    # Laureate of the announcement: the jury's demo data makes exactly these the laureates.
    laureate: bool = False
    reason: str = ""  # why it was not preselected, shown to the applicant


MINISTRIES = {
    "armees": MinistrySeed("Ministère des Armées", "MINARM"),
    "transition_ecologique": MinistrySeed("Ministère de la Transition écologique", "MTE"),
    "interieur": MinistrySeed("Ministère de l’Intérieur", "MI"),
    "solidarites_sante": MinistrySeed("Ministère des Solidarités et de la Santé", "MSS"),
    "economie": MinistrySeed("Ministère de l’Économie, des Finances et de la Relance", "MEFR"),
    "education": MinistrySeed(
        "Ministère de l’Éducation nationale, de la Jeunesse et des Sports", "MENJS"
    ),
    "culture": MinistrySeed("Ministère de la Culture", "MC"),
    "justice": MinistrySeed("Ministère de la Justice", "MJ"),
    "travail": MinistrySeed("Ministère du Travail, de l’Emploi et de l’Insertion", "MTEI"),
    "agriculture": MinistrySeed("Ministère de l’Agriculture et de l’Alimentation", "MAA"),
    "enseignement_superieur": MinistrySeed(
        "Ministère de l’Enseignement supérieur, de la Recherche et de l’Innovation", "MESRI"
    ),
    "fonction_publique": MinistrySeed(
        "Ministère de la Transformation et de la Fonction publiques", "MTFP"
    ),
}

# The 30 administrations that filed round-1 dossiers; the first 15 are the laureates'.
ADMINISTRATIONS = {
    # The announcement names the ministry itself for three laureates.
    "minarm": AdministrationSeed("Ministère des Armées", "MINARM", CENTRAL, "armees"),
    "dgec": AdministrationSeed(
        "Direction générale de l’énergie et du climat", "DGEC", CENTRAL, "transition_ecologique"
    ),
    "dnum_mi": AdministrationSeed(
        "Direction du numérique du ministère de l’Intérieur",
        "DNUM",
        CENTRAL,
        "interieur",
        siret=DEMO_SIRET_DNUM,
        proconnect_auto_attach=True,
    ),
    "dgitm": AdministrationSeed(
        "Direction générale des infrastructures, des transports et de la mer",
        "DGITM",
        CENTRAL,
        "transition_ecologique",
    ),
    "gpmh": AdministrationSeed(
        "Grand port maritime du Havre", "GPMH", OPERATOR, "transition_ecologique"
    ),
    "acoss": AdministrationSeed(
        "Agence centrale des organismes de sécurité sociale",
        "ACOSS",
        OPERATOR,
        "solidarites_sante",
    ),
    "sgmas": AdministrationSeed(
        "Secrétariat général des ministères chargés des affaires sociales",
        "SGMAS",
        CENTRAL,
        "solidarites_sante",
    ),
    "mefr": AdministrationSeed(
        "Ministère de l’Économie, des Finances et de la Relance", "MEFR", CENTRAL, "economie"
    ),
    "aife": AdministrationSeed(
        "Agence pour l’informatique financière de l’État", "AIFE", CENTRAL, "economie"
    ),
    "menjs": AdministrationSeed(
        "Ministère de l’Éducation nationale, de la Jeunesse et des Sports",
        "MENJS",
        CENTRAL,
        "education",
    ),
    "cnav": AdministrationSeed(
        "Caisse nationale d’assurance vieillesse des travailleurs salariés",
        "CNAV",
        OPERATOR,
        "solidarites_sante",
        siret=DEMO_SIRET_CNAV,
    ),
    "envsn": AdministrationSeed(
        "École nationale de voile et des sports nautiques", "ENVSN", OPERATOR, "education"
    ),
    "sg_culture": AdministrationSeed(
        "Secrétariat général du ministère de la Culture", "SG Culture", CENTRAL, "culture"
    ),
    "mobilier": AdministrationSeed(
        "Mobilier national et manufactures nationales des Gobelins, de Beauvais et de la "
        "Savonnerie",
        "Mobilier national",
        OPERATOR,
        "culture",
    ),
    "shom": AdministrationSeed(
        "Service hydrographique et océanographique de la Marine", "SHOM", OPERATOR, "armees"
    ),
    # Administrations whose round-1 dossiers were not selected.
    "sg_justice": AdministrationSeed(
        "Secrétariat général du ministère de la Justice", "SG Justice", CENTRAL, "justice"
    ),
    "dap": AdministrationSeed(
        "Direction de l’administration pénitentiaire", "DAP", CENTRAL, "justice"
    ),
    "dgefp": AdministrationSeed(
        "Délégation générale à l’emploi et à la formation professionnelle",
        "DGEFP",
        CENTRAL,
        "travail",
    ),
    "dares": AdministrationSeed(
        "Direction de l’animation de la recherche, des études et des statistiques",
        "DARES",
        CENTRAL,
        "travail",
    ),
    "dgal": AdministrationSeed(
        "Direction générale de l’alimentation", "DGAL", CENTRAL, "agriculture"
    ),
    "draaf_bretagne": AdministrationSeed(
        "Direction régionale de l’alimentation, de l’agriculture et de la forêt de Bretagne",
        "DRAAF Bretagne",
        DECONCENTRATED,
        "agriculture",
    ),
    "cnous": AdministrationSeed(
        "Centre national des œuvres universitaires et scolaires",
        "CNOUS",
        OPERATOR,
        "enseignement_superieur",
    ),
    "dgafp": AdministrationSeed(
        "Direction générale de l’administration et de la fonction publique",
        "DGAFP",
        CENTRAL,
        "fonction_publique",
    ),
    "dgfip": AdministrationSeed(
        "Direction générale des finances publiques", "DGFiP", CENTRAL, "economie"
    ),
    "insee": AdministrationSeed(
        "Institut national de la statistique et des études économiques",
        "Insee",
        CENTRAL,
        "economie",
    ),
    "drees": AdministrationSeed(
        "Direction de la recherche, des études, de l’évaluation et des statistiques",
        "DREES",
        CENTRAL,
        "solidarites_sante",
    ),
    "ars_idf": AdministrationSeed(
        "Agence régionale de santé d’Île-de-France",
        "ARS Île-de-France",
        OPERATOR,
        "solidarites_sante",
    ),
    "dreal_occitanie": AdministrationSeed(
        "Direction régionale de l’environnement, de l’aménagement et du logement d’Occitanie",
        "DREAL Occitanie",
        DECONCENTRATED,
        "transition_ecologique",
    ),
    "prefecture_ara": AdministrationSeed(
        "Préfecture de la région Auvergne-Rhône-Alpes", "", DECONCENTRATED, "interieur"
    ),
    "depp": AdministrationSeed(
        "Direction de l’évaluation, de la prospective et de la performance",
        "DEPP",
        CENTRAL,
        "education",
    ),
}

# Not eligible to the programme (the announcement points local authorities to another
# fund): it has no round-1 dossier and shows the eligibility refusal.
LOCAL_AUTHORITY_KEY = "region_normandie"
LOCAL_AUTHORITIES = {
    LOCAL_AUTHORITY_KEY: AdministrationSeed("Région Normandie", "", LOCAL_AUTHORITY, ""),
}

# The 17 laureates, in the order of the announcement.
LAUREATES = (
    DossierSeed(
        "minarm",
        PLATFORMS,
        "ANAIS",
        "Hub d’échange de données maritimes",
        "Un hub pour que les services de l’État en mer échangent leurs données maritimes "
        "par des interfaces communes plutôt que par des envois de fichiers.",
        "maritimes (positions, signalements, événements de mer)",
        preselected=True,
        laureate=True,
    ),
    DossierSeed(
        "dgec",
        PLATFORMS,
        "Potentiel",
        "Faciliter le parcours des producteurs d’énergies renouvelables électriques",
        "Une plateforme qui rassemble les informations utiles aux porteurs de projets "
        "d’énergies renouvelables électriques et suit leurs démarches.",
        "des projets de production d’électricité renouvelable",
        preselected=True,
        laureate=True,
    ),
    DossierSeed(
        "dnum_mi",
        PLATFORMS,
        "DataMin 360",
        "Collecter, analyser, visualiser les données financières",
        "Une plateforme qui collecte les données financières des programmes du ministère, "
        "les analyse et les restitue sous forme de visualisations partagées.",
        "financières et budgétaires du ministère",
        preselected=True,
        laureate=True,
    ),
    DossierSeed(
        "dgitm",
        STEERING,
        "Observatoire du covoiturage au quotidien",
        "Suivre l’évolution des pratiques et d’évaluer l’impact des mesures prises afin "
        "d’adapter les politiques publiques de covoiturage",
        "Un observatoire alimenté par les trajets déclarés au registre de preuve de "
        "covoiturage pour mesurer les pratiques et l’effet des incitations.",
        "de trajets de covoiturage",
        preselected=True,
        laureate=True,
    ),
    DossierSeed(
        "dnum_mi",
        STEERING,
        "Cycle de vie de la donnée «\u00a0intervention d’urgence\u00a0»",
        "Améliorer l’efficacité des interventions d’urgence de la gendarmerie",
        "Structurer les données des interventions d’urgence de la gendarmerie, de l’appel "
        "à la clôture, pour piloter les délais et les moyens engagés.",
        "d’interventions d’urgence",
        preselected=True,
        laureate=True,
    ),
    DossierSeed(
        "gpmh",
        STEERING,
        "Projet SMARTRAFIC",
        "Mise en place d’un hyperviseur - Partage des données de trafics routiers, "
        "ferroviaires et fluviaux",
        "Un hyperviseur qui croise les trafics routiers, ferroviaires et fluviaux de la "
        "place portuaire et partage ces données avec les acteurs du port.",
        "de trafic routier, ferroviaire et fluvial",
        preselected=True,
        laureate=True,
    ),
    DossierSeed(
        "acoss",
        STEERING,
        "Industrialisation et enrichissement du tableau de bord Crise COVID pour le suivi "
        "des recouvrements",
        "",
        "Passer d’un tableau de bord construit dans l’urgence de la crise sanitaire à un "
        "outil industrialisé de suivi des reports et des recouvrements de cotisations.",
        "de recouvrement des cotisations",
        preselected=True,
        laureate=True,
    ),
    DossierSeed(
        "sgmas",
        STEERING,
        "Base commune des entreprises (BCE)",
        "Piloter par la donnée les relations avec les entreprises",
        "Une base commune des entreprises en relation avec les services des ministères "
        "sociaux, pour partager une vision unique de chaque entreprise.",
        "relatives aux entreprises suivies par les ministères sociaux",
        preselected=True,
        laureate=True,
    ),
    DossierSeed(
        "mefr",
        API,
        "Dossier numérique de l’agent",
        "Déploiement de la Fiche Interministérielle de Synthèse Individuelle et portage dans "
        "l’ENSAP - Faciliter le parcours des agents publics",
        "Mettre la fiche de synthèse individuelle de chaque agent à disposition dans "
        "l’ENSAP, alimentée par API depuis les systèmes de gestion des ressources humaines.",
        "de carrière des agents publics",
        preselected=True,
        laureate=True,
    ),
    DossierSeed(
        "aife",
        API,
        "Chorus – API demandes d’achats",
        "Améliorer le délai d’approvisionnement des services ministériels en réduisant le "
        "temps de traitement de leurs demandes d’achats.",
        "Une API qui permet aux applications ministérielles de créer et de suivre leurs "
        "demandes d’achats dans Chorus sans double saisie.",
        "des demandes d’achats",
        preselected=True,
        laureate=True,
    ),
    DossierSeed(
        "menjs",
        API,
        "Projet SUPDATA",
        "Mise en place du service StatutÉtudiant. Construire un référentiel national et "
        "actualisé des inscriptions en cours dans une formation du supérieur",
        "Un service qui indique si une personne est inscrite dans une formation du "
        "supérieur, à partir d’un référentiel national actualisé des inscriptions.",
        "d’inscription dans l’enseignement supérieur",
        preselected=True,
        laureate=True,
    ),
    DossierSeed(
        "cnav",
        API,
        "API Sécu",
        "Exposer des données issues des organismes de la Sphère Sociale afin de faciliter "
        "les échanges et améliorer les services rendus aux citoyens",
        "Exposer par API des données des organismes de la sphère sociale aux "
        "administrations habilitées, pour simplifier les démarches des assurés.",
        "des organismes de la sphère sociale",
        preselected=True,
        laureate=True,
    ),
    DossierSeed(
        "envsn",
        DATA_SCIENCE,
        "Les data sciences au service de la lutte contre les noyades et les accidents en "
        "loisirs nautiques.",
        "",
        "Analyser les données d’accidents et de noyades pour mieux cibler la prévention "
        "dans les activités nautiques de loisir.",
        "d’accidentologie des loisirs nautiques",
        preselected=True,
        laureate=True,
    ),
    DossierSeed(
        "sg_culture",
        QUALITY,
        "SIMARA",
        "Plateforme de transcription d’inventaires manuscrits du XVIIIe au XXe siècle "
        "grâce à l’intelligence artificielle.",
        "Transcrire automatiquement des inventaires d’archives manuscrits pour les rendre "
        "consultables et interrogeables en ligne.",
        "des inventaires manuscrits d’archives",
        preselected=True,
        laureate=True,
    ),
    DossierSeed(
        "mobilier",
        QUALITY,
        "Numériser les collections textiles historiques du Mobilier national - Informatiser "
        "une collection",
        "",
        "Photographier, décrire et informatiser les collections textiles historiques pour "
        "les gérer et les partager avec les chercheurs et le public.",
        "des collections textiles",
        preselected=True,
        laureate=True,
    ),
    DossierSeed(
        "shom",
        QUALITY,
        "Transformation numérique du système de production des publications nautiques",
        "",
        "Produire les publications nautiques à partir de bases de données structurées "
        "plutôt que de documents, pour les tenir à jour plus vite.",
        "nautiques de référence",
        preselected=True,
        laureate=True,
    ),
    DossierSeed(
        "sg_culture",
        CATALOGUE,
        "Data.Culture.Catalogue",
        "Une cartographie dynamique et partagée des données du ministère de la Culture",
        "Recenser et décrire les données des directions et des établissements du ministère "
        "dans un catalogue partagé.",
        "du ministère et de ses établissements",
        preselected=True,
        laureate=True,
    ),
)

# Short reasons given to the dossiers that were not preselected (demo wording).
OUT_OF_SCOPE = (
    "Projet hors du périmètre de l’appel : il relève surtout d’un renouvellement d’infrastructure."
)
BUDGET = "Budget insuffisamment détaillé au regard du cofinancement demandé."
BENEFITS = "Bénéfices pour les autres administrations peu démontrés."
MATURITY = "Projet encore exploratoire : équipe, méthode et calendrier à consolider."
SUSTAINABILITY = "Pérennité du service après le cofinancement non assurée."
DUPLICATE = "Projet proche d’un service existant : une mutualisation est recommandée."
TECHNICAL = "Approche technique insuffisamment précisée (sources, formats, hébergement)."

# The 52 other dossiers of round 1 (fictitious): 16 preselected, 36 not preselected.
OTHERS = (
    DossierSeed(
        "sg_justice",
        STEERING,
        "Tableau de bord de l’activité des juridictions",
        "Suivre les délais de traitement des affaires civiles et pénales",
        "Des indicateurs mensuels d’activité et de délais par juridiction, partagés entre "
        "l’administration centrale et les cours d’appel.",
        "d’activité des juridictions",
        preselected=True,
    ),
    DossierSeed(
        "sg_justice",
        CATALOGUE,
        "Catalogue des données du ministère de la Justice",
        "Recenser et documenter les jeux de données des directions",
        "Un inventaire des jeux de données des directions du ministère, avec leurs "
        "responsables et leurs conditions d’accès.",
        "des directions du ministère",
        preselected=False,
        reason=DUPLICATE,
    ),
    DossierSeed(
        "dap",
        STEERING,
        "Pilotage de l’occupation des établissements pénitentiaires",
        "Un entrepôt de données quotidien sur l’occupation des établissements",
        "Consolider chaque jour les données d’occupation des établissements pénitentiaires "
        "pour anticiper les tensions et orienter les affectations.",
        "d’occupation des établissements",
        preselected=True,
    ),
    DossierSeed(
        "dap",
        API,
        "API Écrou",
        "Échanger les informations de détention avec les juridictions",
        "Une API pour transmettre aux juridictions les informations de détention sans "
        "échanges de télécopies ni de courriels.",
        "de détention",
        preselected=False,
        reason=TECHNICAL,
    ),
    DossierSeed(
        "dgefp",
        API,
        "API Aides à l’embauche",
        "Partager l’état des aides à l’embauche avec les opérateurs du service public de l’emploi",
        "Exposer par API l’état des aides à l’embauche pour que les opérateurs du service "
        "public de l’emploi n’aient plus à le demander aux employeurs.",
        "des aides à l’embauche",
        preselected=True,
    ),
    DossierSeed(
        "dgefp",
        STEERING,
        "Tableau de bord du plan « 1 jeune, 1 solution »",
        "Suivre chaque semaine l’entrée des jeunes dans les dispositifs",
        "Un tableau de bord hebdomadaire des entrées des jeunes dans les dispositifs du plan, "
        "par territoire et par dispositif.",
        "d’entrée des jeunes dans les dispositifs",
        preselected=False,
        reason=DUPLICATE,
    ),
    DossierSeed(
        "dares",
        DATA_SCIENCE,
        "Repérer les métiers en tension dans les offres d’emploi",
        "Classer automatiquement les offres d’emploi par métier et par niveau de tension",
        "Appliquer des méthodes de traitement du langage aux offres d’emploi pour suivre "
        "les tensions de recrutement presque en temps réel.",
        "des offres d’emploi",
        preselected=False,
        reason=MATURITY,
    ),
    DossierSeed(
        "dares",
        QUALITY,
        "Automatiser la collecte des données sur les mouvements de main-d’œuvre",
        "Fiabiliser les séries statistiques sur l’emploi",
        "Remplacer les saisies et contrôles manuels des données sur les mouvements de "
        "main-d’œuvre par une chaîne de traitement automatisée.",
        "sur les mouvements de main-d’œuvre",
        preselected=False,
        reason=BENEFITS,
    ),
    DossierSeed(
        "dgal",
        PLATFORMS,
        "Plateforme de partage des résultats des contrôles sanitaires",
        "Publier et visualiser les contrôles sanitaires des établissements alimentaires",
        "Rassembler les résultats des contrôles sanitaires des établissements alimentaires "
        "et les publier sous une forme lisible par tous.",
        "des contrôles sanitaires",
        preselected=True,
    ),
    DossierSeed(
        "dgal",
        DATA_SCIENCE,
        "Cibler les contrôles sanitaires par la donnée",
        "Prioriser les inspections grâce à l’analyse des non-conformités passées",
        "Un modèle qui aide les services à prioriser les inspections à partir de "
        "l’historique des non-conformités.",
        "d’inspection sanitaire",
        preselected=False,
        reason=MATURITY,
    ),
    DossierSeed(
        "draaf_bretagne",
        STEERING,
        "Observatoire régional de l’agriculture biologique en Bretagne",
        "Suivre les conversions et les surfaces en agriculture biologique",
        "Un observatoire régional des conversions et des surfaces en agriculture "
        "biologique, mis à jour chaque trimestre.",
        "de l’agriculture biologique en Bretagne",
        preselected=False,
        reason=BENEFITS,
    ),
    DossierSeed(
        "draaf_bretagne",
        QUALITY,
        "Dématérialiser la collecte des statistiques agricoles régionales",
        "Des formulaires en ligne et des contrôles automatiques pour les enquêtes",
        "Remplacer les questionnaires papier des enquêtes agricoles régionales par une "
        "collecte en ligne contrôlée à la saisie.",
        "des enquêtes agricoles régionales",
        preselected=False,
        reason=OUT_OF_SCOPE,
    ),
    DossierSeed(
        "cnous",
        API,
        "API Statut boursier",
        "Vérifier le statut de boursier sans pièce justificative",
        "Permettre aux services publics habilités de vérifier le statut de boursier d’un "
        "étudiant sans lui demander d’attestation.",
        "des bourses sur critères sociaux",
        preselected=True,
    ),
    DossierSeed(
        "cnous",
        STEERING,
        "Tableau de bord de l’occupation des résidences universitaires",
        "Suivre les disponibilités des logements étudiants par académie",
        "Suivre chaque semaine les taux d’occupation et les demandes en attente des "
        "résidences universitaires.",
        "d’occupation des résidences universitaires",
        preselected=False,
        reason=SUSTAINABILITY,
    ),
    DossierSeed(
        "dgafp",
        STEERING,
        "Baromètre des ressources humaines de la fonction publique",
        "Des indicateurs RH partagés entre employeurs publics",
        "Des indicateurs de ressources humaines communs aux employeurs publics, calculés "
        "automatiquement à partir des systèmes de paie.",
        "de ressources humaines des employeurs publics",
        preselected=False,
        reason=TECHNICAL,
    ),
    DossierSeed(
        "dgafp",
        CATALOGUE,
        "Référentiel des données RH de l’État",
        "Décrire et harmoniser les données de gestion des agents publics",
        "Un référentiel partagé des données de gestion des agents, pour que les systèmes "
        "RH des ministères parlent le même langage.",
        "de gestion des agents publics",
        preselected=True,
    ),
    DossierSeed(
        "dgfip",
        API,
        "API Situation fiscale des professionnels",
        "Ouvrir aux administrations habilitées l’attestation de régularité fiscale",
        "Exposer par API la régularité fiscale des entreprises aux acheteurs publics et aux "
        "administrations habilitées.",
        "de régularité fiscale des entreprises",
        preselected=True,
    ),
    DossierSeed(
        "dgfip",
        DATA_SCIENCE,
        "Détection des anomalies dans les déclarations de TVA",
        "Repérer les incohérences déclaratives pour mieux cibler les contrôles",
        "Un modèle d’apprentissage qui signale les déclarations de TVA atypiques aux "
        "services de contrôle.",
        "des déclarations de TVA",
        preselected=False,
        reason=DUPLICATE,
    ),
    DossierSeed(
        "insee",
        PLATFORMS,
        "Plateforme de visualisation des données infracommunales",
        "Visualiser les indicateurs sociaux à l’échelle du quartier",
        "Une plateforme de cartes et de graphiques pour explorer les indicateurs sociaux à "
        "l’échelle des quartiers.",
        "statistiques infracommunales",
        preselected=False,
        reason=BUDGET,
    ),
    DossierSeed(
        "insee",
        QUALITY,
        "Contrôle automatisé de la qualité du répertoire des entreprises",
        "Améliorer la qualité du répertoire SIRENE par des contrôles continus",
        "Des contrôles automatiques et continus pour repérer les incohérences du répertoire "
        "des entreprises et les faire corriger à la source.",
        "du répertoire des entreprises",
        preselected=True,
    ),
    DossierSeed(
        "drees",
        STEERING,
        "Tableau de bord des minima sociaux",
        "Suivre chaque mois le nombre de bénéficiaires pendant la crise sanitaire",
        "Un suivi mensuel du nombre de bénéficiaires des minima sociaux pour mesurer les "
        "effets de la crise sanitaire.",
        "sur les bénéficiaires des minima sociaux",
        preselected=True,
    ),
    DossierSeed(
        "drees",
        CATALOGUE,
        "Catalogue des données de santé et de solidarité",
        "Documenter les enquêtes et les bases statistiques de la DREES",
        "Décrire les enquêtes et bases statistiques de la direction dans un catalogue "
        "consultable par les chercheurs.",
        "des enquêtes statistiques",
        preselected=False,
        reason=DUPLICATE,
    ),
    DossierSeed(
        "ars_idf",
        PLATFORMS,
        "Plateforme régionale de suivi des capacités hospitalières",
        "Visualiser en temps réel les lits disponibles en Île-de-France",
        "Une plateforme régionale qui agrège les capacités déclarées par les établissements "
        "de santé et les visualise en temps réel.",
        "de capacités hospitalières",
        preselected=False,
        reason=SUSTAINABILITY,
    ),
    DossierSeed(
        "ars_idf",
        DATA_SCIENCE,
        "Prévoir l’affluence aux urgences",
        "Anticiper les pics d’activité des services d’urgence franciliens",
        "Des modèles de prévision de l’affluence aux urgences pour ajuster les effectifs "
        "et les lits d’aval.",
        "de passages aux urgences",
        preselected=False,
        reason=MATURITY,
    ),
    DossierSeed(
        "dreal_occitanie",
        PLATFORMS,
        "Portail régional des données environnementales d’Occitanie",
        "Partager les données environnementales avec les collectivités et les associations",
        "Un portail régional qui donne accès aux données environnementales produites par "
        "les services de l’État en Occitanie.",
        "environnementales régionales",
        preselected=False,
        reason=DUPLICATE,
    ),
    DossierSeed(
        "dreal_occitanie",
        QUALITY,
        "Numériser les dossiers des installations classées",
        "Rendre exploitables les arrêtés et les rapports d’inspection",
        "Numériser et structurer les arrêtés et rapports d’inspection des installations "
        "classées pour les rendre interrogeables.",
        "des installations classées",
        preselected=False,
        reason=BUDGET,
    ),
    DossierSeed(
        "prefecture_ara",
        STEERING,
        "Tableau de bord territorial du plan de relance",
        "Suivre le déploiement des mesures de France Relance en Auvergne-Rhône-Alpes",
        "Suivre, département par département, l’engagement des crédits et l’avancement des "
        "projets financés par le plan de relance.",
        "de suivi des mesures de relance",
        preselected=True,
    ),
    DossierSeed(
        "prefecture_ara",
        API,
        "API Rendez-vous en préfecture",
        "Publier les créneaux disponibles des guichets préfectoraux",
        "Exposer par API les créneaux disponibles aux guichets pour que les usagers et les "
        "partenaires puissent les consulter.",
        "de prise de rendez-vous",
        preselected=False,
        reason=BENEFITS,
    ),
    DossierSeed(
        "depp",
        DATA_SCIENCE,
        "Analyse des évaluations nationales des élèves",
        "Repérer les écarts de niveau pour mieux cibler les moyens",
        "Analyser finement les résultats des évaluations nationales pour repérer les "
        "écarts entre établissements et territoires.",
        "des évaluations nationales",
        preselected=False,
        reason=MATURITY,
    ),
    DossierSeed(
        "depp",
        CATALOGUE,
        "Catalogue des données de l’éducation",
        "Documenter et ouvrir les bases statistiques de l’enseignement scolaire",
        "Documenter les bases statistiques de l’enseignement scolaire et publier les plus "
        "demandées en open data.",
        "statistiques de l’enseignement scolaire",
        preselected=False,
        reason=DUPLICATE,
    ),
    DossierSeed(
        "minarm",
        STEERING,
        "Piloter la maintenance des équipements par la donnée",
        "Suivre la disponibilité des matériels à partir des données de maintenance",
        "Consolider les données de maintenance pour suivre la disponibilité des matériels "
        "et anticiper les besoins de pièces.",
        "de maintenance des matériels",
        preselected=False,
        reason=OUT_OF_SCOPE,
    ),
    DossierSeed(
        "shom",
        CATALOGUE,
        "Catalogue des données océanographiques de référence",
        "Faciliter la découverte et la réutilisation des données marines",
        "Un catalogue des données océanographiques de référence, moissonné par les portails "
        "nationaux et européens.",
        "océanographiques",
        preselected=False,
        reason=DUPLICATE,
    ),
    DossierSeed(
        "dgec",
        STEERING,
        "Tableau de bord de la rénovation énergétique",
        "Suivre les aides et les économies d’énergie par territoire",
        "Croiser les données des aides à la rénovation et des consommations pour suivre les "
        "économies d’énergie par territoire.",
        "de rénovation énergétique",
        preselected=True,
    ),
    DossierSeed(
        "dgec",
        API,
        "API Certificats d’économies d’énergie",
        "Partager l’état des dossiers de certificats avec les obligés",
        "Une API qui permet aux obligés et aux délégataires de suivre l’instruction de leurs "
        "dossiers de certificats d’économies d’énergie.",
        "des certificats d’économies d’énergie",
        preselected=False,
        reason=BENEFITS,
    ),
    DossierSeed(
        "dgitm",
        API,
        "API Contrôle technique des poids lourds",
        "Partager les résultats des contrôles techniques avec les forces de l’ordre",
        "Exposer les résultats des contrôles techniques des poids lourds aux services de "
        "contrôle routier.",
        "de contrôle technique",
        preselected=False,
        reason=TECHNICAL,
    ),
    DossierSeed(
        "dgitm",
        QUALITY,
        "Fiabiliser les données de sécurité des infrastructures routières",
        "Un référentiel unique des équipements de sécurité du réseau national",
        "Constituer un référentiel fiable des équipements de sécurité du réseau routier "
        "national à partir des relevés de terrain.",
        "d’équipement du réseau routier",
        preselected=False,
        reason=BUDGET,
    ),
    DossierSeed(
        "gpmh",
        DATA_SCIENCE,
        "Prévoir la durée des escales des navires",
        "Optimiser l’accueil des navires par l’analyse des escales passées",
        "Prévoir la durée des escales à partir de l’historique pour mieux planifier les "
        "postes à quai.",
        "d’escale des navires",
        preselected=False,
        reason=MATURITY,
    ),
    DossierSeed(
        "dnum_mi",
        API,
        "API Droits à conduire",
        "Vérifier les droits à conduire sans demander de pièce justificative",
        "Permettre aux administrations et aux employeurs publics habilités de vérifier les "
        "droits à conduire d’une personne.",
        "du système national des permis de conduire",
        preselected=True,
    ),
    DossierSeed(
        "dnum_mi",
        QUALITY,
        "Fiabiliser le répertoire national des associations",
        "Corriger et compléter les fiches des associations à la source",
        "Repérer automatiquement les fiches incomplètes ou incohérentes du répertoire des "
        "associations et les faire corriger.",
        "du répertoire des associations",
        preselected=False,
        reason=BENEFITS,
    ),
    DossierSeed(
        "acoss",
        API,
        "API Attestations de vigilance",
        "Exposer aux acheteurs publics la régularité sociale des entreprises",
        "Permettre aux acheteurs publics de vérifier par API la régularité sociale des "
        "entreprises candidates.",
        "de régularité sociale des entreprises",
        preselected=True,
    ),
    DossierSeed(
        "acoss",
        DATA_SCIENCE,
        "Repérer le travail dissimulé par l’analyse des déclarations",
        "Mieux cibler les contrôles des URSSAF",
        "Croiser les déclarations sociales pour signaler les situations atypiques aux "
        "inspecteurs du recouvrement.",
        "des déclarations sociales",
        preselected=False,
        reason=DUPLICATE,
    ),
    DossierSeed(
        "sgmas",
        CATALOGUE,
        "Cartographie des données des ministères sociaux",
        "Savoir qui détient quelles données dans les ministères sociaux",
        "Un inventaire des données détenues par les directions des ministères sociaux et "
        "de leurs conditions de partage.",
        "des ministères sociaux",
        preselected=False,
        reason=SUSTAINABILITY,
    ),
    DossierSeed(
        "cnav",
        DATA_SCIENCE,
        "Prévenir les ruptures de ressources au passage à la retraite",
        "Repérer les assurés à risque pour les accompagner",
        "Repérer les assurés exposés à une rupture de ressources au moment de la retraite "
        "pour leur proposer un accompagnement.",
        "de carrière des assurés",
        preselected=False,
        reason=MATURITY,
    ),
    DossierSeed(
        "cnav",
        STEERING,
        "Piloter les délais de liquidation des retraites",
        "Suivre les délais de traitement par caisse régionale",
        "Suivre chaque semaine les délais de traitement des demandes de retraite par "
        "caisse régionale et par type de dossier.",
        "de liquidation des retraites",
        preselected=False,
        reason=BENEFITS,
    ),
    DossierSeed(
        "mefr",
        STEERING,
        "Tableau de bord des mesures d’urgence économiques",
        "Suivre l’usage du fonds de solidarité et des prêts garantis",
        "Consolider les données du fonds de solidarité et des prêts garantis pour suivre "
        "leur usage par secteur et par territoire.",
        "des mesures d’urgence économiques",
        preselected=True,
    ),
    DossierSeed(
        "mefr",
        CATALOGUE,
        "Inventaire des données des ministères économiques et financiers",
        "Un catalogue commun aux directions de Bercy",
        "Recenser les données des directions des ministères économiques et financiers dans "
        "un catalogue commun.",
        "des directions des ministères économiques et financiers",
        preselected=False,
        reason=DUPLICATE,
    ),
    DossierSeed(
        "aife",
        PLATFORMS,
        "Visualiser les délais de paiement de l’État",
        "Publier les délais de paiement des fournisseurs par ministère",
        "Une plateforme de visualisation des délais de paiement des fournisseurs de l’État, "
        "par ministère et par service.",
        "de délais de paiement",
        preselected=False,
        reason=BUDGET,
    ),
    DossierSeed(
        "menjs",
        STEERING,
        "Tableau de bord du dispositif « Vacances apprenantes »",
        "Suivre la participation des élèves par académie",
        "Un tableau de bord de la participation des élèves au dispositif, alimenté par les "
        "remontées des académies.",
        "de participation au dispositif",
        preselected=False,
        reason=SUSTAINABILITY,
    ),
    DossierSeed(
        "envsn",
        PLATFORMS,
        "Plateforme de déclaration des accidents en mer",
        "Collecter les accidents de loisirs nautiques auprès des partenaires",
        "Une plateforme où les secours et les partenaires déclarent les accidents de "
        "loisirs nautiques selon un format commun.",
        "d’accidents en mer",
        preselected=False,
        reason=DUPLICATE,
    ),
    DossierSeed(
        "sg_culture",
        STEERING,
        "Tableau de bord de la fréquentation des musées nationaux",
        "Suivre la fréquentation et les recettes pendant la crise sanitaire",
        "Suivre chaque semaine la fréquentation et les recettes des musées nationaux pour "
        "piloter leur réouverture.",
        "de fréquentation des musées",
        preselected=True,
    ),
    DossierSeed(
        "mobilier",
        PLATFORMS,
        "Consulter en ligne les collections de mobilier",
        "Ouvrir les notices des collections au public et aux chercheurs",
        "Publier en ligne les notices et les images des collections de mobilier, avec une "
        "recherche par époque et par matériau.",
        "des collections de mobilier",
        preselected=False,
        reason=BENEFITS,
    ),
    DossierSeed(
        "shom",
        API,
        "API Marées",
        "Diffuser les prédictions de marée aux services publics",
        "Diffuser par API les prédictions de marée et les hauteurs d’eau aux services "
        "publics et aux applications de navigation.",
        "de marée",
        preselected=True,
    ),
)

ROUND_1 = LAUREATES + OTHERS

# Demo accounts (public passwords, for trying the service only).
APPLICANT_ADMINISTRATION = "dnum_mi"
OPERATOR_ADMINISTRATION = "cnav"

# Dossiers of the demonstration call: keyed by a stable name (see demo.demo_token).
DEMO_CALL_DOSSIERS = {
    "dnum-nearly-complete": {
        "administration": APPLICANT_ADMINISTRATION,
        "category": STEERING,
        "title": "Tableau de bord des délais de délivrance des titres",
        "subtitle": "Suivre les délais des cartes d’identité et des passeports par département",
        "summary": (
            "Un tableau de bord hebdomadaire des délais de délivrance des titres d’identité, "
            "par département et par mairie équipée (données de démonstration)."
        ),
        "description": (
            "Les délais de délivrance des cartes nationales d’identité et des passeports "
            "varient fortement d’un territoire à l’autre. Le projet consolide les données de "
            "demande, d’instruction et de remise des titres pour les suivre chaque semaine. "
            "Dossier de démonstration : textes et montants fictifs."
        ),
        "benefits_self": (
            "Repérer les départements en tension et y affecter des renforts avant que les "
            "délais ne s’allongent."
        ),
        "benefits_others": (
            "Les préfectures et les mairies disposent des mêmes indicateurs ; les délais "
            "moyens sont publiés en open data."
        ),
        "technical_approach": (
            "Extraction quotidienne depuis le système de gestion des titres, entrepôt "
            "PostgreSQL, tableaux de bord Metabase."
        ),
        "total_budget": "180000.00",
        "requested_amount": "90000.00",
        # Left empty: the applicant still has to fill them in before submitting.
        "sustainability": "",
        "timeline": "",
    },
    "dnum-just-started": {
        "administration": APPLICANT_ADMINISTRATION,
        "title": "Open data des résultats électoraux par bureau de vote",
    },
    "cnav-submitted": {
        "administration": OPERATOR_ADMINISTRATION,
        "state": "submitted",
        "category": API,
        "title": "API Attestation de paiement des retraites",
        "subtitle": "Prouver le montant de sa retraite sans télécharger d’attestation",
        "summary": (
            "Exposer aux administrations habilitées le montant des pensions versées, pour "
            "que les retraités n’aient plus à fournir d’attestation (données de "
            "démonstration)."
        ),
        "description": (
            "Les retraités doivent joindre une attestation de paiement à de nombreuses "
            "démarches (logement social, aides locales, bourses des petits-enfants). Le "
            "projet expose ce montant par API aux administrations habilitées. Dossier de "
            "démonstration : textes et montants fictifs."
        ),
        "benefits_self": (
            "Moins de demandes d’attestations aux guichets et sur la ligne téléphonique de la "
            "caisse."
        ),
        "benefits_others": (
            "Les organismes instructeurs vérifient les ressources sans pièce justificative "
            "(principe « Dites-le-nous une fois »)."
        ),
        "technical_approach": (
            "API REST documentée (OpenAPI), raccordée au catalogue API Gouv, habilitations "
            "gérées par DataPass, journalisation des accès."
        ),
        "sustainability": (
            "Le service est intégré au socle d’API de la caisse et maintenu par son équipe "
            "d’exposition de données."
        ),
        "timeline": (
            "Cadrage en deux mois, version pilote avec deux organismes au sixième mois, "
            "ouverture générale au neuvième mois."
        ),
        "total_budget": "240000.00",
        "requested_amount": "120000.00",
    },
}
