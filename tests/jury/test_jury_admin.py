"""The jury models in the Django admin: every list opens; the workflows' rows are read-only.

Composition, conflicts, hearings, scores, deliberation and results change only through the
jury's workflows (which check their guards, keep the audit trail and notify). The admin
shows those rows, inlines included, and never adds, changes or deletes them; the only edit
left is a jury's name, audited.
"""

from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from jury.models import (
    Award,
    ConflictOfInterest,
    Deliberation,
    Evaluation,
    HearingBreak,
    HearingSession,
    HearingSlot,
    Jury,
    JuryMember,
    ResultAmendment,
    Score,
)
from relance.audit import AuditAction
from relance.models import AuditEntry
from tests.admin_helpers import (
    audit_entries,
    bulk_delete,
    change_form_data,
    offers_bulk_delete,
    url,
)
from tests.factories import CriterionFactory, StaffFactory
from tests.jury.factories import (
    AwardFactory,
    ConflictFactory,
    DeliberationFactory,
    EvaluationFactory,
    HearingSessionFactory,
    ScoreFactory,
    preselected,
)

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")

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

# Every model whose rows only the workflows write, with the inlines of its change page.
LOCKED = {
    JuryMember: [],
    ConflictOfInterest: [],
    HearingSession: ["breaks"],
    HearingSlot: [],
    Evaluation: ["scores"],
    Deliberation: [],
    Award: [],
    ResultAmendment: [],
}


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


@pytest.fixture
def one_of_each(rows):
    """A row of every jury model, hearing slots and breaks included."""
    jury = rows.deliberation.jury
    session = jury.sessions.get()
    HearingBreak.objects.create(session=session, starts_at=time(12, 0), ends_at=time(13, 0))
    HearingSlot.objects.create(
        session=session,
        dossier=preselected(jury),
        starts_at=datetime(2021, 2, 10, 9, 0, tzinfo=PARIS),
        ends_at=datetime(2021, 2, 10, 9, 15, tzinfo=PARIS),
    )
    return {model: model.objects.first() for model in [Jury, *LOCKED, HearingBreak, Score]}


def _state(model):
    """Every row of ``model``, field by field, to compare before and after a request."""
    return list(model.objects.order_by("pk").values())


@pytest.mark.parametrize("model", MODELS)
def test_changelist_and_search_open(admin_client, rows, model):
    url = reverse(f"admin:jury_{model}_changelist")
    assert admin_client.get(url).status_code == 200
    assert admin_client.get(url, {"q": "x"}).status_code == 200


@pytest.mark.parametrize("model", MODELS)
def test_nothing_is_added_here(admin_client, model):
    # Before: the add form opened for every model but the result amendments. Juries are
    # created (one per call) from the staff screens, the rest by the workflows.
    assert admin_client.get(reverse(f"admin:jury_{model}_add")).status_code == 403


def test_result_amendments_are_read_only(admin_client, rows):
    assert admin_client.get(reverse("admin:jury_resultamendment_add")).status_code == 403
    change = reverse("admin:jury_resultamendment_change", args=[rows.pk])
    response = admin_client.get(change)
    assert response.status_code == 200
    assert 'name="reason"' not in response.content.decode()
    delete = reverse("admin:jury_resultamendment_delete", args=[rows.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    assert ResultAmendment.objects.filter(pk=rows.pk).exists()


@pytest.mark.parametrize("model", LOCKED, ids=[m._meta.model_name for m in LOCKED])
def test_workflow_rows_are_shown_read_only(admin_client, one_of_each, model):
    obj = one_of_each[model]
    response = admin_client.get(url(model, "change", obj.pk))
    assert response.status_code == 200
    assert response.context["adminform"].form.fields == {}
    assert not response.context["has_change_permission"]
    assert not response.context["has_delete_permission"]
    inlines = response.context["inline_admin_formsets"]
    assert [inline.formset.prefix for inline in inlines] == LOCKED[model]
    assert_read_only_inlines(response)


def assert_read_only_inlines(response):
    """The inlines show their rows, as text: no input to change, add or delete one."""
    content = response.content.decode()
    for inline in response.context["inline_admin_formsets"]:
        assert not inline.has_add_permission
        assert not inline.has_change_permission
        assert not inline.has_delete_permission
        formset = inline.formset
        assert formset.forms, formset.prefix
        for form in formset.forms:
            for name in set(form.fields) - {"id", formset.fk.name}:
                assert f'name="{form.add_prefix(name)}"' not in content


@pytest.mark.parametrize("model", LOCKED, ids=[m._meta.model_name for m in LOCKED])
def test_a_post_changes_nothing(admin_client, one_of_each, model):
    obj = one_of_each[model]
    before = {m: _state(m) for m in (model, HearingBreak, Score)}
    post = {"comment": "Modifié", "kind": "other", "decision": "not_selected", "absent": "on"}
    assert admin_client.post(url(model, "change", obj.pk), post).status_code == 403
    assert admin_client.get(url(model, "delete", obj.pk)).status_code == 403
    assert admin_client.post(url(model, "delete", obj.pk), {"post": "yes"}).status_code == 403
    assert {m: _state(m) for m in before} == before
    assert not AuditEntry.objects.exists()


@pytest.mark.parametrize(
    "model", [Jury, *LOCKED], ids=[m._meta.model_name for m in [Jury, *LOCKED]]
)
def test_no_bulk_delete_of_workflow_rows(admin_client, one_of_each, model):
    assert not offers_bulk_delete(admin_client, model)
    before = _state(model)
    bulk_delete(admin_client, model, model.objects.all())
    assert _state(model) == before


def test_a_conflict_of_interest_is_never_deleted_here(admin_client, one_of_each):
    """Conflicts are lifted by staff with a reason (jury workflow), which keeps the row."""
    conflict = one_of_each[ConflictOfInterest]
    delete = url(ConflictOfInterest, "delete", conflict.pk)
    assert admin_client.get(delete).status_code == 403
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    bulk_delete(admin_client, ConflictOfInterest, [conflict])
    conflict.refresh_from_db()
    assert conflict.lifted_at is None


def test_only_a_jury_name_is_edited_here_and_audited(admin_client, one_of_each, superuser):
    jury = one_of_each[Jury]
    members = _state(JuryMember)
    page = admin_client.get(url(Jury, "change", jury.pk))
    assert set(page.context["adminform"].form.fields) == {"name"}
    assert [inline.formset.prefix for inline in page.context["inline_admin_formsets"]] == [
        "members"
    ]
    assert_read_only_inlines(page)

    data = change_form_data(page)
    old_name = jury.name
    data.update(name="Jury du premier appel", composition_published="on", call="")
    response = admin_client.post(url(Jury, "change", jury.pk), data)
    assert response.status_code == 302
    jury.refresh_from_db()
    assert jury.name == "Jury du premier appel"
    assert not jury.composition_published  # published from the staff screens only
    assert _state(JuryMember) == members
    [entry] = audit_entries(jury)
    assert (entry.action, entry.actor) == (AuditAction.ADMIN_EDIT, superuser)
    assert entry.data == {
        "fields": ["name"],
        "changes": {"name": {"old": old_name, "new": "Jury du premier appel"}},
    }

    assert admin_client.post(url(Jury, "delete", jury.pk), {"post": "yes"}).status_code == 403
    assert Jury.objects.filter(pk=jury.pk).exists()
