"""The dossier workflow: every transition, every refusal, deadlines, races and publication."""

import threading
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from relance import audit
from relance.models import AuditEntry, OutgoingEmail
from relance.workflow import StaleEditError, WorkflowError
from submissions import correspondence, workflow
from submissions import preselection as preselection_workflow
from submissions.models import (
    Dossier,
    DossierMessage,
    DossierState,
    PreselectionDecision,
    PreselectionPublication,
)
from submissions.workflow import (
    APPLICANT,
    STAFF,
    TRANSITIONS,
    DeadlineError,
)
from tests.factories import (
    AdministrationFactory,
    CallFactory,
    CategoryFactory,
    ContinuousCallFactory,
    DossierFactory,
    MembershipFactory,
    StaffFactory,
    UserFactory,
    agent_of,
)

pytestmark = pytest.mark.django_db

S = DossierState
PRESELECTED = PreselectionDecision.PRESELECTED
NOT_PRESELECTED = PreselectionDecision.NOT_PRESELECTED


# Fixtures and helpers -----------------------------------------------------------------------


@pytest.fixture
def call(db):
    return CallFactory()


@pytest.fixture
def closed_call(db):
    now = timezone.now()
    return CallFactory(opens_at=now - timedelta(days=40), closes_at=now - timedelta(days=1))


@pytest.fixture
def administration(db):
    return AdministrationFactory()


@pytest.fixture
def agent(administration):
    return agent_of(administration, email="porteur@exemple.gouv.fr")


@pytest.fixture
def outsider(db):
    return agent_of(AdministrationFactory())


@pytest.fixture
def clock(monkeypatch):
    """Freezes ``timezone.now()`` at ``clock.now`` when set (server time of the checks)."""

    class Clock:
        now = None

    frozen = Clock()
    real_now = timezone.now
    monkeypatch.setattr(timezone, "now", lambda: frozen.now or real_now())
    return frozen


def make_dossier(call, administration, state=S.DRAFT, **kwargs):
    if state != S.DRAFT:
        kwargs.setdefault("submitted_at", timezone.now() - timedelta(days=1))
    return DossierFactory(call=call, administration=administration, state=state, **kwargs)


def snapshot(dossier):
    """Every column of the dossier row, as stored."""
    return Dossier.objects.filter(pk=dossier.pk).values().get()


def entries(dossier, action=None):
    qs = audit.history(dossier)
    return qs.filter(action=action) if action else qs


def actor_for(role, agent, staff, outsider):
    return {APPLICANT: agent, STAFF: staff, "outsider": outsider, "anonymous": None}[role]


# The table ------------------------------------------------------------------------------------


def test_table_is_the_documented_lifecycle():
    edges = {name: (set(t.sources), t.target, set(t.roles)) for name, t in TRANSITIONS.items()}
    assert edges == {
        "submit": ({S.DRAFT}, S.SUBMITTED, {APPLICANT}),
        "request_additions": ({S.SUBMITTED}, S.INCOMPLETE, {STAFF}),
        "complete": ({S.INCOMPLETE}, S.SUBMITTED, {APPLICANT}),
        "preselect": ({S.SUBMITTED}, S.PRESELECTED, {STAFF}),
        "not_preselect": ({S.SUBMITTED, S.INCOMPLETE}, S.NOT_PRESELECTED, {STAFF}),
        "select": ({S.PRESELECTED}, S.LAUREATE, {STAFF}),
        "not_select": ({S.PRESELECTED}, S.NOT_SELECTED, {STAFF}),
        # A continuous window's committee decides submitted dossiers (no preselection).
        "committee_accept": ({S.SUBMITTED}, S.LAUREATE, {STAFF}),
        "committee_refuse": ({S.SUBMITTED}, S.NOT_SELECTED, {STAFF}),
        # Heard and not selected, not preselected, or registered by staff for the purpose.
        "amend_add_laureate": (
            {S.NOT_SELECTED, S.NOT_PRESELECTED, S.SUBMITTED},
            S.LAUREATE,
            {STAFF},
        ),
        "amend_remove_laureate": ({S.LAUREATE}, S.NOT_SELECTED, {STAFF}),
        "withdraw": ({S.DRAFT, S.SUBMITTED, S.INCOMPLETE}, S.WITHDRAWN, {APPLICANT}),
    }


@pytest.mark.parametrize("name", sorted(TRANSITIONS))
@pytest.mark.parametrize("state", S.values)
def test_every_state_and_transition_pair(state, name, call, administration, agent, staff):
    transition = TRANSITIONS[name]
    dossier = make_dossier(call, administration, state)
    actor = agent if APPLICANT in transition.roles else staff
    before = snapshot(dossier)

    if state in transition.sources:
        workflow.fire(actor, dossier, name, reason="Motif de test")
        after = snapshot(dossier)
        assert after["state"] == transition.target
        assert after["version"] == before["version"] + 1
        entry = entries(dossier).get()
        assert entry.actor == actor
        assert entry.action == name
        assert entry.from_state == state
        assert entry.to_state == transition.target
        assert entry.reason == "Motif de test"
    else:
        with pytest.raises(WorkflowError) as refused:
            workflow.fire(actor, dossier, name, reason="Motif de test")
        assert str(S(state).label) in refused.value.message
        assert snapshot(dossier) == before
        assert not entries(dossier).exists()


WRONG_ROLES = [
    (name, source, wrong)
    for name, transition in sorted(TRANSITIONS.items())
    for source in sorted(transition.sources)
    for wrong in [
        *([STAFF] if APPLICANT in transition.roles else [APPLICANT]),
        "outsider",
        "anonymous",
    ]
]


@pytest.mark.parametrize("name,source,wrong", WRONG_ROLES)
def test_wrong_role_is_refused(name, source, wrong, call, administration, agent, staff, outsider):
    from django.contrib.auth.models import AnonymousUser

    dossier = make_dossier(call, administration, source)
    user = actor_for(wrong, agent, staff, outsider) or AnonymousUser()
    before = snapshot(dossier)
    with pytest.raises(WorkflowError) as refused:
        workflow.fire(user, dossier, name)
    assert "droit" in refused.value.message
    assert snapshot(dossier) == before
    assert not entries(dossier).exists()


def test_allowed_transitions_depend_on_role(call, administration, agent, staff, outsider):
    dossier = make_dossier(call, administration, S.SUBMITTED)
    assert {t.name for t in workflow.allowed_transitions(agent, dossier)} == {"withdraw"}
    assert {t.name for t in workflow.allowed_transitions(staff, dossier)} == {
        "request_additions",
        "preselect",
        "not_preselect",
        "committee_accept",
        "committee_refuse",
        # By the table; the correction's guard keeps it to dossiers registered by staff.
        "amend_add_laureate",
    }
    assert workflow.allowed_transitions(outsider, dossier) == []


# The functions the screens call, in every state ---------------------------------------------

ACTIONS = {
    "submit": (APPLICANT, lambda user, d: workflow.submit(user, d), ""),
    "complete": (
        APPLICANT,
        lambda user, d: workflow.complete(user, d, reply="Le devis est joint."),
        "Le devis est joint.",
    ),
    "withdraw": (
        APPLICANT,
        lambda user, d: workflow.withdraw(user, d, reason="Projet abandonné."),
        "Projet abandonné.",
    ),
    "request_additions": (
        STAFF,
        lambda user, d: workflow.request_additions(user, d, message="Joignez le devis."),
        "Joignez le devis.",
    ),
}


@pytest.mark.parametrize("name", sorted(ACTIONS))
@pytest.mark.parametrize("state", S.values)
def test_action_functions_in_every_state(
    state, name, call, administration, agent, staff, django_capture_on_commit_callbacks
):
    role, action, reason = ACTIONS[name]
    actor = agent if role == APPLICANT else staff
    dossier = make_dossier(call, administration, state)
    before = snapshot(dossier)
    transition = TRANSITIONS[name]

    if state in transition.sources:
        with django_capture_on_commit_callbacks(execute=True):
            action(actor, dossier)
        assert snapshot(dossier)["state"] == transition.target
        entry = entries(dossier, name).get()
        assert (entry.actor, entry.from_state, entry.to_state, entry.reason) == (
            actor,
            state,
            transition.target,
            reason,
        )
    else:
        with pytest.raises(WorkflowError):
            action(actor, dossier)
        assert snapshot(dossier) == before
        assert not entries(dossier).exists()
        assert not OutgoingEmail.objects.exists()


# Deadline -------------------------------------------------------------------------------------


def test_submit_one_second_before_closing_succeeds(call, administration, agent, clock):
    dossier = make_dossier(call, administration)
    clock.now = call.closes_at - timedelta(seconds=1)
    workflow.submit(agent, dossier)
    dossier.refresh_from_db()
    assert dossier.state == S.SUBMITTED
    assert dossier.submitted_at == clock.now


@pytest.mark.parametrize("offset", [timedelta(0), timedelta(seconds=1)])
def test_submit_at_or_after_closing_keeps_the_draft(call, administration, agent, clock, offset):
    dossier = make_dossier(call, administration, title="Entrepôt de données RH")
    before = snapshot(dossier)
    clock.now = call.closes_at + offset
    with pytest.raises(DeadlineError) as refused:
        workflow.submit(agent, dossier)
    assert "clos" in refused.value.message
    assert "brouillon est conservé" in refused.value.message
    assert "heure de Paris" in refused.value.message
    assert snapshot(dossier) == before
    assert not entries(dossier).exists()
    assert not OutgoingEmail.objects.exists()


def test_submit_before_opening_is_refused(administration, agent):
    now = timezone.now()
    upcoming = CallFactory(opens_at=now + timedelta(days=1), closes_at=now + timedelta(days=9))
    dossier = make_dossier(upcoming, administration)
    with pytest.raises(DeadlineError, match="pas encore ouvert"):
        workflow.submit(agent, dossier)
    assert snapshot(dossier)["state"] == S.DRAFT


def test_amendment_before_closing_is_audited_with_changed_fields(
    call, administration, agent, clock
):
    dossier = make_dossier(call, administration, S.SUBMITTED, title="Ancien titre")
    clock.now = call.closes_at - timedelta(seconds=1)
    updated = workflow.update_dossier(
        agent,
        dossier,
        {"title": "Nouveau titre", "requested_amount": Decimal("80000.00")},
        version=dossier.version,
    )
    assert updated.state == S.SUBMITTED
    assert updated.version == dossier.version + 1
    entry = entries(dossier, "amend").get()
    assert entry.actor == agent
    assert entry.data["fields"] == {
        "title": {"old": "Ancien titre", "new": "Nouveau titre"},
        "requested_amount": {"old": "75000.00", "new": "80000.00"},
    }


@pytest.mark.parametrize("offset", [timedelta(0), timedelta(seconds=1)])
def test_amendment_after_closing_is_refused(call, administration, agent, clock, offset):
    dossier = make_dossier(call, administration, S.SUBMITTED)
    before = snapshot(dossier)
    clock.now = call.closes_at + offset
    with pytest.raises(DeadlineError):
        workflow.update_dossier(agent, dossier, {"title": "Trop tard"}, version=dossier.version)
    assert snapshot(dossier) == before
    assert not entries(dossier).exists()


def test_amendment_cannot_make_a_submitted_dossier_invalid(administration, agent):
    window = ContinuousCallFactory()
    dossier = make_dossier(window, administration, S.SUBMITTED, requested_amount=Decimal("9000"))
    before = snapshot(dossier)
    with pytest.raises(WorkflowError, match="strictement inférieur"):
        workflow.update_dossier(
            agent, dossier, {"requested_amount": Decimal("100000.00")}, version=dossier.version
        )
    with pytest.raises(WorkflowError, match="Champs à remplir"):
        workflow.update_dossier(agent, dossier, {"summary": ""}, version=dossier.version)
    assert snapshot(dossier) == before


def test_edit_of_a_draft_is_audited_as_edit(call, administration, agent):
    dossier = make_dossier(call, administration)
    workflow.update_dossier(agent, dossier, {"subtitle": "Une ligne"}, version=dossier.version)
    assert entries(dossier, "edit").get().data == {
        "fields": {"subtitle": {"old": dossier.subtitle, "new": "Une ligne"}}
    }


def test_an_outsider_cannot_edit(call, administration, outsider, staff):
    dossier = make_dossier(call, administration)
    for user in (outsider, staff):
        with pytest.raises(WorkflowError):
            workflow.update_dossier(user, dossier, {"title": "Pirate"}, version=dossier.version)
    assert snapshot(dossier)["title"] == dossier.title


# Ceiling, eligibility, category ---------------------------------------------------------------


def test_continuous_window_accepts_just_under_the_ceiling(administration, agent):
    window = ContinuousCallFactory()
    dossier = make_dossier(window, administration, requested_amount=Decimal("99999.99"))
    workflow.submit(agent, dossier)
    assert snapshot(dossier)["state"] == S.SUBMITTED


@pytest.mark.parametrize("amount", [Decimal("100000.00"), Decimal("100000.01")])
def test_continuous_window_refuses_the_ceiling_and_more(administration, agent, amount):
    window = ContinuousCallFactory()
    dossier = make_dossier(window, administration, requested_amount=amount)
    before = snapshot(dossier)
    with pytest.raises(WorkflowError) as refused:
        workflow.submit(agent, dossier)
    assert refused.value.message == (
        "Le cofinancement demandé doit être strictement inférieur à 100 000,00 € pour cet appel."
    )
    assert snapshot(dossier) == before


def test_missing_amount_is_refused_at_submission(call, administration, agent):
    dossier = make_dossier(call, administration)
    Dossier.objects.filter(pk=dossier.pk).update(requested_amount=None)
    dossier.refresh_from_db()
    with pytest.raises(WorkflowError, match="cofinancement demandé"):
        workflow.submit(agent, dossier)


def test_local_authority_is_refused_at_creation_with_the_note():
    call = CallFactory(
        ineligible_note="Les collectivités territoriales relèvent du fonds « Transformation "
        "numérique des territoires »."
    )
    town = AdministrationFactory(kind="local_authority", ministry=None)
    mayor_agent = agent_of(town)
    with pytest.raises(WorkflowError) as refused:
        workflow.create_dossier(mayor_agent, call, town, title="Open data municipal")
    assert "Collectivité territoriale" in refused.value.message
    assert call.ineligible_note in refused.value.message
    assert not Dossier.objects.exists()


def test_creation_allocates_references_in_order(call, administration, agent):
    first, created = workflow.create_dossier(agent, call, administration, title="  Premier  ")
    second, _ = workflow.create_dossier(agent, call, administration, title="Second")
    assert created
    assert (first.number, second.number) == (1, 2)
    assert first.reference == f"R{call.number}-{call.opens_at.year}-001"
    assert first.title == "Premier"
    assert (first.state, first.created_by, first.contact_email) == (S.DRAFT, agent, agent.email)
    assert entries(first, "create").get().to_state == S.DRAFT


def test_creation_needs_a_membership_a_title_and_an_open_call(
    call, closed_call, administration, agent, outsider
):
    with pytest.raises(WorkflowError, match="rattaché"):
        workflow.create_dossier(outsider, call, administration, title="Projet")
    with pytest.raises(WorkflowError, match="titre"):
        workflow.create_dossier(agent, call, administration, title="   ")
    with pytest.raises(DeadlineError):
        workflow.create_dossier(agent, closed_call, administration, title="Projet")
    assert not Dossier.objects.exists()


def test_category_from_another_call_is_refused(call, administration, agent):
    dossier = make_dossier(call, administration)
    foreign = CategoryFactory(call=CallFactory())
    with pytest.raises(ValidationError) as refused:
        workflow.update_dossier(agent, dossier, {"category": foreign}, version=dossier.version)
    assert "catégorie" in str(refused.value.message_dict["category"])
    assert snapshot(dossier)["category_id"] == dossier.category_id

    # Even if it got there another way, submission refuses it.
    Dossier.objects.filter(pk=dossier.pk).update(category=foreign)
    with pytest.raises(WorkflowError, match="n’appartient pas à cet appel"):
        workflow.submit(agent, dossier)
    assert snapshot(dossier)["state"] == S.DRAFT


# Double submit and races ----------------------------------------------------------------------


def test_double_submit_raises_and_audits_once(
    call, administration, agent, django_capture_on_commit_callbacks
):
    dossier = make_dossier(call, administration)
    with django_capture_on_commit_callbacks(execute=True):
        workflow.submit(agent, dossier)
    with pytest.raises(WorkflowError, match="déjà été déposé"):
        workflow.submit(agent, dossier)
    assert entries(dossier, "submit").count() == 1
    assert OutgoingEmail.objects.filter(topic="acknowledgement").count() == 1


def _run_concurrently(target, count=2):
    """Run ``target(i)`` in ``count`` threads started together; return results or errors."""
    barrier = threading.Barrier(count)
    results = [None] * count

    def run(i):
        try:
            barrier.wait(timeout=10)
            results[i] = target(i)
        except Exception as exc:
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_submits_make_one_transition():
    call = CallFactory()
    administration = AdministrationFactory()
    agent = agent_of(administration)
    dossier = make_dossier(call, administration)

    results = _run_concurrently(lambda i: workflow.submit(agent, dossier.pk))

    successes = [r for r in results if isinstance(r, Dossier)]
    refusals = [r for r in results if isinstance(r, WorkflowError)]
    assert (len(successes), len(refusals)) == (1, 1), results
    stored = snapshot(dossier)
    assert stored["state"] == S.SUBMITTED
    assert stored["version"] == dossier.version + 1
    assert entries(dossier, "submit").count() == 1
    assert OutgoingEmail.objects.filter(topic="acknowledgement").count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_creations_with_one_token_make_one_dossier():
    call = CallFactory()
    administration = AdministrationFactory()
    agent = agent_of(administration)
    token = uuid.uuid4()

    results = _run_concurrently(
        lambda i: workflow.create_dossier(agent, call, administration, title="Projet", token=token)
    )

    assert all(isinstance(r, tuple) for r in results), results
    assert Dossier.objects.count() == 1
    assert {dossier.pk for dossier, _ in results} == {Dossier.objects.get().pk}
    assert sorted(created for _, created in results) == [False, True]
    assert AuditEntry.objects.filter(action="create").count() == 1


def test_same_token_again_returns_the_first_dossier(call, administration, agent):
    token = uuid.uuid4()
    first, created = workflow.create_dossier(agent, call, administration, title="A", token=token)
    again, created_again = workflow.create_dossier(
        agent, call, administration, title="A", token=token
    )
    assert (created, created_again, again.pk) == (True, False, first.pk)
    colleague = agent_of(administration)
    with pytest.raises(WorkflowError, match="déjà été utilisé"):
        workflow.create_dossier(colleague, call, administration, title="A", token=token)
    assert Dossier.objects.count() == 1


def test_stale_update_overwrites_nothing(call, administration, agent):
    dossier = make_dossier(call, administration, title="Titre d’origine")
    opened_version = dossier.version
    colleague = agent_of(administration)
    workflow.update_dossier(
        colleague, dossier, {"title": "Titre du collègue"}, version=opened_version
    )
    before = snapshot(dossier)
    with pytest.raises(StaleEditError):
        workflow.update_dossier(agent, dossier, {"title": "Mon titre"}, version=opened_version)
    assert snapshot(dossier) == before
    assert snapshot(dossier)["title"] == "Titre du collègue"


def test_stale_budget_lines_are_refused(call, administration, agent):
    dossier = make_dossier(call, administration)
    line = {"label": "Prestation", "nature": "services", "amount": Decimal("1000.00")}
    workflow.replace_budget_lines(agent, dossier, [line], version=dossier.version)
    with pytest.raises(StaleEditError):
        workflow.replace_budget_lines(agent, dossier, [], version=dossier.version)
    assert dossier.budget_lines.count() == 1


def test_invalid_budget_line_replaces_nothing(call, administration, agent):
    dossier = make_dossier(call, administration)
    good = {"label": "Prestation", "nature": "services", "amount": Decimal("1000.00"), "id": 9}
    workflow.replace_budget_lines(agent, dossier, [good], version=dossier.version)
    dossier.refresh_from_db()
    bad = {"label": "Gratuit", "nature": "services", "amount": Decimal("0")}
    with pytest.raises(ValidationError):
        workflow.replace_budget_lines(agent, dossier, [good, bad], version=dossier.version)
    assert list(dossier.budget_lines.values_list("label", flat=True)) == ["Prestation"]


# Additions --------------------------------------------------------------------------------------


@pytest.mark.parametrize("message", ["", "   ", None])
def test_request_additions_requires_a_message(call, administration, staff, message):
    dossier = make_dossier(call, administration, S.SUBMITTED)
    before = snapshot(dossier)
    with pytest.raises(WorkflowError, match="message"):
        workflow.request_additions(staff, dossier, message=message)
    assert snapshot(dossier) == before
    assert not DossierMessage.objects.exists()


def test_request_additions_then_complete_revalidates(
    call, administration, agent, staff, django_capture_on_commit_callbacks
):
    dossier = make_dossier(call, administration, S.SUBMITTED)
    with django_capture_on_commit_callbacks(execute=True):
        workflow.request_additions(staff, dossier, message="Précisez le calendrier.")
    dossier.refresh_from_db()
    assert dossier.state == S.INCOMPLETE
    request = DossierMessage.objects.get(dossier=dossier)
    assert (request.kind, request.author, request.body) == (
        DossierMessage.Kind.REQUEST_ADDITIONS,
        staff,
        "Précisez le calendrier.",
    )
    email = OutgoingEmail.objects.get(topic="request_additions")
    assert "Précisez le calendrier." in email.body

    # Emptied while incomplete: completing re-checks everything submission checks.
    dossier = workflow.update_dossier(agent, dossier, {"timeline": ""}, version=dossier.version)
    with pytest.raises(WorkflowError, match="calendrier"):
        workflow.complete(agent, dossier, reply="C’est fait.")
    assert snapshot(dossier)["state"] == S.INCOMPLETE

    dossier = workflow.update_dossier(
        agent, dossier, {"timeline": "Livraison en juin."}, version=dossier.version
    )
    workflow.complete(agent, dossier, reply="Le calendrier est précisé.")
    assert snapshot(dossier)["state"] == S.SUBMITTED
    reply = DossierMessage.objects.get(dossier=dossier, kind=DossierMessage.Kind.REPLY)
    assert (reply.author, reply.body) == (agent, "Le calendrier est précisé.")


def test_complete_by_an_outsider_is_refused_before_validation(call, administration, outsider):
    dossier = make_dossier(call, administration, S.INCOMPLETE, summary="")
    with pytest.raises(WorkflowError, match="droit"):
        workflow.complete(outsider, dossier)


def test_incomplete_dossier_can_be_edited_after_closing(administration, agent, closed_call):
    dossier = make_dossier(closed_call, administration, S.INCOMPLETE)
    workflow.update_dossier(agent, dossier, {"timeline": "Revu."}, version=dossier.version)
    workflow.complete(agent, dossier)
    assert snapshot(dossier)["state"] == S.SUBMITTED


def test_messages_and_notes_are_staff_only(call, administration, agent, staff):
    dossier = make_dossier(call, administration, S.SUBMITTED)
    with pytest.raises(WorkflowError):
        correspondence.send_message(agent, dossier, body="Bonjour")
    with pytest.raises(WorkflowError):
        correspondence.add_note(agent, dossier, body="Note")
    with pytest.raises(WorkflowError):
        correspondence.send_message(staff, dossier, body="  ")
    message = correspondence.send_message(staff, dossier, body="Audition prévue en mars.")
    note = correspondence.add_note(staff, dossier, body="Projet solide.")
    assert message.kind == DossierMessage.Kind.INFORMATION
    assert note.author == staff
    assert OutgoingEmail.objects.get(topic="message").to == sorted(
        {agent.email, dossier.contact_email}
    )
    assert entries(dossier, "message").get().reason == "Audition prévue en mars."


# Preselection ------------------------------------------------------------------------------------


def test_record_change_and_clear_a_decision(call, administration, staff):
    dossier = make_dossier(call, administration, S.SUBMITTED)
    preselection_workflow.record_preselection(
        staff, dossier, decision=PRESELECTED, reason="Très utile."
    )
    preselection_workflow.record_preselection(
        staff, dossier, decision=NOT_PRESELECTED, reason="Budget disproportionné."
    )
    stored = snapshot(dossier)
    assert stored["state"] == S.SUBMITTED  # recorded, not published
    assert (stored["pending_decision"], stored["decision_reason"]) == (
        NOT_PRESELECTED,
        "Budget disproportionné.",
    )
    recorded = list(entries(dossier, "record_decision").order_by("pk"))
    assert [e.data for e in recorded] == [
        {"old": "", "new": PRESELECTED},
        {"old": PRESELECTED, "new": NOT_PRESELECTED},
    ]
    preselection_workflow.clear_preselection(staff, dossier)
    stored = snapshot(dossier)
    assert (stored["pending_decision"], stored["decision_reason"]) == ("", "")
    assert entries(dossier, "clear_decision").get().data == {"old": NOT_PRESELECTED}


def test_record_decision_is_refused_to_applicants_and_on_wrong_states(
    call, administration, agent, staff
):
    submitted = make_dossier(call, administration, S.SUBMITTED)
    draft = make_dossier(call, administration, S.DRAFT)
    incomplete = make_dossier(call, administration, S.INCOMPLETE)
    with pytest.raises(WorkflowError):
        preselection_workflow.record_preselection(agent, submitted, decision=PRESELECTED)
    with pytest.raises(WorkflowError):
        preselection_workflow.record_preselection(staff, submitted, decision="laureate")
    with pytest.raises(WorkflowError, match=draft.reference):
        preselection_workflow.record_preselection(staff, draft, decision=NOT_PRESELECTED)
    with pytest.raises(WorkflowError):
        preselection_workflow.record_preselection(staff, incomplete, decision=PRESELECTED)
    # An incomplete dossier can still be turned down.
    preselection_workflow.record_preselection(staff, incomplete, decision=NOT_PRESELECTED)
    assert Dossier.objects.exclude(pending_decision="").get() == incomplete


def test_bulk_recording_is_all_or_nothing(call, administration, staff):
    first = make_dossier(call, administration, S.SUBMITTED)
    second = make_dossier(call, administration, S.SUBMITTED)
    draft = make_dossier(call, administration, S.DRAFT)
    with pytest.raises(WorkflowError):
        preselection_workflow.record_preselection_bulk(
            staff, [first, second, draft], decision=PRESELECTED, reason="Lot"
        )
    assert not Dossier.objects.exclude(pending_decision="").exists()
    assert not AuditEntry.objects.filter(action="record_decision").exists()

    count = preselection_workflow.record_preselection_bulk(
        staff, [second.pk, first], decision=PRESELECTED, reason="Lot"
    )
    assert count == 2
    assert set(Dossier.objects.filter(pending_decision=PRESELECTED)) == {first, second}


@pytest.fixture
def preselection(closed_call, administration, agent, staff):
    """A closed call with two submitted dossiers, one incomplete, one draft, one withdrawn."""
    inactive = agent_of(administration, is_active=False)
    other_admin_agent = agent_of(AdministrationFactory())
    good = make_dossier(closed_call, administration, S.SUBMITTED, contact_email="chef@ex.fr")
    weak = make_dossier(closed_call, administration, S.SUBMITTED, contact_email="")
    pending = make_dossier(closed_call, administration, S.INCOMPLETE)
    draft = make_dossier(closed_call, administration, S.DRAFT)
    withdrawn = make_dossier(closed_call, administration, S.WITHDRAWN)
    return {
        "call": closed_call,
        "good": good,
        "weak": weak,
        "pending": pending,
        "draft": draft,
        "withdrawn": withdrawn,
        "inactive": inactive,
        "other": other_admin_agent,
    }


def test_publish_refuses_while_a_submitted_dossier_is_undecided(preselection, staff):
    preselection_workflow.record_preselection(staff, preselection["good"], decision=PRESELECTED)
    with pytest.raises(WorkflowError) as refused:
        preselection_workflow.publish_preselection(staff, preselection["call"])
    assert preselection["weak"].reference in refused.value.message
    assert preselection["good"].reference not in refused.value.message
    assert snapshot(preselection["good"])["state"] == S.SUBMITTED
    assert not PreselectionPublication.objects.exists()


def test_publish_refuses_while_the_call_is_open(call, administration, staff):
    dossier = make_dossier(call, administration, S.SUBMITTED)
    preselection_workflow.record_preselection(staff, dossier, decision=PRESELECTED)
    with pytest.raises(WorkflowError, match="encore ouvert"):
        preselection_workflow.publish_preselection(staff, call)
    assert snapshot(dossier)["state"] == S.SUBMITTED


def test_publish_is_staff_only(preselection, agent):
    with pytest.raises(WorkflowError):
        preselection_workflow.publish_preselection(agent, preselection["call"])


def test_publish_applies_every_decision_at_once_and_notifies(
    preselection, agent, staff, django_capture_on_commit_callbacks, mailoutbox
):
    good, weak = preselection["good"], preselection["weak"]
    preselection_workflow.record_preselection(
        staff, good, decision=PRESELECTED, reason="Projet exemplaire."
    )
    preselection_workflow.record_preselection(
        staff, weak, decision=NOT_PRESELECTED, reason="Trop flou."
    )

    with django_capture_on_commit_callbacks(execute=True):
        publication = preselection_workflow.publish_preselection(staff, preselection["call"])

    assert (publication.preselected_count, publication.not_preselected_count) == (1, 1)
    assert publication.published_by == staff
    good_row, weak_row = snapshot(good), snapshot(weak)
    assert (good_row["state"], good_row["pending_decision"]) == (S.PRESELECTED, "")
    assert (weak_row["state"], weak_row["pending_decision"]) == (S.NOT_PRESELECTED, "")
    assert weak_row["decision_reason"] == "Trop flou."  # shown to the applicant from now on
    entry = entries(weak, "not_preselect").get()
    assert (entry.actor, entry.from_state, entry.reason) == (staff, S.SUBMITTED, "Trop flou.")
    # Untouched: the incomplete dossier without decision, the draft, the withdrawn one.
    for key, state in (("pending", S.INCOMPLETE), ("draft", S.DRAFT), ("withdrawn", S.WITHDRAWN)):
        assert snapshot(preselection[key])["state"] == state

    emails = OutgoingEmail.objects.filter(topic="preselection").order_by("pk")
    assert emails.count() == 2
    by_subject = {e.subject: e for e in emails}
    good_email = next(e for s, e in by_subject.items() if good.reference in s)
    weak_email = next(e for s, e in by_subject.items() if weak.reference in s)
    # Active members of the administration and the dossier's contact; nobody else.
    assert good_email.to == sorted({agent.email, "chef@ex.fr"})
    assert weak_email.to == [agent.email]
    assert preselection["inactive"].email not in good_email.to
    assert "est présélectionné" in good_email.body
    assert "audition" in good_email.body
    assert "Projet exemplaire." in good_email.body
    assert "n’a pas été présélectionné" in weak_email.body
    assert "Motif : Trop flou." in weak_email.body
    assert {e.status for e in emails} == {OutgoingEmail.Status.SENT}
    assert len(mailoutbox) == 2

    with pytest.raises(WorkflowError, match="Aucune décision"):
        preselection_workflow.publish_preselection(staff, preselection["call"])
    assert PreselectionPublication.objects.count() == 1
    assert OutgoingEmail.objects.filter(topic="preselection").count() == 2


def test_a_later_publication_covers_decisions_recorded_afterwards(preselection, agent, staff):
    call = preselection["call"]
    preselection_workflow.record_preselection(staff, preselection["good"], decision=PRESELECTED)
    preselection_workflow.record_preselection(staff, preselection["weak"], decision=NOT_PRESELECTED)
    preselection_workflow.publish_preselection(staff, call)
    pending = preselection["pending"]
    workflow.update_dossier(agent, pending, {"timeline": "Revu."}, version=pending.version)
    workflow.complete(agent, pending)
    preselection_workflow.record_preselection(staff, pending, decision=PRESELECTED)
    second = preselection_workflow.publish_preselection(staff, call)
    assert (second.preselected_count, second.not_preselected_count) == (1, 0)
    assert snapshot(pending)["state"] == S.PRESELECTED


# Withdrawal --------------------------------------------------------------------------------------


@pytest.mark.parametrize("state", [S.DRAFT, S.SUBMITTED, S.INCOMPLETE])
def test_withdraw_clears_a_pending_decision(call, administration, agent, staff, state):
    dossier = make_dossier(call, administration, state)
    if state != S.DRAFT:
        Dossier.objects.filter(pk=dossier.pk).update(
            pending_decision=NOT_PRESELECTED, decision_reason="Hors sujet."
        )
    workflow.withdraw(agent, dossier, reason="Projet repris ailleurs.")
    stored = snapshot(dossier)
    assert (stored["state"], stored["pending_decision"], stored["decision_reason"]) == (
        S.WITHDRAWN,
        "",
        "",
    )


def test_withdraw_is_refused_after_a_published_decision(preselection, agent, staff):
    good = preselection["good"]
    preselection_workflow.record_preselection(staff, good, decision=PRESELECTED)
    preselection_workflow.record_preselection(staff, preselection["weak"], decision=NOT_PRESELECTED)
    preselection_workflow.publish_preselection(staff, preselection["call"])
    for dossier in (good, preselection["weak"]):
        before = snapshot(dossier)
        with pytest.raises(WorkflowError, match="retirer"):
            workflow.withdraw(agent, dossier)
        assert snapshot(dossier) == before


def test_withdraw_by_staff_is_refused(call, administration, staff):
    dossier = make_dossier(call, administration, S.SUBMITTED)
    with pytest.raises(WorkflowError, match="droit"):
        workflow.withdraw(staff, dossier)


# Attachments ----------------------------------------------------------------------------------


def test_attachments_follow_the_edit_rules(
    call, administration, agent, outsider, settings, tmp_path
):
    from django.core.files.base import ContentFile

    settings.MEDIA_ROOT = tmp_path
    dossier = make_dossier(call, administration)
    attachment = workflow.add_attachment(
        agent,
        dossier,
        file=ContentFile(b"%PDF-1.4 test"),
        original_name="devis.pdf",
        content_type="application/pdf",
        size=13,
        sha256="0" * 64,
    )
    assert attachment.file.name.startswith(f"dossiers/{call.pk}/{dossier.pk}/")
    assert "devis" not in attachment.file.name
    assert entries(dossier, "attach").get().data["name"] == "devis.pdf"
    with pytest.raises(WorkflowError):
        workflow.remove_attachment(outsider, attachment)
    workflow.remove_attachment(agent, attachment)
    assert not dossier.attachments.exists()
    assert entries(dossier, "detach").exists()


# Members and users ------------------------------------------------------------------------------


def test_an_agent_of_several_administrations_acts_for_each(call):
    first, second = AdministrationFactory(), AdministrationFactory()
    user = UserFactory()
    MembershipFactory(user=user, administration=first)
    MembershipFactory(user=user, administration=second)
    a, _ = workflow.create_dossier(user, call, first, title="A")
    b, _ = workflow.create_dossier(user, call, second, title="B")
    assert {a.administration, b.administration} == {first, second}


@pytest.mark.parametrize("state", [S.DRAFT, S.SUBMITTED, S.WITHDRAWN])
def test_submit_by_others_reveals_nothing_of_the_state(call, administration, outsider, state):
    dossier = make_dossier(call, administration, state)
    for user in (outsider, StaffFactory()):
        with pytest.raises(WorkflowError) as refused:
            workflow.submit(user, dossier)
        assert refused.value.message == "Vous n’avez pas le droit de déposer ce dossier."
