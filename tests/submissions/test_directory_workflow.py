"""The workflow functions of the directory and of memberships (submissions.administrations)."""

import pytest
from django.urls import reverse

from relance.audit import AuditAction, history
from relance.models import AuditEntry, OutgoingEmail
from relance.workflow import WorkflowError
from submissions import administrations as workflow
from submissions.models import (
    Administration,
    Dossier,
    Membership,
    MembershipRequest,
    Ministry,
)
from tests.factories import (
    AdministrationFactory,
    DossierFactory,
    MembershipFactory,
    MinistryFactory,
    StaffFactory,
    UserFactory,
    agent_of,
)

pytestmark = pytest.mark.django_db

R = MembershipRequest.Status
DINUM_SIRET = "13002526500013"
SITE = "https://relance.exemple.gouv.fr"


@pytest.fixture(autouse=True)
def site(settings):
    settings.SITE_URL = SITE


@pytest.fixture
def instructor():
    return StaffFactory(email="instructrice@exemple.gouv.fr")


@pytest.fixture
def culture():
    return MinistryFactory(name="Ministère de la Culture", acronym="MC")


@pytest.fixture
def secretariat(culture):
    return AdministrationFactory(
        name="Secrétariat général du ministère de la Culture",
        acronym="SG Culture",
        ministry=culture,
    )


@pytest.fixture
def agent():
    return UserFactory(email="nouvel.agent@culture.gouv.fr", first_name="Alex", last_name="Martin")


def entries(action):
    return list(AuditEntry.objects.filter(action=action).order_by("pk"))


# The directory --------------------------------------------------------------------------------


def test_an_instructor_creates_and_edits_a_ministry(instructor):
    ministry = workflow.create_ministry(instructor, name="Ministère de la Mer", acronym="MMer")
    assert Ministry.objects.get(pk=ministry.pk).acronym == "MMer"
    (created,) = entries(AuditAction.MINISTRY_CREATE)
    assert created.actor == instructor
    assert created.data == {"fields": {"name": "Ministère de la Mer", "acronym": "MMer"}}

    workflow.update_ministry(instructor, ministry, name="Ministère de la Mer", acronym="MM")
    (updated,) = entries(AuditAction.MINISTRY_UPDATE)
    assert updated.data == {"fields": {"acronym": {"old": "MMer", "new": "MM"}}}
    # Saving without a change writes nothing.
    workflow.update_ministry(instructor, ministry, name="Ministère de la Mer", acronym="MM")
    assert len(entries(AuditAction.MINISTRY_UPDATE)) == 1


def test_an_instructor_creates_and_edits_an_administration(instructor, culture):
    administration = workflow.create_administration(
        instructor,
        name="Direction générale des patrimoines et de l’architecture",
        acronym="DGPA",
        kind="central",
        ministry=culture,
        siret=DINUM_SIRET,
    )
    (created,) = entries(AuditAction.ADMINISTRATION_CREATE)
    assert created.data["fields"]["siret"] == DINUM_SIRET
    assert created.data["fields"]["ministry"] == culture.pk
    assert history(administration).get() == created

    workflow.update_administration(instructor, administration, {"acronym": "DGP", "siret": ""})
    administration.refresh_from_db()
    assert (administration.acronym, administration.siret) == ("DGP", "")
    (updated,) = entries(AuditAction.ADMINISTRATION_UPDATE)
    assert updated.data == {
        "fields": {
            "acronym": {"old": "DGPA", "new": "DGP"},
            "siret": {"old": DINUM_SIRET, "new": ""},
        }
    }


def test_the_directory_is_for_instructors_only(agent, secretariat, culture):
    member = agent_of(secretariat)
    for user in (agent, member):
        with pytest.raises(WorkflowError):
            workflow.create_ministry(user, name="Ministère pirate")
        with pytest.raises(WorkflowError):
            workflow.update_ministry(user, culture, name="Renommé")
        with pytest.raises(WorkflowError):
            workflow.create_administration(user, name="Pirate", kind="central", ministry=culture)
        with pytest.raises(WorkflowError):
            workflow.update_administration(user, secretariat, {"name": "Renommée"})
    assert not Ministry.objects.filter(name__in=["Ministère pirate", "Renommé"]).exists()
    assert not Administration.objects.filter(name__in=["Pirate", "Renommée"]).exists()
    assert not AuditEntry.objects.exists()


def test_the_workflow_checks_what_it_saves(instructor, culture, secretariat):
    with pytest.raises(WorkflowError, match="clé de contrôle"):
        workflow.create_administration(
            instructor, name="Clé fausse", kind="central", ministry=culture, siret="13002526500012"
        )
    with pytest.raises(WorkflowError, match="porte déjà ce nom"):
        workflow.create_administration(
            instructor, name=secretariat.name, kind="central", ministry=culture
        )
    with pytest.raises(WorkflowError, match="Indiquez le ministère"):
        workflow.create_administration(instructor, name="Sans ministère", kind="central")
    with pytest.raises(WorkflowError, match="aucun ministère"):
        workflow.create_administration(
            instructor, name="Commune", kind="local_authority", ministry=culture
        )
    workflow.create_administration(
        instructor, name="DINUM", kind="central", ministry=culture, siret=DINUM_SIRET
    )
    with pytest.raises(WorkflowError, match="porte déjà ce SIRET"):
        workflow.update_administration(instructor, secretariat, {"siret": DINUM_SIRET})
    with pytest.raises(ValueError, match="Not editable"):
        workflow.update_administration(instructor, secretariat, {"members": []})
    secretariat.refresh_from_db()
    assert secretariat.siret == ""
    assert len(entries(AuditAction.ADMINISTRATION_CREATE)) == 1


# Membership requests ----------------------------------------------------------------------------


def test_an_agent_asks_to_join_and_a_second_click_creates_nothing(agent, secretariat):
    first, created = workflow.request_membership(agent, secretariat, message="  Cheffe de projet ")
    assert created and first.status == R.PENDING and first.message == "Cheffe de projet"
    again, created_again = workflow.request_membership(agent, secretariat, message="Encore")
    assert again == first and not created_again
    assert MembershipRequest.objects.count() == 1
    (entry,) = entries(AuditAction.MEMBERSHIP_REQUEST)
    assert (entry.actor, entry.target_id, entry.reason) == (
        agent,
        str(secretariat.pk),
        "Cheffe de projet",
    )
    assert entry.data == {"user": agent.pk, "email": agent.email, "request": first.pk}
    assert not Membership.objects.exists()


def test_a_member_cannot_ask_again(secretariat):
    member = agent_of(secretariat)
    with pytest.raises(WorkflowError, match="déjà rattaché"):
        workflow.request_membership(member, secretariat)
    assert not MembershipRequest.objects.exists()


def test_instructors_and_inactive_accounts_do_not_ask(instructor, secretariat):
    inactive = UserFactory(is_active=False)
    for user in (instructor, inactive):
        with pytest.raises(WorkflowError):
            workflow.request_membership(user, secretariat)
    assert not MembershipRequest.objects.exists()


def test_a_too_long_message_is_refused(agent, secretariat):
    with pytest.raises(WorkflowError, match="1000 caractères"):
        workflow.request_membership(agent, secretariat, message="x" * 1001)
    assert not MembershipRequest.objects.exists()


def test_approving_creates_the_membership_audits_and_emails(instructor, agent, secretariat):
    membership_request, _ = workflow.request_membership(agent, secretariat)
    membership = workflow.approve_membership_request(instructor, membership_request)

    assert membership == Membership.objects.get(user=agent, administration=secretariat)
    membership_request.refresh_from_db()
    assert membership_request.status == R.APPROVED
    assert membership_request.decided_by == instructor
    assert membership_request.decided_at is not None
    (entry,) = entries(AuditAction.MEMBERSHIP_APPROVE)
    assert (entry.actor, entry.from_state, entry.to_state) == (instructor, R.PENDING, R.APPROVED)
    assert entry.data["membership"] == membership.pk

    email = OutgoingEmail.objects.get(topic="membership_approved")
    assert email.to == [agent.email]
    assert email.subject == (
        "[Relance] Rattachement accepté : Secrétariat général du ministère de la Culture"
    )
    assert email.body.startswith("Bonjour Alex Martin,\n")
    assert "« Secrétariat général du ministère de la Culture »" in email.body
    assert f"{SITE}{reverse('submissions:dossier_list')}" in email.body
    assert f"{SITE}{reverse('submissions:my_administrations')}" in email.body


def test_refusing_needs_a_reason_and_emails_it(instructor, agent, secretariat):
    membership_request, _ = workflow.request_membership(agent, secretariat)
    for blank in ("", "   \n "):
        with pytest.raises(WorkflowError, match="motif"):
            workflow.refuse_membership_request(instructor, membership_request, reason=blank)
    assert not OutgoingEmail.objects.exists()

    workflow.refuse_membership_request(
        instructor, membership_request, reason="Vous n’apparaissez pas dans l’annuaire."
    )
    membership_request.refresh_from_db()
    assert membership_request.status == R.REFUSED
    assert membership_request.reason == "Vous n’apparaissez pas dans l’annuaire."
    assert not Membership.objects.exists()
    (entry,) = entries(AuditAction.MEMBERSHIP_REFUSE)
    assert entry.reason == "Vous n’apparaissez pas dans l’annuaire."
    email = OutgoingEmail.objects.get(topic="membership_refused")
    assert email.to == [agent.email]
    assert "Demande de rattachement refusée" in email.subject
    assert "Motif :\n\nVous n’apparaissez pas dans l’annuaire.\n" in email.body

    # Refused: the agent may ask again, a new request.
    again, created = workflow.request_membership(agent, secretariat)
    assert created and again != membership_request


def test_a_decided_request_is_not_decided_twice(instructor, agent, secretariat):
    membership_request, _ = workflow.request_membership(agent, secretariat)
    workflow.approve_membership_request(instructor, membership_request)
    with pytest.raises(WorkflowError, match="déjà été traitée"):
        workflow.approve_membership_request(instructor, membership_request)
    with pytest.raises(WorkflowError, match="déjà été traitée"):
        workflow.refuse_membership_request(instructor, membership_request, reason="Non")
    assert Membership.objects.count() == 1
    assert OutgoingEmail.objects.count() == 1
    assert len(entries(AuditAction.MEMBERSHIP_APPROVE)) == 1


def test_only_instructors_decide(agent, secretariat):
    membership_request, _ = workflow.request_membership(agent, secretariat)
    member = agent_of(secretariat)
    for user in (agent, member, UserFactory()):
        with pytest.raises(WorkflowError):
            workflow.approve_membership_request(user, membership_request)
        with pytest.raises(WorkflowError):
            workflow.refuse_membership_request(user, membership_request, reason="Non")
    membership_request.refresh_from_db()
    assert membership_request.status == R.PENDING
    assert not Membership.objects.filter(user=agent).exists()


def test_a_deactivated_account_is_not_approved(instructor, agent, secretariat):
    membership_request, _ = workflow.request_membership(agent, secretariat)
    agent.is_active = False
    agent.save()
    with pytest.raises(WorkflowError, match="désactivé"):
        workflow.approve_membership_request(instructor, membership_request)
    assert not Membership.objects.exists()


def test_an_agent_cancels_their_own_pending_request(agent, secretariat, instructor):
    membership_request, _ = workflow.request_membership(agent, secretariat)
    with pytest.raises(WorkflowError, match="pas la vôtre"):
        workflow.cancel_membership_request(UserFactory(), membership_request)
    workflow.cancel_membership_request(agent, membership_request)
    membership_request.refresh_from_db()
    assert membership_request.status == R.CANCELLED
    assert len(entries(AuditAction.MEMBERSHIP_REQUEST_CANCEL)) == 1
    with pytest.raises(WorkflowError, match="déjà été traitée"):
        workflow.approve_membership_request(instructor, membership_request)


# Several administrations, leaving, removing -------------------------------------------------------


def test_an_agent_belongs_to_several_administrations(instructor, agent, secretariat):
    other = AdministrationFactory(name="Mobilier national")
    for administration in (secretariat, other):
        membership_request, _ = workflow.request_membership(agent, administration)
        workflow.approve_membership_request(instructor, membership_request)
    assert set(agent.administrations.all()) == {secretariat, other}


def test_leaving_keeps_the_dossiers_with_the_administration(agent, secretariat):
    MembershipFactory(user=agent, administration=secretariat)
    colleague = agent_of(secretariat)
    dossier = DossierFactory(administration=secretariat, created_by=agent)

    workflow.leave_administration(agent, secretariat)

    assert not Membership.objects.filter(user=agent).exists()
    dossier.refresh_from_db()
    assert dossier.administration == secretariat
    assert dossier.created_by == agent  # the history keeps who started it
    assert list(Dossier.objects.of_applicant(agent)) == []
    assert list(Dossier.objects.of_applicant(colleague)) == [dossier]
    (entry,) = entries(AuditAction.MEMBERSHIP_LEAVE)
    assert (entry.actor, entry.target_id, entry.data["email"]) == (
        agent,
        str(secretariat.pk),
        agent.email,
    )
    with pytest.raises(WorkflowError, match="pas rattaché"):
        workflow.leave_administration(agent, secretariat)


def test_an_instructor_removes_a_member_and_the_dossiers_stay(instructor, agent, secretariat):
    membership = MembershipFactory(user=agent, administration=secretariat)
    dossier = DossierFactory(administration=secretariat, created_by=agent)
    with pytest.raises(WorkflowError):
        workflow.remove_member(agent_of(secretariat), membership)

    workflow.remove_member(instructor, membership)

    assert not Membership.objects.filter(user=agent).exists()
    assert Dossier.objects.get(pk=dossier.pk).administration == secretariat
    (entry,) = entries(AuditAction.MEMBERSHIP_REMOVE)
    assert entry.actor == instructor and entry.data["user"] == agent.pk
    with pytest.raises(WorkflowError, match="plus rattaché"):
        workflow.remove_member(instructor, membership)
