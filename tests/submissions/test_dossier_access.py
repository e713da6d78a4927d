"""Who reads a dossier and its files, and who acts as its applicant: one permission each.

``submissions.see_dossier`` (the attachment download, shared by applicants and staff) and
``submissions.act_as_applicant`` are asked for every role. Staff never see a dossier that
was never submitted; a superuser is no applicant of an administration they do not belong to.
"""

import pytest
from django.urls import reverse
from django.utils import timezone

from relance.permissions import has_perm
from relance.workflow import WorkflowError
from submissions import workflow
from submissions.models import Dossier, DossierState
from tests.factories import (
    AdministrationFactory,
    DossierFactory,
    ProgrammeFactory,
    StaffFactory,
    UserFactory,
    agent_of,
)
from tests.jury.factories import JuryMemberFactory
from tests.jury.jury_core_data import attach

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def draft():
    return DossierFactory()


@pytest.fixture
def submitted():
    return DossierFactory(state=DossierState.SUBMITTED, submitted_at=timezone.now())


def roles(dossier) -> dict:
    return {
        "applicant": agent_of(dossier.administration),
        "applicant of another administration": agent_of(AdministrationFactory()),
        "staff of the programme": StaffFactory(),
        "staff of another programme": StaffFactory(programmes=[ProgrammeFactory()]),
        "superuser": UserFactory(is_staff=True, is_superuser=True),
        "juror of the call": JuryMemberFactory(jury__call=dossier.call).user,
        "plain account": UserFactory(),
    }


SEES_DRAFT = {"applicant"}
SEES_SUBMITTED = {"applicant", "staff of the programme"}


@pytest.mark.parametrize("state", ["draft", "submitted"])
def test_the_attachment_download_follows_see_dossier(client, request, state):
    dossier = request.getfixturevalue(state)
    attachment = attach(dossier)
    target = reverse(
        "submissions:attachment_download",
        kwargs={"pk": dossier.pk, "attachment_pk": attachment.pk},
    )
    allowed = SEES_DRAFT if state == "draft" else SEES_SUBMITTED
    for role, user in roles(dossier).items():
        assert has_perm(user, "submissions.see_dossier", dossier) == (role in allowed), role
        client.force_login(user)
        response = client.get(target)
        assert response.status_code == (200 if role in allowed else 404), role
        if response.status_code == 200:
            b"".join(response.streaming_content)  # close the file
    client.logout()
    assert client.get(target).status_code == 302  # anonymous: to the login page


def test_staff_never_instruct_a_dossier_never_submitted(draft, submitted):
    staff = StaffFactory()
    assert not has_perm(staff, "submissions.instruct_dossier", draft)
    assert has_perm(staff, "submissions.instruct_dossier", submitted)


def test_only_the_administration_acts_as_applicant(client, draft):
    edit = reverse("submissions:dossier_edit", kwargs={"pk": draft.pk, "section": "projet"})
    submit = reverse("submissions:dossier_submit", kwargs={"pk": draft.pk})
    for role, user in roles(draft).items():
        allowed = role == "applicant"
        assert has_perm(user, "submissions.act_as_applicant", draft) == allowed, role
        client.force_login(user)
        assert client.get(edit).status_code == (200 if allowed else 404), role
        if not allowed:
            assert client.post(submit).status_code == 404, role
            with pytest.raises(WorkflowError):
                workflow.submit(user, draft)
    assert Dossier.objects.get(pk=draft.pk).state == DossierState.DRAFT
