"""Demo data of the jury, loaded by ``seed_demo``: round 1 from the jury to the results."""

import csv
import io
import json
import re
from datetime import date, datetime, timedelta
from decimal import Decimal
from html import unescape
from io import StringIO
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db.models import Avg, Count
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from calls import demo as calls_demo
from calls.models import Call
from jury import demo, demo_data, demo_scoring
from jury.models import (
    AgendaItem,
    Award,
    CommitteeSession,
    ConflictOfInterest,
    Deliberation,
    Evaluation,
    HearingSession,
    HearingSlot,
    Jury,
    JuryMember,
    Score,
)
from jury.permissions import juror_dossiers
from jury.results.stats import statistics
from relance import audit
from relance.demo import STAFF_LOGIN
from relance.models import OutgoingEmail, User
from submissions import demo_data as submissions_data
from submissions import demo_jury_call
from submissions.models import Dossier, DossierState
from tests.submissions.test_demo import CATEGORIES, LAUREATES

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
S = DossierState
NBSP = "\u00a0"

# The 17 laureates' titles, as the announcement of 2021-03-03 prints them.
ANNOUNCED_TITLES = {
    "ANAIS",
    "Potentiel",
    "DataMin 360",
    "Observatoire du covoiturage au quotidien",
    f"Cycle de vie de la donnée «{NBSP}intervention d’urgence{NBSP}»",
    "Projet SMARTRAFIC",
    "Industrialisation et enrichissement du tableau de bord Crise COVID pour le suivi des "
    "recouvrements",
    "Base commune des entreprises (BCE)",
    "Dossier numérique de l’agent",
    "Chorus – API demandes d’achats",
    "Projet SUPDATA",
    "API Sécu",
    "Les data sciences au service de la lutte contre les noyades et les accidents en loisirs "
    "nautiques.",
    "SIMARA",
    "Numériser les collections textiles historiques du Mobilier national - Informatiser une "
    "collection",
    "Transformation numérique du système de production des publications nautiques",
    "Data.Culture.Catalogue",
}
JURY_MODELS = [
    CommitteeSession,
    AgendaItem,
    Jury,
    JuryMember,
    ConflictOfInterest,
    HearingSession,
    HearingSlot,
    Evaluation,
    Score,
    Deliberation,
    Award,
]


def seed():
    out = StringIO()
    # pytest-django runs with DEBUG off: ``force`` lets the command load the demo data.
    call_command("seed_demo", force=True, stdout=out)
    return out.getvalue()


def round_1():
    return Call.objects.get(slug=calls_demo.ROUND_1_SLUG)


def jury():
    return Jury.objects.select_related("call").get(call=round_1())


def jury_dossiers():
    return Dossier.objects.filter(call=round_1(), state__in=[S.LAUREATE, S.NOT_SELECTED])


def snapshot():
    """Every row of the demo apps, minus the ``auto_now`` timestamps and last logins."""
    rows = {}
    for model in apps.get_models():
        if model._meta.app_label not in {"relance", "calls", "submissions", "jury"}:
            continue
        fields = [
            f.attname
            for f in model._meta.concrete_fields
            if not getattr(f, "auto_now", False) and f.name not in ("last_login", "updated_at")
        ]
        rows[model._meta.label] = list(model.objects.order_by("pk").values_list(*fields))
    return rows


def test_the_jury_has_sixteen_fictitious_members_and_one_president(seeded):
    members = list(jury().members.select_related("user"))
    assert len(members) == 16
    assert [m.public_name for m in members if m.role == JuryMember.Role.PRESIDENT] == [
        "Agnès Delorme"
    ]
    assert jury().composition_published
    assert "fictive" in jury().name
    assert {m.affiliation_kind for m in members} >= {"public", "company", "research"}
    assert all(m.title and m.affiliation for m in members)
    assert len({m.user.email for m in members}) == 16
    # Only the demo juror can log in; the others have unusable passwords.
    usable = [m.user.email for m in members if m.user.has_usable_password()]
    assert usable == [demo.JUROR_LOGIN.email]
    assert all("(démo)" in m.user.last_name for m in members)
    # No jury for the open demonstration call: the browser tests build one.
    assert not Jury.objects.filter(call__slug=calls_demo.DEMO_CALL_SLUG).exists()


def test_the_33_preselected_dossiers_are_heard_in_one_day_without_overlap(seeded):
    [session] = HearingSession.objects.filter(jury=jury())
    assert session.date == date(2021, 2, 10) < date(2021, 3, 3)
    assert session.published_at is not None
    assert session.breaks.count() == len(demo_data.BREAKS)
    slots = list(session.slots.select_related("dossier__category").order_by("starts_at"))
    assert len(slots) == 33
    assert {s.dossier_id for s in slots} == set(jury_dossiers().values_list("pk", flat=True))
    day_start = datetime.combine(session.date, session.starts_at, tzinfo=PARIS)
    day_end = datetime.combine(session.date, session.ends_at, tzinfo=PARIS)
    breaks = [
        (
            datetime.combine(session.date, b.starts_at, tzinfo=PARIS),
            datetime.combine(session.date, b.ends_at, tzinfo=PARIS),
        )
        for b in session.breaks.all()
    ]
    for slot in slots:
        assert slot.starts_at.astimezone(PARIS).date() == session.date
        assert day_start <= slot.starts_at < slot.ends_at <= day_end
        assert (slot.ends_at - slot.starts_at).total_seconds() == 15 * 60
        assert not slot.absent
        assert not any(slot.starts_at < end and slot.ends_at > start for start, end in breaks)
    for before, after in pairwise(slots):
        assert before.ends_at <= after.starts_at
    # Heard by category, in the announcement's order, then by reference.
    keys = [(s.dossier.category.order, s.dossier.reference) for s in slots]
    assert keys == sorted(keys)


def test_every_member_scored_every_dossier_except_their_conflicts(seeded):
    the_jury = jury()
    conflicts = ConflictOfInterest.objects.filter(member__jury=the_jury, lifted_at=None)
    assert conflicts.count() == len(demo_data.CONFLICTS) >= 3
    assert set(conflicts.values_list("kind", flat=True)) == {"same_administration", "hierarchical"}
    conflicted = set(conflicts.values_list("member_id", "dossier_id"))
    dossiers = list(jury_dossiers())
    members = list(the_jury.members.all())
    evaluations = {
        (e.member_id, e.dossier_id): e
        for e in Evaluation.objects.filter(member__jury=the_jury).annotate(n=Count("scores"))
    }
    for member in members:
        for dossier in dossiers:
            pair = (member.pk, dossier.pk)
            if pair in conflicted:
                assert pair not in evaluations
                continue
            evaluation = evaluations[pair]
            assert evaluation.submitted_at is not None
            assert evaluation.recommendation
            assert evaluation.comment
            assert evaluation.n == 4
    assert len(evaluations) == len(members) * len(dossiers) - len(conflicted)
    assert Evaluation.objects.filter(member__jury=the_jury).countable().count() == len(evaluations)
    criteria = set(round_1().criteria.values_list("pk", flat=True))
    scores = Score.objects.filter(evaluation__member__jury=the_jury)
    assert set(scores.values_list("criterion_id", flat=True)) == criteria
    assert all(Decimal(0) <= v <= 5 for v in scores.values_list("value", flat=True))

    # The demo juror is conflicted with one dossier and never sees it.
    juror = the_jury.members.get(user__email=demo.JUROR_LOGIN.email)
    [hidden] = juror.conflicts.values_list("dossier_id", flat=True)
    assert not juror_dossiers(juror).filter(pk=hidden).exists()
    assert juror_dossiers(juror).count() == 32


def test_laureates_score_higher_than_the_other_preselected_dossiers(seeded):
    means = dict(
        Score.objects.filter(evaluation__member__jury=jury())
        .values_list("evaluation__dossier__state")
        .annotate(mean=Avg("value"))
    )
    assert means[S.LAUREATE] > means[S.NOT_SELECTED] + Decimal("0.5")


def test_the_deliberation_retains_exactly_the_announced_laureates(seeded):
    call = round_1()
    laureates = Dossier.objects.filter(call=call, state=S.LAUREATE)
    assert set(laureates.values_list("title", flat=True)) == ANNOUNCED_TITLES
    assert {seed.title for seed in submissions_data.ROUND_1 if seed.laureate} == ANNOUNCED_TITLES
    assert Dossier.objects.filter(call=call, state=S.NOT_SELECTED).count() == 16
    assert not Dossier.objects.filter(call=call, state=S.PRESELECTED).exists()

    deliberation = Deliberation.objects.get(jury=jury())
    assert deliberation.held_on == date(2021, 2, 24)
    assert deliberation.closed_at is not None and deliberation.closed_by.email == STAFF_LOGIN.email
    assert deliberation.publish_amounts
    assert "démonstration" in deliberation.minutes.lower()
    assert "Agnès Delorme" in deliberation.minutes

    for award in Award.objects.filter(dossier__call=call).select_related("dossier"):
        dossier = award.dossier
        assert award.reason
        assert dossier.decision_reason == award.reason
        if dossier.state == S.LAUREATE:
            assert award.decision == Award.Decision.LAUREATE
            assert Decimal("0") < award.granted_amount <= dossier.requested_amount
            assert award.slug == slugify(dossier.title)[:120].strip("-")
            assert award.convention_date.year == 2021
            assert award.convention_date > date(2021, 3, 3)
            assert award.decision_reference and award.payment_period
            assert award.payment_period.startswith("2021-")
        else:
            assert award.decision == Award.Decision.NOT_SELECTED
            assert award.granted_amount is None and not award.slug
    assert Award.objects.filter(dossier__call=call).count() == 33

    published = call.results_published_at.astimezone(PARIS)
    assert published.date() == date(2021, 3, 3)
    staff = User.objects.get(email=STAFF_LOGIN.email)
    for dossier in jury_dossiers():
        name = "select" if dossier.state == S.LAUREATE else "not_select"
        entry = audit.history(dossier).get(action=name)
        assert entry.at == call.results_published_at
        assert (entry.from_state, entry.to_state, entry.actor) == (
            S.PRESELECTED,
            dossier.state,
            staff,
        )


def test_the_statistics_match_the_announcement(seeded):
    [programme] = [p for p in statistics() if p.programme.slug == calls_demo.PROGRAMME_SLUG]
    [stats] = [s for s in programme.calls if s.call.slug == calls_demo.ROUND_1_SLUG]
    funnel = stats.funnel
    assert (
        funnel.submitted,
        funnel.administrations,
        funnel.ministries,
        funnel.preselected,
        funnel.heard,
        funnel.laureates,
        funnel.jury_members,
    ) == (69, 30, 12, 33, 33, 17, 16)


def test_the_public_pages_show_the_laureates_as_announced(seeded, client):
    for award in Award.objects.filter(decision=Award.Decision.LAUREATE).select_related(
        "dossier__administration"
    ):
        page = client.get(reverse("jury:laureate", kwargs={"slug": award.slug}))
        assert page.status_code == 200
        content = page.content.decode()
        assert award.dossier.title in content
        assert award.dossier.subtitle in content
        assert award.dossier.administration.name in content


def listed_categories(content):
    """(category, [(title, administration line)]) of each category section, in page order."""
    groups = []
    for section in re.findall(r"<section[^>]*data-category=[^>]*>(.*?)</section>", content, re.S):
        name = re.search(r"<h\d[^>]*>([^<]*)</h\d>", section).group(1)
        cards = re.findall(
            r'class="fr-card__title"><a href="[^"]*">([^<]*)</a>.*?'
            r'<p class="fr-card__detail">([^<]*)</p>',
            section,
            re.S,
        )
        groups.append((unescape(name), [(unescape(t), unescape(a)) for t, a in cards]))
    return groups


def test_the_laureates_list_of_round_1_is_the_announcement(seeded, client):
    response = client.get(reverse("jury:laureates"), {"appel": calls_demo.ROUND_1_SLUG})
    assert response.status_code == 200
    content = response.content.decode()
    assert re.search(r'id="result-count">17 lauréats<', content)
    assert re.findall(r'data-call="([^"]+)"', content) == [calls_demo.ROUND_1_SLUG]
    groups = listed_categories(content)
    # Categories in the announcement's order, each with its laureates (by title within it).
    assert [name for name, _ in groups] == CATEGORIES
    administrations = {title: administration for title, _, _, administration in LAUREATES}
    for name, cards in groups:
        assert sorted(title for title, _ in cards) == sorted(
            title for title, _, category, _ in LAUREATES if category == name
        )
        for title, line in cards:
            # « Administration (ACRONYM) — Ministry ».
            administration = re.sub(r" \([^()]*\)$", "", line.split(" — ")[0])
            assert administration == administrations[title]
            # The ministry follows, unless the administration is the ministry itself.
            assert (" — Ministère" in line) != administration.startswith("Ministère")
    assert sum(len(cards) for _, cards in groups) == 17


def test_the_laureates_dataset_lists_the_17_laureates(seeded, client):
    response = client.get(reverse("jury:laureates_json"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    every_row = json.loads(response.content.decode("utf-8"))
    rows = [row for row in every_row if row["appel_slug"] == calls_demo.ROUND_1_SLUG]
    assert len(rows) == 17
    # The others are the 2021 window's laureates (fictitious).
    window = [row for row in every_row if row["appel_slug"] == calls_demo.CONTINUOUS_SLUG]
    assert len(window) == len(every_row) - 17 == 20
    assert sorted(
        (row["titre"], row["sous_titre"], row["categorie"], row["administration"]) for row in rows
    ) == sorted(LAUREATES)
    # Rows follow the call's category order, as the announcement does.
    orders = [CATEGORIES.index(row["categorie"]) for row in rows]
    assert orders == sorted(orders)
    assert all(row["montant_accorde"] and row["ministere"] for row in rows)


def test_the_grants_file_has_a_row_per_laureate(seeded, client):
    response = client.get(reverse("jury:grants_csv"))
    every_row = list(csv.DictReader(io.StringIO(response.content.decode("utf-8"))))
    rows = [row for row in every_row if row["referenceDecision"].startswith("FR-DONNEES-2021-V1-")]
    # Every round-1 laureate but the one whose administration has no SIRET (SCDL 2.1.1 names
    # the beneficiary by its SIRET).
    without_siret = submissions_data.ADMINISTRATIONS[submissions_data.NO_SIRET].name
    assert len(rows) == 16
    assert sorted(row["nomBeneficiaire"] for row in rows) == sorted(
        laureate[3] for laureate in LAUREATES if laureate[3] != without_siret
    )
    assert all(row["dispositifAide"] == calls_demo.PROGRAMME["aid_scheme_id"] for row in every_row)
    # The window's laureates whose convention is signed (not those of its July session).
    window = [
        row for row in every_row if row["referenceDecision"].startswith("FR-DONNEES-2021-GC-")
    ]
    assert len(window) == len(every_row) - 16
    assert all(row["nomBeneficiaire"] != without_siret for row in window)
    assert all(row["referenceDecision"].startswith("FR-DONNEES-2021-GC-") for row in window)
    assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", row["dateConvention"]) for row in rows)


def funnel_numbers(content, numbers_id):
    numbers = re.search(rf'id="{numbers_id}">(.*?)</ul>', content, re.S).group(1)
    return dict(re.findall(r'data-step="(\w+)".*?relance-count">([^<]+)<', numbers, re.S))


ANNOUNCED_FUNNEL = {
    "submitted": "69",
    "administrations": "30",
    "ministries": "12",
    "preselected": "33",
    "heard": "33",
    "laureates": "17",
    "jury_members": "16",
}


def test_the_statistics_page_shows_the_announced_numbers(seeded, client):
    response = client.get(reverse("jury:statistics"))
    assert response.status_code == 200
    content = response.content.decode()
    call = round_1()
    assert f'data-call="{call.slug}"' in content
    assert funnel_numbers(content, f"call-{call.pk}-funnel-numbers") == ANNOUNCED_FUNNEL
    table = re.search(rf'<table id="call-{call.pk}-funnel-table"[^>]*>(.*?)</table>', content, re.S)
    for label, value in [("Dossiers déposés", 69), ("Lauréats", 17), ("Membres du jury", 16)]:
        assert re.search(rf"{label}</th>\s*<td>{value}</td>", table.group(1))


def test_the_call_page_shows_the_announced_numbers(seeded, client):
    content = client.get(round_1().get_absolute_url()).content.decode()
    assert funnel_numbers(content, "call-funnel-numbers") == ANNOUNCED_FUNNEL
    assert len(listed_categories(content)) == len(CATEGORIES)
    assert content.count('class="fr-card__title"') == 17


def test_the_call_page_says_the_demo_jury_is_fictitious(seeded, client):
    call = Call.objects.get(slug=calls_demo.ROUND_1_SLUG)
    content = client.get(call.get_absolute_url()).content.decode()
    assert "Composition du jury" in content
    assert "composition fictive de démonstration" in content
    assert content.count("<li><strong>") >= 16


def test_the_demo_juror_can_log_in_with_the_printed_credentials(seeded, client):
    login = demo.JUROR_LOGIN
    line = next(line for line in seeded.splitlines() if login.email in line)
    assert login.role in line and login.password in line
    assert client.login(email=login.email, password=login.password)
    page = client.get(reverse("jury:juror_dossier_list", kwargs={"jury_id": jury().pk}))
    assert page.status_code == 200
    assert "DataMin 360" in page.content.decode()


def test_seeding_twice_changes_nothing(seeded):
    first_counts = {model: model.objects.count() for model in JURY_MODELS}
    first = snapshot()
    seed()
    assert {model: model.objects.count() for model in JURY_MODELS} == first_counts
    assert snapshot() == first
    # Round 1's jury and the demonstration call's jury at work.
    assert first_counts[JuryMember] == 16 + len(demo_scoring.MEMBER_KEYS)
    assert first_counts[HearingSlot] == 33 + len(demo_jury_call.DOSSIERS)
    assert first_counts[CommitteeSession] == 6
    assert first_counts[AgendaItem] == 31


def test_a_rerun_after_changes_restores_the_round(seeded):
    first = snapshot()
    the_jury = jury()
    juror = the_jury.members.get(user__email=demo.JUROR_LOGIN.email)
    # What someone trying the service could leave behind.
    JuryMember.objects.filter(jury=the_jury, role=JuryMember.Role.PRESIDENT).update(
        role=JuryMember.Role.MEMBER
    )
    the_jury.members.filter(pk=juror.pk).update(role=JuryMember.Role.PRESIDENT)
    Evaluation.objects.filter(member=juror).delete()
    ConflictOfInterest.objects.filter(member=juror).delete()
    HearingSlot.objects.filter(session__jury=the_jury).first().delete()
    Award.objects.filter(decision=Award.Decision.LAUREATE).first().delete()
    Deliberation.objects.filter(jury=the_jury).update(minutes="", closed_at=None)
    seed()
    after = snapshot()
    for label in ("jury.Jury", "jury.JuryMember", "jury.Deliberation"):
        assert after[label] == first[label]
    for model in JURY_MODELS:
        assert model.objects.count() == len(first[model._meta.label])
    assert Dossier.objects.filter(call=round_1(), state=S.LAUREATE).count() == 17


# The 2021 continuous window's committee.


def window_2021():
    return Call.objects.get(slug=calls_demo.CONTINUOUS_SLUG)


SESSION_DAYS = [
    date(2021, 3, 15),
    date(2021, 4, 15),
    date(2021, 5, 17),
    date(2021, 6, 15),
    date(2021, 7, 15),
    date(2021, 9, 15),
]


def test_the_window_committee_met_every_month_and_followed_the_proposals(seeded):
    from jury.committee.envelope import envelope_of

    call = window_2021()
    sessions = list(CommitteeSession.objects.filter(call=call).order_by("date"))
    assert [s.date for s in sessions] == SESSION_DAYS
    staff = User.objects.get(email=STAFF_LOGIN.email)
    *published, pending = sessions
    for session in published:
        assert session.published_at.astimezone(PARIS).date() > session.date
        assert session.published_by == staff
        items = list(session.items.select_related("dossier__award"))
        assert items
        for item in items:
            dossier, award = item.dossier, item.dossier.award
            assert award.session == session
            assert dossier.submitted_at.astimezone(PARIS).date() < session.date
            if dossier.proposal == "accept":
                assert dossier.state == S.LAUREATE
                assert award.decision == Award.Decision.LAUREATE
                assert award.granted_amount == dossier.proposed_amount
                assert award.slug == slugify(dossier.title)[:120].strip("-")
                assert "montant de démonstration" in award.reason
            else:
                assert dossier.state == S.NOT_SELECTED
                assert award.decision == Award.Decision.NOT_SELECTED
                assert award.reason == dossier.proposal_reason == dossier.decision_reason
                assert not award.slug and award.granted_amount is None
            entry = audit.history(dossier).get(action=f"committee_{dossier.proposal}")
            assert entry.at == session.published_at
            assert (entry.from_state, entry.to_state) == (S.SUBMITTED, dossier.state)
    # The last session has its agenda, waiting for the committee's decisions.
    assert pending.published_at is None
    assert pending.items.count() == 3
    assert not Award.objects.filter(session=pending).exists()
    assert {item.dossier.state for item in pending.items.all()} == {S.SUBMITTED}
    publications = audit.history(call).filter(action="committee_publish")
    assert sorted(e.data["date"] for e in publications) == [
        d.isoformat() for d in SESSION_DAYS[:-1]
    ]
    # An envelope partly committed by the published decisions.
    envelope = envelope_of(call)
    assert envelope.published == envelope.committed == Decimal("1164000.00")
    assert 0 < envelope.published < envelope.amount == Decimal("3000000.00")
    assert call.envelope_exhausted_at is None


def test_the_window_page_shows_the_published_sessions(seeded, client):
    content = client.get(window_2021().get_absolute_url()).content.decode()
    assert re.findall(r'data-session="([\d-]+)"', content) == [
        d.isoformat() for d in reversed(SESSION_DAYS[:-1])
    ]
    assert "Décisions du comité du 15 mars 2021" in content
    assert "20 dossiers retenus, 8 dossiers refusés" in unescape(content)
    assert "Le guichet est clos depuis le 31 décembre 2021" in unescape(content)
    assert f"1{NBSP}164{NBSP}000{NBSP}€" in content
    # Refused dossiers are counted, never named.
    for dossier in Dossier.objects.filter(call=window_2021(), state=S.NOT_SELECTED):
        assert dossier.title not in unescape(content)


def test_the_window_laureates_are_listed_by_session(seeded, client):
    response = client.get(reverse("jury:laureates"), {"appel": calls_demo.CONTINUOUS_SLUG})
    content = response.content.decode()
    assert re.search(r'id="result-count">20 lauréats<', content)
    assert re.findall(r'data-session="([\d-]+)"', content) == [
        d.isoformat() for d in reversed(SESSION_DAYS[:-1])
    ]
    award = Award.objects.filter(dossier__call=window_2021(), session__date=SESSION_DAYS[0])
    award = award.filter(decision=Award.Decision.LAUREATE).select_related("dossier").first()
    page = client.get(reverse("jury:laureate", kwargs={"slug": award.slug})).content.decode()
    assert "Décision du comité du" in page and "15 mars 2021" in page


def test_the_statistics_count_the_window_funnel(seeded, client):
    call = window_2021()
    content = client.get(reverse("jury:statistics")).content.decode()
    assert funnel_numbers(content, f"call-{call.pk}-funnel-numbers") == {
        "submitted": "34",
        "decided": "28",
        "laureates": "20",
        "refused": "8",
        "in_instruction": "6",
    }
    assert f'id="call-{call.pk}-months"' in content


def test_a_rerun_restores_the_committee_but_keeps_a_session_published_since(seeded):
    from jury.committee import workflow as committee

    call = window_2021()
    staff = User.objects.get(email=STAFF_LOGIN.email)
    march = CommitteeSession.objects.get(call=call, date=SESSION_DAYS[0])
    Award.objects.filter(session=march, decision=Award.Decision.NOT_SELECTED).delete()
    CommitteeSession.objects.filter(pk=march.pk).update(place="Ailleurs")
    # The pending session decided and published while trying the service.
    september = CommitteeSession.objects.get(call=call, date=SESSION_DAYS[-1])
    for item in september.items.all():
        committee.follow_proposal(staff, item)
    committee.publish_session(staff, september)
    seed()
    march.refresh_from_db()
    assert march.place == demo_data.COMMITTEE_PLACE
    assert Award.objects.filter(session=march).count() == march.items.count()
    september.refresh_from_db()
    assert september.published_at is not None
    assert Award.objects.filter(session=september).count() == 3
    states = set(
        Dossier.objects.filter(agenda_item__session=september).values_list("state", flat=True)
    )
    assert states <= {S.LAUREATE, S.NOT_SELECTED}


# The demonstration call before its jury: the demo juror's scoring is open.


def jury_call():
    return Call.objects.get(slug=calls_demo.DEMO_JURY_CALL_SLUG)


def open_jury():
    return Jury.objects.select_related("call").get(call=jury_call())


def test_the_demonstration_call_before_its_jury_closed_days_ago_with_preselected_dossiers(
    seeded,
):
    call = jury_call()
    today = timezone.localdate()
    assert call.is_demo and call.is_public and call.title.startswith("[Démonstration]")
    assert not call.is_open
    assert call.closes_at.astimezone(PARIS).date() == today - timedelta(days=7)
    assert call.results_published_at is None
    # The demonstration call stays open for submissions, without a jury.
    assert Call.objects.get(slug=calls_demo.DEMO_CALL_SLUG).is_open
    dossiers = list(Dossier.objects.filter(call=call).select_related("administration"))
    assert len(dossiers) == len(demo_jury_call.DOSSIERS) == 7
    assert {d.state for d in dossiers} == {S.PRESELECTED}
    for dossier in dossiers:
        assert call.opens_at < dossier.submitted_at < call.closes_at
        assert dossier.category and dossier.requested_amount and dossier.budget_lines.exists()
        assert "démonstration" in dossier.summary
        # Demo administrations with a fictitious SIRET, none of the demo applicants'.
        assert dossier.administration.siret.startswith("99999")
        assert not dossier.administration.memberships.exists()
    assert audit.history(call).filter(action="publish_preselection").exists()


def test_the_jury_at_work_hears_today_and_tomorrow_and_has_not_deliberated(seeded):
    the_jury = open_jury()
    today = timezone.localdate()
    members = {m.user.email: m for m in the_jury.members.select_related("user")}
    assert len(members) == 5
    assert demo.JUROR_LOGIN.email in members
    assert [m.public_name for m in members.values() if m.role == JuryMember.Role.PRESIDENT] == [
        "Agnès Delorme"
    ]
    assert all(m.user.email.endswith("demo.relance.gouv.fr") for m in members.values())
    sessions = list(the_jury.sessions.order_by("date"))
    assert [s.date for s in sessions] == [today, today + timedelta(days=1)]
    assert all(s.published_at and s.published_at.date() < today for s in sessions)
    slots = HearingSlot.objects.filter(session__jury=the_jury)
    assert slots.count() == 7
    assert set(slots.values_list("dossier__call", flat=True)) == {the_jury.call_id}
    for before, after in pairwise(slots.order_by("starts_at")):
        assert before.ends_at <= after.starts_at
    # Some members scored from the written dossiers; the demo juror has scored nothing.
    evaluations = Evaluation.objects.filter(member__jury=the_jury)
    assert evaluations.filter(submitted_at__isnull=False).count() == 13
    assert evaluations.filter(submitted_at__isnull=True).count() == 1
    assert all(e.submitted_at.date() < today for e in evaluations.exclude(submitted_at=None))
    assert not evaluations.filter(member__user__email=demo.JUROR_LOGIN.email).exists()
    assert not Deliberation.objects.filter(jury=the_jury).exists()
    assert not Award.objects.filter(dossier__call=the_jury.call).exists()
    assert not ConflictOfInterest.objects.filter(member__jury=the_jury).exists()
    # The seed emails nobody: neither this call's members and applicants nor anyone else (the
    # window's demo correction is replayed without its emails).
    assert members and not OutgoingEmail.objects.exists()


def test_the_demo_juror_finds_the_editable_scoring_form(seeded, client):
    seed()  # Twice: a rerun leaves the scoring open.
    login = demo.JUROR_LOGIN
    line = next(line for line in seeded.splitlines() if login.email in line)
    assert "notation de l’appel en cours d’examen" in line
    assert client.login(email=login.email, password=login.password)
    the_jury = open_jury()
    home = client.get(reverse("jury:juror_home"))
    assert home.status_code == 200
    assert jury_call().title in unescape(home.content.decode())
    listing = client.get(reverse("jury:juror_dossier_list", kwargs={"jury_id": the_jury.pk}))
    assert listing.status_code == 200
    content = unescape(listing.content.decode())
    titles = [seed.title for seed in demo_jury_call.DOSSIERS]
    assert all(title in content for title in titles)

    dossier = Dossier.objects.get(call=the_jury.call, title=titles[0])
    url = reverse("jury:juror_dossier", kwargs={"jury_id": the_jury.pk, "pk": dossier.pk})
    page = client.get(url)
    assert page.status_code == 200
    content = page.content.decode()
    criteria = list(the_jury.call.criteria.order_by("order"))
    assert len(criteria) == 4
    for criterion in criteria:
        assert re.search(rf'<input[^>]*name="criterion_{criterion.pk}"', content)
    assert 'name="submit"' in content and 'id="closed"' not in content

    # The form works, and the next run puts the scoring back as it was.
    form = {f"criterion_{c.pk}": "4" for c in criteria}
    form |= {"comment": "Projet convaincant.", "recommendation": "favourable", "version": 0}
    response = client.post(url, {**form, "submit": ""})
    assert response.status_code == 302
    member = the_jury.members.get(user__email=login.email)
    assert Evaluation.objects.get(member=member, dossier=dossier).is_submitted
    seed()
    assert not Evaluation.objects.filter(member=member).exists()
    assert 'name="submit"' in client.get(url).content.decode()


def test_a_rerun_later_moves_the_jury_to_the_new_day_and_reopens_the_scoring(seeded):
    the_jury = open_jury()
    staff = User.objects.get(email=STAFF_LOGIN.email)
    # As if the data had been loaded long ago, and the jury had deliberated since.
    HearingSession.objects.filter(jury=the_jury).update(date=date(2020, 1, 6))
    Deliberation.objects.create(jury=the_jury, closed_at=timezone.now(), closed_by=staff)
    first = the_jury.call.dossiers.order_by("number").first()
    Dossier.objects.filter(pk=first.pk).update(state=S.LAUREATE)
    seed()
    today = timezone.localdate()
    assert sorted(the_jury.sessions.values_list("date", flat=True)) == [
        today,
        today + timedelta(days=1),
    ]
    assert not Deliberation.objects.filter(jury=the_jury).exists()
    assert set(the_jury.call.dossiers.values_list("state", flat=True)) == {S.PRESELECTED}
