"""The decision letter (published decisions only) and the jurors' copy of the dossier."""

from datetime import timedelta
from decimal import Decimal
from io import BytesIO

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from calls.models import Call
from jury.committee import workflow as committee
from jury.deliberation import workflow as deliberation
from jury.models import Award
from submissions import instruction, preselection
from submissions.models import Dossier, DossierState, PreselectionDecision, Proposal
from tests.factories import (
    AdministrationFactory,
    CategoryFactory,
    ContinuousCallFactory,
    DossierFactory,
    ProgrammeFactory,
    StaffFactory,
    UserFactory,
    agent_of,
)
from tests.jury.factories import (
    AwardFactory,
    ConflictFactory,
    DeliberationFactory,
    JuryMemberFactory,
)
from tests.jury.jury_core_data import attach, jury_with_dossiers

pytestmark = pytest.mark.django_db
S = DossierState


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def pdf_text(response) -> str:
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(BytesIO(response.content))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def letter_url(dossier):
    return reverse("jury:decision_letter", kwargs={"pk": dossier.pk})


@pytest.fixture
def round_():
    """A round's two preselected dossiers with the jury's decisions recorded, not published."""
    setup = jury_with_dossiers(2)
    laureate, not_selected = setup.dossiers
    staff = StaffFactory(programmes=[setup.jury.call.programme])
    DeliberationFactory(jury=setup.jury)
    AwardFactory(dossier=laureate, granted_amount=Decimal("48500.00"), recorded_by=staff)
    AwardFactory(
        dossier=not_selected,
        decision=Award.Decision.NOT_SELECTED,
        granted_amount=None,
        reason="Le projet reste trop proche d’un outil existant.",
        recorded_by=staff,
    )
    now = timezone.now()
    Call.objects.filter(pk=setup.jury.call_id).update(
        opens_at=now - timedelta(days=90), closes_at=now - timedelta(days=60)
    )
    setup.jury.call.refresh_from_db()
    return setup, staff


def test_the_letter_exists_once_the_results_are_published(client, round_):
    setup, staff = round_
    laureate, not_selected = setup.dossiers
    agent = agent_of(laureate.administration)
    client.force_login(agent)
    # Recorded, not published: nobody learns the decision from a letter.
    assert client.get(letter_url(laureate)).status_code == 404
    client.force_login(staff)
    assert client.get(letter_url(laureate)).status_code == 404

    deliberation.publish_results(staff, setup.jury.call)
    client.force_login(agent)
    text = pdf_text(client.get(letter_url(laureate)))
    assert "Notification de décision" in text
    assert laureate.reference in text
    assert "Présélection" in text and "présélectionné" in text
    assert "Décision du jury" in text
    assert "lauréat" in text
    assert "48 500,00 €" in text

    client.force_login(agent_of(not_selected.administration))
    text = pdf_text(client.get(letter_url(not_selected)))
    assert "n’a pas été retenu" in text
    assert "trop proche d’un outil existant" in text
    assert "€" not in text


def test_a_letter_for_a_dossier_not_preselected(client):
    dossier = DossierFactory(state=S.SUBMITTED, submitted_at=timezone.now())
    other = DossierFactory(call=dossier.call, state=S.SUBMITTED, submitted_at=timezone.now())
    staff = StaffFactory(programmes=[dossier.call.programme])
    preselection.record_preselection(
        staff,
        dossier,
        decision=PreselectionDecision.NOT_PRESELECTED,
        reason="Hors du champ de l’appel.",
    )
    preselection.record_preselection(staff, other, decision=PreselectionDecision.PRESELECTED)
    client.force_login(agent_of(dossier.administration))
    assert client.get(letter_url(dossier)).status_code == 404
    now = timezone.now()
    Call.objects.filter(pk=dossier.call_id).update(
        opens_at=now - timedelta(days=90), closes_at=now - timedelta(days=60)
    )
    preselection.publish_preselection(staff, Call.objects.get(pk=dossier.call_id))
    text = pdf_text(client.get(letter_url(dossier)))
    assert "n’a pas été présélectionné" in text
    assert "Hors du champ de l’appel." in text
    assert "Décision du jury" not in text
    # The other one waits for the jury: no letter yet.
    client.force_login(agent_of(other.administration))
    assert client.get(letter_url(other)).status_code == 404


def test_a_letter_for_a_window_committee_decision(client):
    window = ContinuousCallFactory(instruction_days=30)
    dossier = DossierFactory(
        call=window,
        category=CategoryFactory(call=window),
        state=S.SUBMITTED,
        submitted_at=timezone.now() - timedelta(days=3),
        requested_amount=Decimal("40000.00"),
    )
    staff = StaffFactory(programmes=[window.programme])
    instruction.record_proposal(staff, dossier, proposal=Proposal.ACCEPT, amount="40000")
    session = committee.create_session(staff, window, date=timezone.now().date())
    committee.add_to_agenda(staff, session, [dossier])
    item = Dossier.objects.get(pk=dossier.pk).agenda_item
    committee.record_decision(
        staff, item, decision=Award.Decision.LAUREATE, granted_amount=Decimal("35000")
    )
    client.force_login(agent_of(dossier.administration))
    assert client.get(letter_url(dossier)).status_code == 404
    committee.publish_session(staff, session)
    text = pdf_text(client.get(letter_url(dossier)))
    assert "Décision du comité" in text
    assert "Présélection" not in text
    assert "35 000,00 €" in text


def test_who_downloads_the_letter(client, round_):
    setup, staff = round_
    laureate = setup.dossiers[0]
    deliberation.publish_results(staff, setup.jury.call)
    roles = {
        "applicant": agent_of(laureate.administration),
        "agent of another administration": agent_of(AdministrationFactory()),
        "staff of the programme": staff,
        "staff of another programme": StaffFactory(programmes=[ProgrammeFactory()]),
        "superuser": UserFactory(is_staff=True, is_superuser=True),
        "juror of the call": setup.member.user,
        "plain account": UserFactory(),
    }
    for role, user in roles.items():
        client.force_login(user)
        expected = 200 if role in ("applicant", "staff of the programme") else 404
        assert client.get(letter_url(laureate)).status_code == expected, role


def juror_pdf_url(member, dossier):
    return reverse("jury:juror_dossier_pdf", kwargs={"jury_id": member.jury_id, "pk": dossier.pk})


def test_jurors_download_the_dossiers_they_may_open(client):
    setup = jury_with_dossiers(2)
    dossier, conflicted = setup.dossiers
    attach(dossier, name="etude-prealable.pdf")
    ConflictFactory(member=setup.member, dossier=conflicted)
    client.force_login(setup.member.user)
    text = pdf_text(client.get(juror_pdf_url(setup.member, dossier)))
    assert dossier.title in text and "etude-prealable.pdf" in text
    # A conflicted dossier, a draft of the call, another jury's: 404.
    assert client.get(juror_pdf_url(setup.member, conflicted)).status_code == 404
    draft = DossierFactory(call=setup.jury.call)
    assert client.get(juror_pdf_url(setup.member, draft)).status_code == 404
    stranger = JuryMemberFactory()
    client.force_login(stranger.user)
    assert client.get(juror_pdf_url(setup.member, dossier)).status_code == 404
    assert client.get(juror_pdf_url(stranger, dossier)).status_code == 404
