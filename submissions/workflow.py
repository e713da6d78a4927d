"""Every state change of a dossier, each as one transactional function.

Each function locks the dossier row, checks the transition table (source state, role,
guards), changes the state, writes an audit entry and queues the notifications, which are
sent after commit. Views and tests call these functions; nothing else sets ``state``.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from calls.models import Call
from relance import audit, notifications
from relance.accounts import require_confirmed_email
from relance.audit import AuditAction
from relance.formatting import format_paris_datetime
from relance.permissions import require
from relance.workflow import StaleEditError, WorkflowError, audit_value, lock
from submissions import instruction
from submissions.files import store_attachment
from submissions.models import (
    DOSSIER_CONTENT_FIELDS,
    Administration,
    Attachment,
    BudgetLine,
    Dossier,
    DossierMessage,
    DossierState,
)
from submissions.notify import applicant_recipients, email_context
from submissions.permissions import roles_of

S = DossierState
APPLICANT = "applicant"
STAFF = "staff"


class DeadlineError(WorkflowError):
    """The call is closed: the dossier is kept as it was."""


@dataclass(frozen=True)
class Transition:
    name: str
    sources: frozenset
    target: str
    roles: frozenset
    label: object


def _t(name, sources, target, roles, label):
    return Transition(name, frozenset(sources), target, frozenset(roles), label)


# The one table of transitions: which states each leaves from, where it goes, who fires it.
TRANSITIONS = {
    t.name: t
    for t in [
        _t("submit", [S.DRAFT], S.SUBMITTED, [APPLICANT], gettext_lazy("déposer")),
        _t(
            "request_additions",
            [S.SUBMITTED],
            S.INCOMPLETE,
            [STAFF],
            gettext_lazy("demander des compléments pour"),
        ),
        _t("complete", [S.INCOMPLETE], S.SUBMITTED, [APPLICANT], gettext_lazy("compléter")),
        _t("preselect", [S.SUBMITTED], S.PRESELECTED, [STAFF], gettext_lazy("présélectionner")),
        _t(
            "not_preselect",
            [S.SUBMITTED, S.INCOMPLETE],
            S.NOT_PRESELECTED,
            [STAFF],
            gettext_lazy("écarter"),
        ),
        _t("select", [S.PRESELECTED], S.LAUREATE, [STAFF], gettext_lazy("retenir")),
        _t("not_select", [S.PRESELECTED], S.NOT_SELECTED, [STAFF], gettext_lazy("ne pas retenir")),
        # A continuous window's committee decides dossiers as they come (no preselection).
        _t(
            "committee_accept",
            [S.SUBMITTED],
            S.LAUREATE,
            [STAFF],
            gettext_lazy("accorder le cofinancement à"),
        ),
        _t(
            "committee_refuse",
            [S.SUBMITTED],
            S.NOT_SELECTED,
            [STAFF],
            gettext_lazy("refuser"),
        ),
        # Amendments of published results.
        _t(
            "amend_add_laureate",
            # Heard and not selected, not preselected, or registered by staff (« déposé »).
            [S.NOT_SELECTED, S.NOT_PRESELECTED, S.SUBMITTED],
            S.LAUREATE,
            [STAFF],
            gettext_lazy("ajouter aux lauréats"),
        ),
        _t(
            "amend_remove_laureate",
            [S.LAUREATE],
            S.NOT_SELECTED,
            [STAFF],
            gettext_lazy("retirer des lauréats"),
        ),
        _t(
            "withdraw",
            [S.DRAFT, S.SUBMITTED, S.INCOMPLETE],
            S.WITHDRAWN,
            [APPLICANT],
            gettext_lazy("retirer"),
        ),
    ]
}


def allowed_transitions(user, dossier) -> list[Transition]:
    """Transitions ``user`` could fire on ``dossier`` now (guards aside), for the screens."""
    roles = roles_of(user, dossier)
    return [t for t in TRANSITIONS.values() if dossier.state in t.sources and t.roles & roles]


def lock_dossier(dossier) -> Dossier:
    # The category too: the submission's checks read it.
    return lock(Dossier, dossier, related=("call", "administration", "category"))


def fire_locked(
    user,
    dossier: Dossier,
    name: str,
    *,
    reason="",
    data=None,
    decision_reason=None,
    now=None,
    roles=None,
    also_save=(),
) -> Dossier:
    """Check and apply transition ``name`` on a dossier already locked by the caller.

    ``decision_reason``, when given, replaces the reason the applicant reads with the outcome;
    ``now``, the time the caller's checks used, stamps the row and the audit entry;
    ``roles``, the user's roles the caller already read under the lock; ``also_save``, other
    fields the caller set, written in the same UPDATE.
    """
    transition = TRANSITIONS[name]
    if dossier.state not in transition.sources:
        raise WorkflowError(
            _("Impossible de %(action)s un dossier « %(state)s ».")
            % {"action": transition.label, "state": dossier.get_state_display()}
        )
    if roles is None and user is not None:
        roles = roles_of(user, dossier)
    if user is not None and not (transition.roles & roles):
        raise WorkflowError(
            _("Vous n’avez pas le droit de %(action)s ce dossier.") % {"action": transition.label}
        )
    old = dossier.state
    dossier.state = transition.target
    dossier.version += 1
    fields = ["state", "version", "updated_at", *also_save]
    if decision_reason is not None:
        dossier.decision_reason = decision_reason
        fields.append("decision_reason")
    now = now or timezone.now()
    dossier.save(update_fields=fields, now=now)
    audit.record(
        user,
        name,
        dossier,
        from_state=old,
        to_state=dossier.state,
        reason=reason,
        data=data,
        at=now,
    )
    return dossier


def fire(user, dossier, name, *, reason="", data=None, decision_reason=None) -> Dossier:
    """Fire a transition in its own transaction (used by the jury's results publication)."""
    with transaction.atomic():
        return fire_locked(
            user,
            lock_dossier(dossier),
            name,
            reason=reason,
            data=data,
            decision_reason=decision_reason,
        )


# Creation and editing ---------------------------------------------------------------


def create_dossier(user, call: Call, administration: Administration, *, title, token=None):
    """Start a draft in an open call for one of the user's administrations.

    ``token`` comes from the creation form: the same token twice (double click, two tabs
    posting the same form) returns the dossier created the first time.
    """
    if token is not None:
        existing = Dossier.objects.filter(creation_token=token).first()
        if existing is not None:
            if existing.created_by_id != user.pk:
                raise WorkflowError(_("Ce formulaire a déjà été utilisé."))
            return existing, False
    require(
        user,
        "submissions.file_for_administration",
        administration,
        message=_("Vous n’êtes pas rattaché·e à cette administration."),
    )
    require_confirmed_email(user)
    if not call.accepts_kind(administration.kind):
        message = _("Les structures de type « %(kind)s » ne sont pas éligibles à cet appel.") % {
            "kind": administration.get_kind_display()
        }
        if call.ineligible_note:
            message = f"{message} {call.ineligible_note}"
        raise WorkflowError(message)
    title = (title or "").strip()
    if not title:
        raise WorkflowError(_("Donnez un titre au projet."))
    try:
        with transaction.atomic():
            # Lock the call row so that two creations never take the same number.
            locked_call = lock(Call, call)
            if not locked_call.is_open_at(timezone.now()):
                raise DeadlineError(
                    _("Cet appel n’est pas ouvert : impossible d’y créer un dossier.")
                )
            check_cap(
                locked_call, administration, counted=Dossier.objects.exclude(state=S.WITHDRAWN)
            )
            last = Dossier.objects.filter(call=locked_call).aggregate(n=Max("number"))["n"] or 0
            dossier = Dossier.objects.create(
                call=locked_call,
                administration=administration,
                number=last + 1,
                reference=Dossier.reference_for(locked_call, last + 1),
                title=title[:200],
                created_by=user,
                creation_token=token,
                contact_name=user.get_full_name(),
                contact_email=user.email,
            )
            audit.record(user, AuditAction.CREATE, dossier, to_state=dossier.state)
    except IntegrityError:
        # A concurrent request with the same token won the race: return its dossier.
        if token is not None:
            existing = Dossier.objects.filter(creation_token=token).first()
            if existing is not None:
                if existing.created_by_id != user.pk:
                    raise WorkflowError(_("Ce formulaire a déjà été utilisé.")) from None
                return existing, False
        raise
    return dossier, True


def check_cap(call, administration, *, counted, exclude=None) -> None:
    """Refuse when ``administration`` already has the call's maximum of ``counted`` dossiers.

    Call it with the call row locked, so that two requests never both take the last place.
    """
    cap = call.max_dossiers_per_administration
    if cap is None:
        return
    others = counted.filter(call=call, administration=administration)
    if exclude is not None:
        others = others.exclude(pk=exclude.pk)
    if others.count() >= cap:
        raise WorkflowError(
            ngettext(
                "Cet appel accepte au plus %(cap)s dossier par administration, et "
                "« %(administration)s » l’a déjà atteint. Retirez un dossier pour en "
                "déposer un autre.",
                "Cet appel accepte au plus %(cap)s dossiers par administration, et "
                "« %(administration)s » les a déjà atteints. Retirez un dossier pour en "
                "déposer un autre.",
                cap,
            )
            % {"cap": cap, "administration": administration.name}
        )


# What ``update_dossier`` accepts: the dossier's content, nothing the workflow sets.
EDITABLE_FIELDS = frozenset(DOSSIER_CONTENT_FIELDS)


def _check_applicant_can_edit(user, dossier, now):
    if APPLICANT not in roles_of(user, dossier):
        raise WorkflowError(_("Vous ne pouvez pas modifier ce dossier."))
    if dossier.state in (S.DRAFT, S.INCOMPLETE):
        return
    if dossier.state == S.SUBMITTED:
        if dossier.proposal:
            # A window's dossier goes to its committee as the instructor read it.
            raise WorkflowError(
                _(
                    "L’instruction de ce dossier est terminée : il ne peut plus être modifié. "
                    "Écrivez à l’équipe du programme si une information a changé."
                )
            )
        if dossier.call.is_open_at(now):
            return
        raise DeadlineError(_("L’appel est clos : un dossier déposé ne peut plus être modifié."))
    raise WorkflowError(
        _("Un dossier « %(state)s » ne peut plus être modifié.")
        % {"state": dossier.get_state_display()}
    )


def _lock_for_applicant_edit(user, dossier, version, stale_message):
    """Lock the dossier for an applicant's edit made on the form opened at ``version``.

    Returns the locked row and the time of the edit, taken after the lock (one time for the
    deadline check, the row and the audit entry). Raises :class:`StaleEditError` with
    ``stale_message`` when someone saved in between. Call it inside a transaction.
    """
    locked = lock_dossier(dossier)
    now = timezone.now()
    _check_applicant_can_edit(user, locked, now)
    if locked.version != version:
        raise StaleEditError(stale_message)
    return locked, now


def update_dossier(user, dossier, changes: dict, *, version: int) -> Dossier:
    """Save the applicant's edits of one section.

    ``version`` is the dossier version the form was opened on: if someone saved in between,
    nothing is overwritten and :class:`StaleEditError` tells the user to reload. Edits of a
    submitted dossier (before the deadline) are amendments and are audited field by field.
    """
    unknown = set(changes) - EDITABLE_FIELDS
    if unknown:
        raise ValueError(f"Not editable: {sorted(unknown)}")
    with transaction.atomic():
        locked, now = _lock_for_applicant_edit(
            user,
            dossier,
            version,
            _(
                "Ce dossier a été modifié entre-temps (par vous dans un autre onglet ou "
                "par un autre agent). Vos saisies sont affichées ci-dessous : rechargez la "
                "page pour voir la dernière version, puis reportez-les."
            ),
        )
        changed = {}
        for name, value in changes.items():
            old = getattr(locked, name)
            if old != value:
                changed[name] = {"old": audit_value(old), "new": audit_value(value)}
                setattr(locked, name, value)
        if not changed:
            return locked
        if "category" in changes and locked.category and locked.category.call_id != locked.call_id:
            raise ValidationError({"category": _("Cette catégorie n’appartient pas à l’appel.")})
        locked.full_clean(exclude=["call", "administration", "created_by"])
        if locked.state == S.SUBMITTED:
            # An amendment must leave the dossier as submittable as it was (ceiling,
            # required fields…), otherwise it would bypass the checks made at submission.
            errors = locked.validation_errors()
            if errors:
                raise WorkflowError(" ".join(str(e) for e in errors))
        locked.version += 1
        locked.save(now=now)
        action = "amend" if locked.state == S.SUBMITTED else "edit"
        audit.record(user, action, locked, data={"fields": changed}, at=now)
        return locked


BUDGET_LINE_FIELDS = ("label", "nature", "amount")


def replace_budget_lines(user, dossier, lines: list[dict], *, version: int) -> Dossier:
    """Replace the budget lines (label, nature, amount) in one step.

    Other keys of each dict (e.g. a formset's ``id``/``DELETE``) are ignored; an invalid
    line raises ``ValidationError`` and nothing is replaced.
    """
    lines = [{name: line.get(name) for name in BUDGET_LINE_FIELDS} for line in lines]
    with transaction.atomic():
        locked, now = _lock_for_applicant_edit(
            user,
            dossier,
            version,
            _("Ce dossier a été modifié entre-temps : rechargez la page avant d’enregistrer."),
        )
        new_lines = [BudgetLine(dossier=locked, order=i, **line) for i, line in enumerate(lines)]
        for line in new_lines:
            line.full_clean(exclude=["dossier"])
        old = list(locked.budget_lines.values("label", "nature", "amount"))
        locked.budget_lines.all().delete()
        BudgetLine.objects.bulk_create(new_lines)
        locked.version += 1
        locked.save(update_fields=["version", "updated_at"], now=now)
        audit.record(
            user,
            AuditAction.AMEND if locked.state == S.SUBMITTED else AuditAction.EDIT,
            locked,
            data={
                "budget_lines": {
                    "old": [{**r, "amount": str(r["amount"])} for r in old],
                    "new": [{**r, "amount": str(r["amount"])} for r in lines],
                }
            },
            at=now,
        )
        return locked


def add_attachment(
    user, dossier, *, file, original_name, content_type, size, sha256, description=""
):
    """Attach an already checked file (see ``submissions.files``) to the dossier."""
    with transaction.atomic():
        locked = lock_dossier(dossier)
        now = timezone.now()
        _check_applicant_can_edit(user, locked, now)
        attachment = store_attachment(
            user,
            locked,
            file=file,
            original_name=original_name,
            content_type=content_type,
            size=size,
            sha256=sha256,
            description=description,
            now=now,
        )
        audit.record(
            user,
            AuditAction.ATTACH,
            locked,
            data={"attachment": attachment.pk, "name": attachment.original_name, "size": size},
            at=now,
        )
        return attachment


def remove_attachment(user, attachment: Attachment) -> None:
    with transaction.atomic():
        locked = lock_dossier(attachment.dossier_id)
        now = timezone.now()
        _check_applicant_can_edit(user, locked, now)
        name = attachment.original_name
        stored = attachment.file.name
        Attachment.objects.filter(pk=attachment.pk, dossier=locked).delete()
        audit.record(
            user,
            AuditAction.DETACH,
            locked,
            data={"attachment": attachment.pk, "name": name},
            at=now,
        )
        storage = attachment.file.storage
        transaction.on_commit(lambda: storage.delete(stored))


# Applicant transitions ----------------------------------------------------------------


def submit(user, dossier) -> Dossier:
    """Submit a draft. After the deadline the draft is kept intact and the refusal says why."""
    with transaction.atomic():
        locked = lock_dossier(dossier)
        # The role first, so that nobody else learns anything about the dossier's state.
        roles = roles_of(user, locked)
        if APPLICANT not in roles:
            raise WorkflowError(_("Vous n’avez pas le droit de déposer ce dossier."))
        if locked.state == S.SUBMITTED:
            # A second click or a second tab: the dossier is already submitted.
            raise WorkflowError(_("Ce dossier a déjà été déposé."))
        require_confirmed_email(user)
        if locked.state not in TRANSITIONS["submit"].sources:
            fire_locked(user, locked, "submit")  # raises the refusal with the state's name
        now = timezone.now()
        call = locked.call
        if not call.is_open_at(now):
            if call.closes_at and now >= call.closes_at:
                raise DeadlineError(
                    _(
                        "L’appel est clos depuis le %(date)s (heure de Paris) : le dépôt est "
                        "refusé. Votre brouillon est conservé tel quel."
                    )
                    % {"date": format_paris_datetime(call.closes_at)}
                )
            raise DeadlineError(_("L’appel n’est pas encore ouvert : le dépôt est refusé."))
        errors = locked.validation_errors()
        if errors:
            raise WorkflowError(" ".join(str(e) for e in errors))
        if call.max_dossiers_per_administration is not None:
            # Drafts count at creation; here, the dossiers already submitted (the cap may
            # have been lowered since this draft was started).
            check_cap(
                lock(Call, call),
                locked.administration,
                counted=Dossier.objects.exclude(state__in=[S.DRAFT, S.WITHDRAWN]),
                exclude=locked,
            )
        # Only drafts are submitted, and a draft has no submission time yet; one set by
        # other means is kept, never overwritten.
        first = locked.submitted_at is None
        if first:
            locked.submitted_at = now
        fire_locked(
            user,
            locked,
            "submit",
            now=now,
            roles=roles,
            also_save=("submitted_at",) if first else (),
        )
        instruction.start_instruction(locked, now)
        notifications.queue(
            "submissions/emails/acknowledgement",
            [user.email, *applicant_recipients(locked)],
            email_context(locked, submitted_at=locked.submitted_at),
            topic="acknowledgement",
        )
        return locked


def complete(user, dossier, *, reply="") -> Dossier:
    """The applicant sends back a dossier staff asked to complete."""
    with transaction.atomic():
        locked = lock_dossier(dossier)
        if locked.state == S.INCOMPLETE and APPLICANT in roles_of(user, locked):
            require_confirmed_email(user)
            # Completion is not bound to the deadline (staff asked for it), but the dossier
            # must be as complete and valid as at submission.
            errors = locked.validation_errors()
            if errors:
                raise WorkflowError(" ".join(str(e) for e in errors))
        fire_locked(user, locked, "complete", reason=reply)
        if reply.strip():
            DossierMessage.objects.create(
                dossier=locked, kind=DossierMessage.Kind.REPLY, author=user, body=reply.strip()
            )
        return locked


def withdraw(user, dossier, *, reason="") -> Dossier:
    with transaction.atomic():
        locked = lock_dossier(dossier)
        fire_locked(user, locked, "withdraw", reason=reason)
        instruction.clear_proposal_locked(locked)
        if locked.pending_decision:
            locked.pending_decision = ""
            locked.decision_reason = ""
            locked.save(update_fields=["pending_decision", "decision_reason"])
        return locked


# Staff actions --------------------------------------------------------------------------


def request_additions(user, dossier, *, message) -> Dossier:
    message = (message or "").strip()
    if not message:
        raise WorkflowError(_("Écrivez le message qui explique ce qu’il faut compléter."))
    with transaction.atomic():
        locked = lock_dossier(dossier)
        fire_locked(user, locked, "request_additions", reason=message)
        # The instructor proposes again once the additions are in.
        instruction.clear_proposal_locked(locked)
        if locked.pending_decision:
            locked.pending_decision = ""
            locked.decision_reason = ""
            locked.save(update_fields=["pending_decision", "decision_reason"])
        DossierMessage.objects.create(
            dossier=locked, kind=DossierMessage.Kind.REQUEST_ADDITIONS, author=user, body=message
        )
        notifications.queue(
            "submissions/emails/request_additions",
            applicant_recipients(locked),
            email_context(locked, message=message),
            topic="request_additions",
        )
        return locked
