"""Demo data of the demonstration call before its jury: seven fictitious dossiers, filed by
demo administrations while the call was open and preselected after it closed.

Loaded by ``submissions.demo`` after the calls; the jury that hears and scores them comes from
``jury.demo_scoring``. The rows are written as they stand on the seed's day (the workflow
would email the applicants): each dossier is keyed on a fixed creation token and restored on
every run, preselected, with its dates recomputed from the call's, so that the jury's scoring
can be tried again. Titles, texts and amounts are fictitious.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from calls import demo as calls_demo
from calls.models import Call
from relance.formatting import PARIS
from submissions import demo_data as data
from submissions.demo import CONTACTS, demo_token, history_entry, round_1_values, set_budget_lines
from submissions.demo_data import DossierSeed
from submissions.models import Dossier, DossierState, PreselectionPublication

S = DossierState

# Demo administrations other than the demo applicants': their dossier lists stay as they are.
DOSSIERS = (
    DossierSeed(
        "insee",
        data.API,
        "API Répertoire des établissements publics locaux",
        "Exposer en continu les créations et les fermetures d’établissements publics",
        "Une API qui diffuse chaque jour les mouvements du répertoire des établissements "
        "publics, pour que les administrations tiennent leurs référentiels à jour.",
        "du répertoire des établissements publics",
        preselected=True,
    ),
    DossierSeed(
        "drees",
        data.STEERING,
        "Tableau de bord de l’accès aux soins de proximité",
        "Suivre chaque mois les délais de rendez-vous et la démographie médicale",
        "Des indicateurs mensuels de l’accès aux soins par bassin de vie, partagés avec les "
        "agences régionales de santé.",
        "d’offre de soins et de délais de rendez-vous",
        preselected=True,
    ),
    DossierSeed(
        "dgfip",
        data.DATA_SCIENCE,
        "Détection des anomalies de déclaration foncière",
        "Repérer les locaux oubliés ou mal décrits grâce aux images et aux permis de construire",
        "Croiser les permis de construire, les images aériennes et les déclarations pour "
        "cibler les vérifications des services du cadastre.",
        "foncières et d’urbanisme",
        preselected=True,
    ),
    DossierSeed(
        "sg_culture",
        data.CATALOGUE,
        "Catalogue des données des musées nationaux",
        "Recenser et documenter les jeux de données des collections et de la fréquentation",
        "Un catalogue commun des données des musées nationaux, moissonné par data.gouv.fr.",
        "des collections et de la fréquentation des musées",
        preselected=True,
    ),
    DossierSeed(
        "dreal_occitanie",
        data.PLATFORMS,
        "Plateforme régionale des données de l’eau",
        "Partager les mesures de débit et de qualité entre les services et les syndicats",
        "Une plateforme qui rassemble les mesures de débit et de qualité des cours d’eau de la "
        "région et les met à disposition des services de l’État et des gestionnaires.",
        "de débit et de qualité des cours d’eau",
        preselected=True,
    ),
    DossierSeed(
        "ars_idf",
        data.QUALITY,
        "Fiabilisation des données des établissements médico-sociaux",
        "Mettre fin aux ressaisies des capacités d’accueil déclarées chaque année",
        "Automatiser la remontée des capacités d’accueil des établissements médico-sociaux et "
        "contrôler leur cohérence avant publication.",
        "des capacités d’accueil des établissements médico-sociaux",
        preselected=True,
    ),
    DossierSeed(
        "dgal",
        data.STEERING,
        "Pilotage des contrôles sanitaires en abattoir",
        "Des indicateurs partagés entre l’administration centrale et les services départementaux",
        "Consolider les résultats des inspections en abattoir pour orienter les contrôles "
        "vers les établissements à risque.",
        "des inspections sanitaires en abattoir",
        preselected=True,
    ),
)
PRESELECTED_REASON = "Projet présélectionné : audition par le jury de l’appel de démonstration."
TIMELINE = (
    "Cadrage en deux mois après la signature de la convention, première version en service "
    "au sixième mois, généralisation à la fin de la première année (calendrier fictif)."
)
# Days after the call's closing when the preselection was published.
PRESELECTION_AFTER_DAYS = 3


def token(number: int):
    return demo_token(f"jury-call-{number}")


def load(administrations, staff) -> list[Dossier]:
    """The call's preselected dossiers, restored as the seed left them; in number order."""
    call = Call.objects.get(slug=calls_demo.DEMO_JURY_CALL_SLUG)
    categories = {c.name: c for c in call.categories.all()}
    closes_at = call.closes_at
    preselected_on = closes_at.astimezone(PARIS).date() + timedelta(days=PRESELECTION_AFTER_DAYS)
    preselected_at = datetime.combine(preselected_on, time(10), tzinfo=PARIS)
    dossiers = []
    for number, seed in enumerate(DOSSIERS, start=1):
        reference = Dossier.reference_for(call, number)
        values = round_1_values(number, seed, reference)
        # Filed over the call's six weeks, the last ones just before it closed.
        created_at = call.opens_at + timedelta(days=4 * number, hours=9 + number)
        submitted_at = min(created_at + timedelta(days=9, hours=2), closes_at - timedelta(hours=3))
        contact = CONTACTS[(number + 5) % len(CONTACTS)]
        defaults = values["defaults"] | {
            "reference": reference,
            "number": number,
            "administration": administrations[seed.administration],
            "category": categories[calls_demo.CATEGORIES[seed.category]],
            "state": S.PRESELECTED,
            "contact_name": contact,
            "contact_email": f"projet-{reference.lower()}@demo.relance.gouv.fr",
            "timeline": TIMELINE,
            "submitted_at": submitted_at,
            "decision_reason": PRESELECTED_REASON,
        }
        dossier, _ = Dossier.objects.update_or_create(
            creation_token=token(number), defaults={"call": call, **defaults}
        )
        Dossier.objects.filter(pk=dossier.pk).update(created_at=created_at)
        set_budget_lines(dossier, values["lines"])
        history_entry(dossier, "submit", at=submitted_at, from_state=S.DRAFT, to_state=S.SUBMITTED)
        history_entry(
            dossier,
            "preselect",
            at=preselected_at,
            actor=staff,
            from_state=S.SUBMITTED,
            to_state=S.PRESELECTED,
            reason=PRESELECTED_REASON,
        )
        dossiers.append(dossier)

    publication = PreselectionPublication.objects.filter(call=call).order_by("pk").first()
    if publication is None:
        publication = PreselectionPublication.objects.create(
            call=call, preselected_count=0, not_preselected_count=0
        )
    PreselectionPublication.objects.filter(pk=publication.pk).update(
        published_at=preselected_at,
        published_by=staff,
        preselected_count=len(dossiers),
        not_preselected_count=0,
    )
    history_entry(
        call,
        "publish_preselection",
        at=preselected_at,
        actor=staff,
        data={
            S.PRESELECTED.value: len(dossiers),
            S.NOT_PRESELECTED.value: 0,
            "at": preselected_at.isoformat(),
        },
    )
    return dossiers
