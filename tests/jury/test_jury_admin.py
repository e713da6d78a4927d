"""The jury models in the Django admin: every list and form opens; result history is read-only."""

import pytest
from django.urls import reverse
from django.utils import timezone

from jury.models import ResultAmendment
from tests.factories import CriterionFactory, StaffFactory
from tests.jury.factories import (
    AwardFactory,
    ConflictFactory,
    DeliberationFactory,
    EvaluationFactory,
    HearingSessionFactory,
    ScoreFactory,
)

pytestmark = pytest.mark.django_db

MODELS = [
    "jury",
    "jurymember",
    "conflictofinterest",
    "hearingsession",
    "hearingslot",
    "evaluation",
    "deliberation",
    "award",
    "resultamendment",
]


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    return client


@pytest.fixture
def rows():
    conflict = ConflictFactory()
    evaluation = EvaluationFactory(member=conflict.member)
    ScoreFactory(evaluation=evaluation, criterion=CriterionFactory(call=conflict.member.jury.call))
    HearingSessionFactory(jury=conflict.member.jury)
    deliberation = DeliberationFactory(jury=conflict.member.jury)
    award = AwardFactory()
    return ResultAmendment.objects.create(
        deliberation=deliberation,
        dossier=award.dossier,
        kind=ResultAmendment.Kind.CORRECT_TITLE,
        before={"title": "Avant"},
        after={"title": "Après"},
        reason="Coquille",
        actor=StaffFactory(),
        at=timezone.now(),
    )


@pytest.mark.parametrize("model", MODELS)
def test_changelist_and_search_open(admin_client, rows, model):
    url = reverse(f"admin:jury_{model}_changelist")
    assert admin_client.get(url).status_code == 200
    assert admin_client.get(url, {"q": "x"}).status_code == 200


@pytest.mark.parametrize("model", [m for m in MODELS if m != "resultamendment"])
def test_add_form_opens(admin_client, model):
    assert admin_client.get(reverse(f"admin:jury_{model}_add")).status_code == 200


def test_result_amendments_are_read_only(admin_client, rows):
    assert admin_client.get(reverse("admin:jury_resultamendment_add")).status_code == 403
    change = reverse("admin:jury_resultamendment_change", args=[rows.pk])
    response = admin_client.get(change)
    assert response.status_code == 200
    assert 'name="reason"' not in response.content.decode()
    delete = reverse("admin:jury_resultamendment_delete", args=[rows.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    assert ResultAmendment.objects.filter(pk=rows.pk).exists()
