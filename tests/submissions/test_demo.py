"""Demo data of submissions, loaded by ``seed_demo``: round 1 as announced, demo accounts."""

import re
from datetime import datetime
from decimal import Decimal
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.management import call_command
from django.urls import reverse

from calls import demo as calls_demo
from calls.models import Call
from relance import audit
from relance.demo import STAFF_LOGIN
from relance.models import AuditEntry, User
from submissions import demo, demo_data
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

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
S = DossierState
NBSP = "\u00a0"

CATEGORIES = [
    "Plateformes d’échange, de collecte ou de visualisation intelligente des données",
    "Projets de pilotage par la donnée",
    "Développement d’API",
    "Exploitation des données / Data Sciences",
    "Montée en qualité et automatisation de la collecte des données",
    "Catalogue de données",
]
PLATFORMS, STEERING, API, DATA_SCIENCE, QUALITY, CATALOGUE = CATEGORIES

# The 17 laureates of the announcement of 2021-03-03, in its order:
# (title, subtitle, category, administration), administrations in normal case.
LAUREATES = [
    (
        "ANAIS",
        "Hub d’échange de données maritimes",
        PLATFORMS,
        "Ministère des Armées",
    ),
    (
        "Potentiel",
        "Faciliter le parcours des producteurs d’énergies renouvelables électriques",
        PLATFORMS,
        "Direction générale de l’énergie et du climat",
    ),
    (
        "DataMin 360",
        "Collecter, analyser, visualiser les données financières",
        PLATFORMS,
        "Direction du numérique du ministère de l’Intérieur",
    ),
    (
        "Observatoire du covoiturage au quotidien",
        "Suivre l’évolution des pratiques et d’évaluer l’impact des mesures prises afin "
        "d’adapter les politiques publiques de covoiturage",
        STEERING,
        "Direction générale des infrastructures, des transports et de la mer",
    ),
    (
        f"Cycle de vie de la donnée «{NBSP}intervention d’urgence{NBSP}»",
        "Améliorer l’efficacité des interventions d’urgence de la gendarmerie",
        STEERING,
        "Direction du numérique du ministère de l’Intérieur",
    ),
    (
        "Projet SMARTRAFIC",
        "Mise en place d’un hyperviseur - Partage des données de trafics routiers, "
        "ferroviaires et fluviaux",
        STEERING,
        "Grand port maritime du Havre",
    ),
    (
        "Industrialisation et enrichissement du tableau de bord Crise COVID pour le suivi des "
        "recouvrements",
        "",
        STEERING,
        "Agence centrale des organismes de sécurité sociale",
    ),
    (
        "Base commune des entreprises (BCE)",
        "Piloter par la donnée les relations avec les entreprises",
        STEERING,
        "Secrétariat général des ministères chargés des affaires sociales",
    ),
    (
        "Dossier numérique de l’agent",
        "Déploiement de la Fiche Interministérielle de Synthèse Individuelle et portage dans "
        "l’ENSAP - Faciliter le parcours des agents publics",
        API,
        "Ministère de l’Économie, des Finances et de la Relance",
    ),
    (
        "Chorus – API demandes d’achats",
        "Améliorer le délai d’approvisionnement des services ministériels en réduisant le "
        "temps de traitement de leurs demandes d’achats.",
        API,
        "Agence pour l’informatique financière de l’État",
    ),
    (
        "Projet SUPDATA",
        "Mise en place du service StatutÉtudiant. Construire un référentiel national et "
        "actualisé des inscriptions en cours dans une formation du supérieur",
        API,
        "Ministère de l’Éducation nationale, de la Jeunesse et des Sports",
    ),
    (
        "API Sécu",
        "Exposer des données issues des organismes de la Sphère Sociale afin de faciliter les "
        "échanges et améliorer les services rendus aux citoyens",
        API,
        "Caisse nationale d’assurance vieillesse des travailleurs salariés",
    ),
    (
        "Les data sciences au service de la lutte contre les noyades et les accidents en "
        "loisirs nautiques.",
        "",
        DATA_SCIENCE,
        "École nationale de voile et des sports nautiques",
    ),
    (
        "SIMARA",
        "Plateforme de transcription d’inventaires manuscrits du XVIIIe au XXe siècle grâce à "
        "l’intelligence artificielle.",
        QUALITY,
        "Secrétariat général du ministère de la Culture",
    ),
    (
        "Numériser les collections textiles historiques du Mobilier national - Informatiser une "
        "collection",
        "",
        QUALITY,
        "Mobilier national et manufactures nationales des Gobelins, de Beauvais et de la "
        "Savonnerie",
    ),
    (
        "Transformation numérique du système de production des publications nautiques",
        "",
        QUALITY,
        "Service hydrographique et océanographique de la Marine",
    ),
    (
        "Data.Culture.Catalogue",
        "Une cartographie dynamique et partagée des données du ministère de la Culture",
        CATALOGUE,
        "Secrétariat général du ministère de la Culture",
    ),
]

# The line after « – » of each laureate, as the announcement prints it (in capitals).
ANNOUNCEMENT_LINES = [
    "MINISTÈRE DES ARMÉES",
    "DIRECTION GÉNÉRALE DE L’ÉNERGIE ET DU CLIMAT",
    "DIRECTION DU NUMÉRIQUE DU MINISTÈRE DE L’INTÉRIEUR",
    "DIRECTION GÉNÉRALE DES INFRASTRUCTURES DES TRANSPORTS ET DE LA MER",
    "DIRECTION DU NUMÉRIQUE DU MINISTÈRE DE L’INTÉRIEUR",
    "GRAND PORT MARITIME DU HAVRE",
    "AGENCE CENTRALE DES ORGANISMES DE SÉCURITÉ SOCIALE",
    "SECRÉTARIAT GÉNÉRAL DES MINISTÈRES CHARGÉS DES AFFAIRES SOCIALES",
    "MINISTÈRE DE L’ÉCONOMIE DES FINANCES ET DE LA RELANCE",
    "AGENCE POUR L’INFORMATIQUE FINANCIÈRE DE L’ÉTAT",
    "MINISTÈRE DE L'ÉDUCATION NATIONALE, DE LA JEUNESSE ET DES SPORTS",
    "CAISSE NATIONALE D’ASSURANCE VIEILLESSE DES TRAVAILLEURS SALARIÉS",
    "ÉCOLE NATIONALE DE VOILE ET DES SPORTS NAUTIQUES",
    "SECRÉTARIAT GÉNÉRAL DU MINISTÈRE DE LA CULTURE",
    "MOBILIER NATIONAL ET MANUFACTURES NATIONALES DES GOBELINS DE BEAUVAIS ET DE LA SAVONNERIE",
    "SERVICE HYDROGRAPHIQUE ET OCÉANOGRAPHIQUE DE LA MARINE",
    "SECRÉTARIAT GÉNÉRAL DU MINISTÈRE DE LA CULTURE",
]

DEMO_LOGINS = [
    demo.APPLICANT_LOGIN,
    demo.OPERATOR_LOGIN,
    demo.LOCAL_AUTHORITY_LOGIN,
    demo.NEWCOMER_LOGIN,
]
# The demo agents attached to an administration (the newcomer is not).
MEMBER_LOGINS = DEMO_LOGINS[:3]


def seed():
    out = StringIO()
    # pytest-django runs with DEBUG off: ``force`` lets the command load the demo data.
    call_command("seed_demo", force=True, stdout=out)
    return out.getvalue()


def round_1():
    return Call.objects.get(slug=calls_demo.ROUND_1_SLUG)


def demo_call():
    return Call.objects.get(slug=calls_demo.DEMO_CALL_SLUG)


def laureate_dossiers():
    """The round-1 dossiers flagged as laureates in the data table, in announcement order."""
    titles = [seed.title for seed in demo_data.ROUND_1 if seed.laureate]
    dossiers = {
        d.title: d
        for d in Dossier.objects.filter(call=round_1(), title__in=titles).select_related(
            "category", "administration"
        )
    }
    return [dossiers[title] for title in titles]


def as_announced(name):
    """A name as the announcement prints it: capitals, without commas, one kind of apostrophe."""
    return name.upper().replace(",", "").replace("'", "’")


def test_round_1_has_the_announced_numbers(seeded):
    dossiers = Dossier.objects.filter(call=round_1())
    assert dossiers.count() == 69
    assert dossiers.values("administration").distinct().count() == 30
    assert dossiers.values("administration__ministry").distinct().count() == 12
    # The jury's demo data then moves the 33 preselected dossiers to their outcome.
    assert dossiers.filter(state__in=[S.PRESELECTED, S.LAUREATE, S.NOT_SELECTED]).count() == 33
    assert dossiers.filter(state=S.NOT_PRESELECTED).count() == 36
    assert sorted(dossiers.values_list("reference", flat=True)) == [
        f"R1-2020-{n:03d}" for n in range(1, 70)
    ]
    # The reference tables hold exactly these, plus one ineligible local authority.
    assert Ministry.objects.count() == 12
    assert Administration.objects.exclude(kind="local_authority").count() == 30
    assert Administration.objects.filter(kind="local_authority", ministry=None).count() == 1
    assert set(Administration.objects.values_list("kind", flat=True)) == {
        "central",
        "deconcentrated",
        "operator",
        "local_authority",
    }

    publication = PreselectionPublication.objects.get(call=round_1())
    assert (publication.preselected_count, publication.not_preselected_count) == (33, 36)
    assert publication.published_at == datetime(2021, 1, 22, 10, tzinfo=PARIS)
    assert publication.published_by.email == STAFF_LOGIN.email


def test_laureates_are_those_of_the_announcement(seeded):
    dossiers = laureate_dossiers()
    assert len(dossiers) == 17
    assert [
        (d.title, d.subtitle, d.category.name, d.administration.name) for d in dossiers
    ] == LAUREATES
    assert {d.state for d in dossiers} == {S.LAUREATE}
    # Names are the announcement's lines, in normal case with their official punctuation.
    assert [as_announced(d.administration.name) for d in dossiers] == [
        as_announced(line) for line in ANNOUNCEMENT_LINES
    ]
    # Listing them by category order reproduces the announcement's order of categories.
    orders = [d.category.order for d in dossiers]
    assert orders == sorted(orders)
    assert [d.category_id for d in dossiers] == [
        round_1().categories.get(name=category).pk for _, _, category, _ in LAUREATES
    ]


def test_categories_of_round_1_keep_the_announcement_order(seeded):
    call = round_1()
    assert [c.name for c in call.categories.all()] == CATEGORIES
    used = Dossier.objects.filter(call=call).values_list("category__call", flat=True)
    assert set(used) == {call.pk}
    assert Dossier.objects.filter(call=call).values("category").distinct().count() == len(
        CATEGORIES
    )


def test_round_1_dossiers_are_complete_and_labelled_as_demo(seeded):
    dossiers = Dossier.objects.filter(call=round_1()).prefetch_related("budget_lines")
    for dossier in dossiers:
        assert "(données de démonstration)" in dossier.summary
        missing = set(dossier.missing_for_submission())
        # Only announced laureates without a subtitle may lack one.
        assert missing <= {"sous-titre"}
        if missing:
            assert dossier.title in {t for t, subtitle, _, _ in LAUREATES if not subtitle}
        assert dossier.contact_phone
        assert Decimal("80000") <= dossier.total_budget <= Decimal("1500000")
        ratio = dossier.requested_amount / dossier.total_budget
        assert Decimal("0.29") < ratio <= Decimal("0.70")
        lines = list(dossier.budget_lines.all())
        assert len(lines) == 3
        assert sum(line.amount for line in lines) == dossier.total_budget
        submitted = dossier.submitted_at.astimezone(PARIS)
        assert (submitted.year, submitted.month) in {(2020, 11), (2020, 12)}
        assert dossier.created_at < dossier.submitted_at < round_1().closes_at
        assert not dossier.pending_decision
        assert dossier.decision_reason
        assert dossier.category.call_id == dossier.call_id
    reasons = set(
        dossiers.filter(state=S.NOT_PRESELECTED).values_list("decision_reason", flat=True)
    )
    assert len(reasons) > 3


def test_round_1_history_is_in_the_audit_log(seeded):
    staff = User.objects.get(email=STAFF_LOGIN.email)
    # The jury's demo data then moves each preselected dossier to its outcome.
    outcomes = {S.LAUREATE: "select", S.NOT_SELECTED: "not_select"}
    for dossier in Dossier.objects.filter(call=round_1()):
        entries = {entry.action: entry for entry in audit.history(dossier)}
        outcome = outcomes.get(dossier.state)
        state = S.PRESELECTED if outcome else dossier.state
        expected = {"submit", state.replace("preselected", "preselect")}
        assert set(entries) == (expected | {outcome} if outcome else expected)
        assert entries["submit"].at == dossier.submitted_at
        decision = entries["preselect" if state == S.PRESELECTED else "not_preselect"]
        assert (decision.from_state, decision.to_state) == (S.SUBMITTED, state)
        assert decision.actor == staff
        assert decision.reason == (demo.PRESELECTED_REASON if outcome else dossier.decision_reason)
    publication = audit.history(round_1()).get(action="publish_preselection")
    assert publication.data["preselected"] == 33
    assert publication.data["not_preselected"] == 36


def snapshot():
    models = [Ministry, Administration, Membership, Dossier, BudgetLine, AuditEntry]
    rows = {}
    for model in [*models, PreselectionPublication, User]:
        fields = [
            f.attname
            for f in model._meta.concrete_fields
            if not getattr(f, "auto_now", False) and f.name not in ("last_login", "updated_at")
        ]
        rows[model.__name__] = list(model.objects.order_by("pk").values_list(*fields))
    return rows


def test_seeding_twice_changes_nothing(seeded):
    first = snapshot()
    seed()
    assert snapshot() == first
    emails = [login.email for login in DEMO_LOGINS]
    assert User.objects.filter(email__in=emails).count() == 4
    assert Membership.objects.filter(user__email__in=emails).count() == 3
    assert Dossier.objects.filter(call=demo_call()).count() == 3


def test_a_rerun_restores_round_1_but_keeps_what_was_done_since(seeded):
    call = round_1()
    edited = Dossier.objects.filter(call=call, state=S.NOT_PRESELECTED).first()
    Dossier.objects.filter(pk=edited.pk).update(title="Titre modifié", total_budget=None)
    laureates = laureate_dossiers()
    # As the jury's results will: the 17 flagged dossiers become laureates.
    Dossier.objects.filter(pk__in=[d.pk for d in laureates]).update(state=S.LAUREATE)
    draft = Dossier.objects.get(creation_token=demo.demo_token("dnum-nearly-complete"))
    Dossier.objects.filter(pk=draft.pk).update(timeline="Six mois.")

    seed()
    edited.refresh_from_db()
    assert edited.title != "Titre modifié" and edited.total_budget is not None
    assert Dossier.objects.filter(call=call, state=S.LAUREATE).count() == 17
    assert Dossier.objects.filter(call=call, state=S.NOT_SELECTED).count() == 16
    draft.refresh_from_db()
    assert draft.timeline == "Six mois."


def test_demo_accounts_are_printed_and_can_log_in(seeded, client):
    for login in DEMO_LOGINS:
        user = User.objects.get(email=login.email)
        validate_password(login.password, user)
        assert not user.is_staff and not user.is_superuser
        assert "démo" in user.get_full_name()
        line = next(line for line in seeded.splitlines() if login.email in line)
        assert login.role in line and login.password in line
        assert client.login(email=login.email, password=login.password)
        client.logout()
    assert client.login(email=STAFF_LOGIN.email, password=STAFF_LOGIN.password)

    kinds = {
        login.email: Administration.objects.get(memberships__user__email=login.email)
        for login in MEMBER_LOGINS
    }
    assert kinds[demo.APPLICANT_LOGIN.email].name == (
        "Direction du numérique du ministère de l’Intérieur"
    )
    assert kinds[demo.OPERATOR_LOGIN.email].acronym == "CNAV"
    assert kinds[demo.OPERATOR_LOGIN.email].kind == "operator"
    assert kinds[demo.LOCAL_AUTHORITY_LOGIN.email].kind == "local_authority"


def test_demo_passwords_are_restored_on_every_run(seeded, client):
    user = User.objects.get(email=demo.APPLICANT_LOGIN.email)
    user.set_password("Un-autre-mot-de-passe-42")
    user.save()
    seed()
    assert client.login(email=demo.APPLICANT_LOGIN.email, password=demo.APPLICANT_LOGIN.password)


def dossier_of(name):
    return Dossier.objects.get(creation_token=demo.demo_token(name))


def test_demo_call_holds_two_drafts_and_one_submitted_dossier(seeded):
    call = demo_call()
    assert call.is_open
    nearly, started, submitted = (
        dossier_of("dnum-nearly-complete"),
        dossier_of("dnum-just-started"),
        dossier_of("cnav-submitted"),
    )
    assert {d.call_id for d in (nearly, started, submitted)} == {call.pk}
    assert (nearly.state, started.state, submitted.state) == (S.DRAFT, S.DRAFT, S.SUBMITTED)
    assert nearly.administration == started.administration
    assert nearly.administration.name == "Direction du numérique du ministère de l’Intérieur"
    assert submitted.administration.acronym == "CNAV"
    assert re.fullmatch(r"DEMO-\d{4}-00[1-3]", submitted.reference)
    # Nearly complete: two sections left; just started: only a title.
    assert nearly.missing_for_submission() == ["pérennité", "calendrier"]
    assert len(started.missing_for_submission()) > 10
    assert submitted.validation_errors() == []
    assert call.opens_at <= submitted.submitted_at <= call.closes_at
    assert [e.action for e in audit.history(submitted)] == ["submit", "create"]
    assert submitted.budget_lines.count() == 3


def test_the_demo_applicant_sees_the_drafts_of_its_administration(seeded, client):
    client.login(email=demo.APPLICANT_LOGIN.email, password=demo.APPLICANT_LOGIN.password)
    page = client.get(reverse("submissions:dossier_list"), {"appel": calls_demo.DEMO_CALL_SLUG})
    assert page.status_code == 200
    content = page.content.decode()
    for name in ("dnum-nearly-complete", "dnum-just-started"):
        dossier = dossier_of(name)
        assert dossier.reference in content
        assert dossier.title in content
        assert client.get(dossier.get_absolute_url()).status_code == 200
    submitted = dossier_of("cnav-submitted")
    assert submitted.title not in content
    # Another administration's dossier does not exist for this agent.
    assert client.get(submitted.get_absolute_url()).status_code == 404

    # Its round-1 history is listed too.
    everything = client.get(reverse("submissions:dossier_list")).content.decode()
    assert "DataMin 360" in everything


def test_the_operator_agent_follows_its_submitted_dossier(seeded, client):
    client.login(email=demo.OPERATOR_LOGIN.email, password=demo.OPERATOR_LOGIN.password)
    content = client.get(reverse("submissions:dossier_list")).content.decode()
    assert dossier_of("cnav-submitted").title in content
    assert "API Sécu" in content
    assert dossier_of("dnum-nearly-complete").title not in content


def test_the_local_authority_agent_is_told_it_is_not_eligible(seeded, client):
    login = demo.LOCAL_AUTHORITY_LOGIN
    client.login(email=login.email, password=login.password)
    page = client.get(
        reverse("submissions:dossier_create", kwargs={"call_slug": calls_demo.DEMO_CALL_SLUG})
    )
    content = page.content.decode()
    assert "n’est pas éligible" in content
    assert "collectivités territoriales" in content


def test_the_newcomer_belongs_to_no_administration_and_can_ask_to_join(seeded, client):
    login = demo.NEWCOMER_LOGIN
    newcomer = User.objects.get(email=login.email)
    assert not Membership.objects.filter(user=newcomer).exists()
    secretariat = Administration.objects.get(
        name="Secrétariat général du ministère de la Culture",
        ministry__name="Ministère de la Culture",
    )
    assert secretariat.kind == "central"
    assert client.login(email=login.email, password=login.password)
    page = client.get(reverse("submissions:dossier_list")).content.decode()
    assert reverse("submissions:join_search") in page
    search = client.get(reverse("submissions:join_search"), {"q": "secrétariat général culture"})
    assert [a.name for a in search.context["page_obj"]] == [secretariat.name]


def test_a_rerun_puts_the_newcomer_back_without_administration(seeded):
    newcomer = User.objects.get(email=demo.NEWCOMER_LOGIN.email)
    secretariat = Administration.objects.get(name="Secrétariat général du ministère de la Culture")
    other = Administration.objects.exclude(pk=secretariat.pk).first()
    Membership.objects.create(user=newcomer, administration=secretariat)
    MembershipRequest.objects.create(user=newcomer, administration=other)
    dossier = Dossier.objects.filter(administration=secretariat).first()

    seed()
    assert not Membership.objects.filter(user=newcomer).exists()
    assert not MembershipRequest.objects.filter(user=newcomer).exists()
    # The administration keeps its dossiers.
    assert Dossier.objects.get(pk=dossier.pk).administration == secretariat


# The 2021 continuous window and the demonstration window.


def window_2021():
    return Call.objects.get(slug=calls_demo.CONTINUOUS_SLUG)


def test_the_2021_window_holds_fictitious_dossiers_submitted_through_2021(seeded):
    from submissions import demo_window_data

    call = window_2021()
    dossiers = list(Dossier.objects.filter(call=call).prefetch_related("budget_lines"))
    assert len(dossiers) == len(demo_window_data.WINDOW_2021) == 34
    assert sorted(d.reference for d in dossiers) == [f"GC-2021-{n:03d}" for n in range(1, 35)]
    first = min(d.submitted_at for d in dossiers).astimezone(PARIS)
    assert first.date() == datetime(2021, 2, 1).date()
    for dossier in dossiers:
        assert call.opens_at <= dossier.submitted_at <= call.closes_at
        assert dossier.created_at < dossier.submitted_at
        # Labelled as demo values, complete, under the window's ceiling.
        assert "(données de démonstration)" in dossier.summary
        assert "données de démonstration" in dossier.description
        assert dossier.missing_for_submission() == []
        assert call.accepts_amount(dossier.requested_amount)
        lines = list(dossier.budget_lines.all())
        assert sum(line.amount for line in lines) == dossier.total_budget
        assert dossier.requested_amount <= dossier.total_budget
        assert dossier.category.call_id == call.pk
    # Instructed, decided or still in instruction (the jury's demo data decides them).
    states = dict.fromkeys((S.LAUREATE, S.NOT_SELECTED, S.SUBMITTED, S.INCOMPLETE), 0)
    for dossier in dossiers:
        states[dossier.state] += 1
    assert states == {S.LAUREATE: 20, S.NOT_SELECTED: 8, S.SUBMITTED: 5, S.INCOMPLETE: 1}
    assert dossiers[0].call.is_continuous


def test_the_window_dossiers_are_instructed_by_the_demo_instructor(seeded):
    staff = User.objects.get(email=STAFF_LOGIN.email)
    for dossier in Dossier.objects.filter(call=window_2021()):
        assert dossier.instructor == staff
        submitted_on = dossier.submitted_at.astimezone(PARIS).date()
        assert (dossier.instruction_due_on - submitted_on).days == 30
        entries = {entry.action: entry for entry in audit.history(dossier)}
        assert entries["submit"].at == dossier.submitted_at
        assert entries["assign_instructor"].actor == staff
        if dossier.state == S.INCOMPLETE:
            assert entries["request_additions"].reason
            assert not dossier.proposal
            continue
        if not dossier.proposal:
            assert dossier.state == S.SUBMITTED
            continue
        # Proposed within the instruction delay.
        assert dossier.proposed_by == staff
        assert dossier.submitted_at < dossier.proposed_at
        assert dossier.proposed_at.astimezone(PARIS).date() <= dossier.instruction_due_on
        assert entries["record_proposal"].at == dossier.proposed_at
        if dossier.proposal == "accept":
            assert 0 < dossier.proposed_amount <= dossier.requested_amount
            assert not dossier.proposal_reason
        else:
            assert dossier.proposed_amount is None and dossier.proposal_reason


def test_a_rerun_restores_the_window_dossiers_in_instruction(seeded):
    from submissions import workflow

    staff = User.objects.get(email=STAFF_LOGIN.email)
    pending = Dossier.objects.filter(call=window_2021(), state=S.SUBMITTED, proposal="").first()
    workflow.request_additions(staff, pending, message="Le budget détaillé, s’il vous plaît.")
    Dossier.objects.filter(pk=pending.pk).update(title="Titre modifié")
    seed()
    pending.refresh_from_db()
    assert pending.state == S.SUBMITTED and pending.title != "Titre modifié"


def test_the_demonstration_window_waits_for_a_visitors_dossier(seeded, client):
    window = Call.objects.get(slug=calls_demo.DEMO_WINDOW_SLUG)
    submitted = dossier_of("cnav-window-submitted")
    assert submitted.call == window and submitted.state == S.SUBMITTED
    assert submitted.instructor.email == STAFF_LOGIN.email
    assert submitted.instruction_due_on is not None
    assert submitted.validation_errors() == []
    # The CNAV agent follows it; the demo applicant files a dossier of its own.
    client.login(email=demo.OPERATOR_LOGIN.email, password=demo.OPERATOR_LOGIN.password)
    assert submitted.title in client.get(reverse("submissions:dossier_list")).content.decode()
    client.logout()
    client.login(email=demo.APPLICANT_LOGIN.email, password=demo.APPLICANT_LOGIN.password)
    create = reverse("submissions:dossier_create", kwargs={"call_slug": window.slug})
    administration = Administration.objects.get(memberships__user__email=demo.APPLICANT_LOGIN.email)
    response = client.post(
        create,
        {
            "administration": administration.pk,
            "title": "Projet d’un visiteur",
            "token": "0b6c3f8e-7d51-4a7e-9a8e-3c4d5e6f7a8b",
        },
    )
    assert response.status_code == 302
    dossier = Dossier.objects.get(call=window, title="Projet d’un visiteur")
    assert dossier.state == S.DRAFT
    assert client.get(dossier.get_absolute_url()).status_code == 200
