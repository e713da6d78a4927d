"""The jury's deliberation, the publication of results and their amendments.

Every action is one transactional function taking the acting user (staff only): it checks
its guard, changes what it must, writes an audit entry and queues the emails, which are sent
after commit. Refusals raise ``WorkflowError`` with a message for the user.

Lock order, everywhere: the call, then the dossiers, then the awards and the deliberation,
so that recording a decision and publishing the results never deadlock and a decision can
never slip in while the results are being published.

Decisions (``Award``) are recorded, changed or cleared freely until the deliberation is
closed; publishing the results applies them to the dossiers' states in one step. Once
published, results change only through amendments, each keeping before/after, why, who
and when (``ResultAmendment``); the public pages then show the date of the last update.

A closed deliberation can be reopened (with a reason) as long as the results are not
published; after publication only amendments change the results.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django_tasks import task

from calls.models import Call
from calls.permissions import require_programme_staff
from jury.committee.envelope import check_envelope
from jury.models import Award, Deliberation, Jury
from jury.review.rules import phase_of
from jury.review_models import JuryOpinion, ReviewPhase
from relance import audit, notifications
from relance.audit import AuditAction
from relance.formatting import format_euros
from relance.workflow import WorkflowError, lock, snapshot
from submissions import workflow as dossier_workflow
from submissions.models import Dossier, DossierState
from submissions.notify import applicant_recipients, email_context

S = DossierState
SLUG_MAX = Award._meta.get_field("slug").max_length
CENT = Decimal("0.01")
PERIOD_RE = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:/(\d{4}-\d{2}-\d{2}))?$")
GRANT_FIELDS = (
    "convention_date",
    "decision_reference",
    "aid_nature",
    "payment_terms",
    "payment_period",
    "eu_notification",
)


# Helpers ----------------------------------------------------------------------------------


def lock_award(dossier) -> Award | None:
    return Award.objects.select_for_update().filter(dossier_id=dossier.pk).first()


def jury_of(call) -> Jury:
    jury = Jury.objects.filter(call_id=call.pk).first()
    if jury is None:
        raise WorkflowError(_("Cet appel n’a pas de jury."))
    return jury


def lock_deliberation(jury) -> Deliberation:
    get_or_create_deliberation(jury)
    return Deliberation.objects.select_for_update().get(jury=jury)


def lock_call_and_dossier(dossier) -> tuple[Call, Dossier]:
    """Lock the call of ``dossier`` (an instance or a pk), then the dossier: the lock order."""
    pk = dossier.pk if isinstance(dossier, Dossier) else dossier
    call = lock(Call, Dossier.objects.values_list("call_id", flat=True).get(pk=pk))
    return call, dossier_workflow.lock_dossier(pk)


def set_award(award, dossier, user, *, decision, granted_amount, reason) -> Award:
    """``award`` (a new one for ``dossier`` if None) given this decision by ``user``; unsaved."""
    if award is None:
        award = Award(dossier=dossier)
    award.dossier = dossier
    award.decision = decision
    award.granted_amount = granted_amount
    award.reason = reason
    award.recorded_by = user
    return award


def clean_amount(value, dossier) -> Decimal:
    """A granted amount: positive euros to the cent, at most what the dossier asked for."""
    if value is None or value == "":
        raise WorkflowError(_("Indiquez le cofinancement accordé."))
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise WorkflowError(_("Le cofinancement accordé n’est pas un montant valide.")) from None
    if not amount.is_finite() or amount <= 0:
        raise WorkflowError(_("Le cofinancement accordé doit être supérieur à zéro."))
    if amount != amount.quantize(CENT):
        raise WorkflowError(_("Le cofinancement accordé s’exprime en euros, au centime près."))
    if dossier.requested_amount is not None and amount > dossier.requested_amount:
        raise WorkflowError(
            _(
                "%(ref)s : le cofinancement accordé (%(granted)s) dépasse le cofinancement "
                "demandé (%(requested)s)."
            )
            % {
                "ref": dossier.reference,
                "granted": format_euros(amount),
                "requested": format_euros(dossier.requested_amount),
            }
        )
    return amount.quantize(CENT)


def required_reason(reason, message) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise WorkflowError(message)
    return reason


def _slug_taken(slug, award) -> bool:
    return Award.objects.filter(slug=slug).exclude(pk=award.pk).exists()


def unique_slug(award) -> str:
    """The award's address slug: its title slugified, suffixed when taken, ≤ 120 characters.

    An all-digit slug would be taken for an id by the laureate page, so it gets a prefix.
    """
    base = slugify(award.dossier.title) or slugify(award.dossier.reference)
    if base.isdigit():
        base = f"projet-{base}"
    base = base[:SLUG_MAX].strip("-")
    candidate, n = base, 1
    while _slug_taken(candidate, award):
        n += 1
        suffix = f"-{n}"
        candidate = f"{base[: SLUG_MAX - len(suffix)].rstrip('-')}{suffix}"
    return candidate


def give_slug(award):
    # An award keeps the slug it once had, so that published links never break.
    if not award.slug:
        award.slug = unique_slug(award)


def require_published(call):
    if call.results_published_at is None:
        raise WorkflowError(
            _(
                "Les résultats de cet appel ne sont pas encore publiés : modifiez directement "
                "la décision du jury."
            )
        )


def evaluations_open(jury) -> bool:
    """Whether jurors may still edit their evaluations: until the deliberation is closed."""
    deliberation = Deliberation.objects.filter(jury=jury).only("closed_at").first()
    return deliberation is None or deliberation.closed_at is None


# The deliberation -------------------------------------------------------------------------


def get_or_create_deliberation(jury) -> Deliberation:
    deliberation, _created = Deliberation.objects.get_or_create(jury=jury)
    return deliberation


def update_minutes(user, deliberation, *, minutes, held_on, publish_amounts=None) -> Deliberation:
    """Save the minutes and the date of the deliberation (editable at any time).

    ``publish_amounts`` (optional) says whether granted amounts are public; changing it once
    the results are published changes the public data, hence the update date.
    """
    require_programme_staff(user, deliberation)
    with transaction.atomic():
        call = lock(Call, deliberation.jury.call_id)
        locked = lock_deliberation(deliberation.jury)
        before = snapshot(locked, ["minutes", "held_on", "publish_amounts"])
        locked.minutes = (minutes or "").strip()
        locked.held_on = held_on
        if publish_amounts is not None:
            locked.publish_amounts = bool(publish_amounts)
        after = snapshot(locked, ["minutes", "held_on", "publish_amounts"])
        if before == after:
            return locked
        fields = ["minutes", "held_on", "publish_amounts"]
        if call.results_published_at and before["publish_amounts"] != after["publish_amounts"]:
            locked.results_updated_at = timezone.now()
            fields.append("results_updated_at")
        locked.save(update_fields=fields)
        audit.record(
            user, AuditAction.UPDATE_MINUTES, locked, data={"before": before, "after": after}
        )
        return locked


def close_deliberation(user, deliberation) -> Deliberation:
    """Close the deliberation: decisions and evaluations can no longer change."""
    require_programme_staff(user, deliberation)
    with transaction.atomic():
        call = lock(Call, deliberation.jury.call_id)
        locked = lock_deliberation(deliberation.jury)
        if locked.closed_at is not None:
            raise WorkflowError(_("La délibération est déjà close."))
        missing = list(
            Dossier.objects.filter(call=call, state=S.PRESELECTED, award__isnull=True)
            .order_by("number")
            .values_list("reference", flat=True)
        )
        if missing:
            raise WorkflowError(
                _("%(count)s dossier(s) présélectionné(s) sans décision du jury : %(refs)s.")
                % {"count": len(missing), "refs": ", ".join(missing[:20])}
            )
        locked.closed_at = timezone.now()
        locked.closed_by = user
        locked.save(update_fields=["closed_at", "closed_by"])
        audit.record(user, AuditAction.CLOSE_DELIBERATION, locked)
        return locked


def reopen_deliberation(user, deliberation, *, reason) -> Deliberation:
    """Reopen a closed deliberation, only while its results are not published."""
    require_programme_staff(user, deliberation)
    reason = required_reason(reason, _("Indiquez pourquoi la délibération est rouverte."))
    with transaction.atomic():
        call = lock(Call, deliberation.jury.call_id)
        locked = lock_deliberation(deliberation.jury)
        if call.results_published_at is not None:
            raise WorkflowError(
                _(
                    "Les résultats sont publiés : la délibération ne peut plus être rouverte. "
                    "Utilisez les modifications des résultats."
                )
            )
        if locked.closed_at is None:
            raise WorkflowError(_("La délibération n’est pas close."))
        before = snapshot(locked, ["closed_at", "closed_by_id"])
        locked.closed_at = None
        locked.closed_by = None
        locked.save(update_fields=["closed_at", "closed_by"])
        audit.record(
            user, AuditAction.REOPEN_DELIBERATION, locked, reason=reason, data={"before": before}
        )
        return locked


# Decisions, before publication -------------------------------------------------------------

AWARD_FIELDS = ("decision", "granted_amount", "reason", "public_summary")


def _lock_decidable(dossier) -> Dossier:
    """Lock ``dossier`` (and its call) and check its jury may still decide on it."""
    call, locked = lock_call_and_dossier(dossier)
    _check_decidable(locked, call, jury_of(call))
    return locked


def _check_decidable(dossier, call, jury):
    if call.results_published_at is not None:
        raise WorkflowError(
            _(
                "Les résultats de cet appel sont publiés : passez par les modifications des "
                "résultats."
            )
        )
    deliberation = Deliberation.objects.filter(jury=jury).first()
    if deliberation is not None and deliberation.closed_at is not None:
        raise WorkflowError(_("La délibération est close : rouvrez-la pour modifier une décision."))
    if phase_of(jury.pk) not in (None, ReviewPhase.DELIBERATION):
        raise WorkflowError(
            _(
                "Le jury n’est pas en phase de délibération : passez à la phase « Délibération » "
                "avant d’enregistrer les décisions."
            )
        )
    if dossier.state != S.PRESELECTED:
        raise WorkflowError(
            _("%(ref)s : seul un dossier présélectionné reçoit une décision du jury.")
            % {"ref": dossier.reference}
        )


def record_award(
    user, dossier, *, decision, granted_amount=None, reason="", public_summary=""
) -> Award:
    """Record (not publish) the jury's decision on a preselected dossier of its call."""
    if decision not in Award.Decision.values:
        raise WorkflowError(_("Décision inconnue."))
    with transaction.atomic():
        # Locked first: ``dossier`` may be a pk, and the guard needs the dossier's call.
        locked = _lock_decidable(dossier)
        require_programme_staff(user, locked)
        reason = (reason or "").strip()
        if decision == Award.Decision.LAUREATE:
            amount = clean_amount(granted_amount, locked)
            # The call's row is locked (``_lock_decidable``): the committed sum stays put.
            check_envelope(locked.call, locked, amount)
        else:
            if granted_amount not in (None, ""):
                raise WorkflowError(_("Un dossier non retenu ne reçoit pas de cofinancement."))
            amount = None
            reason = required_reason(
                reason, _("Indiquez le motif de la décision de ne pas retenir.")
            )
        award = lock_award(locked)
        before = snapshot(award, AWARD_FIELDS) if award else {}
        award = set_award(
            award, locked, user, decision=decision, granted_amount=amount, reason=reason
        )
        award.public_summary = (public_summary or "").strip()
        award.save()
        audit.record(
            user,
            AuditAction.RECORD_AWARD,
            locked,
            reason=reason,
            data={"before": before, "after": snapshot(award, AWARD_FIELDS)},
        )
        return award


def clear_award(user, dossier) -> None:
    """Remove the recorded decision of a dossier (before publication)."""
    with transaction.atomic():
        locked = _lock_decidable(dossier)
        require_programme_staff(user, locked)
        award = lock_award(locked)
        if award is None:
            return
        before = snapshot(award, AWARD_FIELDS)
        award.delete()
        audit.record(user, AuditAction.CLEAR_AWARD, locked, data={"before": before})


def _check_period(value) -> str:
    value = (value or "").strip()
    if not value:
        return ""
    match = PERIOD_RE.match(value)
    message = _(
        "La période de versement s’écrit AAAA-MM-JJ ou AAAA-MM-JJ/AAAA-MM-JJ "
        "(par exemple 2021-04-01/2021-12-31)."
    )
    if not match:
        raise WorkflowError(message)
    try:
        days = [date.fromisoformat(part) for part in match.groups() if part]
    except ValueError:
        raise WorkflowError(message) from None
    if len(days) == 2 and days[1] < days[0]:
        raise WorkflowError(_("La fin de la période de versement précède son début."))
    return value


def update_award_grant_details(
    user,
    award,
    *,
    convention_date,
    decision_reference,
    aid_nature,
    payment_terms,
    payment_period,
    eu_notification,
) -> Award:
    """The grant's SCDL fields of a laureate, editable before and after publication.

    After publication they change the public open data, so the results' update date moves
    (public caches follow it); they are not an amendment of the results themselves.
    """
    require_programme_staff(user, award)
    if aid_nature not in Award.AidNature.values:
        raise WorkflowError(_("Nature de l’aide inconnue."))
    if payment_terms not in Award.PaymentTerms.values:
        raise WorkflowError(_("Conditions de versement inconnues."))
    payment_period = _check_period(payment_period)
    decision_reference = (decision_reference or "").strip()
    if len(decision_reference) > Award._meta.get_field("decision_reference").max_length:
        raise WorkflowError(_("La référence de la décision est trop longue (100 caractères)."))
    with transaction.atomic():
        call = lock(Call, award.dossier.call_id)
        locked = Award.objects.select_for_update().select_related("dossier").get(pk=award.pk)
        if locked.decision != Award.Decision.LAUREATE:
            raise WorkflowError(_("Seul un lauréat a une convention de cofinancement."))
        before = snapshot(locked, GRANT_FIELDS)
        locked.convention_date = convention_date
        locked.decision_reference = decision_reference
        locked.aid_nature = aid_nature
        locked.payment_terms = payment_terms
        locked.payment_period = payment_period
        locked.eu_notification = bool(eu_notification)
        after = snapshot(locked, GRANT_FIELDS)
        if before == after:
            return locked
        locked.save(update_fields=[*GRANT_FIELDS, "recorded_at"])
        if call.results_published_at is not None:
            deliberation = lock_deliberation(jury_of(call))
            deliberation.results_updated_at = timezone.now()
            deliberation.save(update_fields=["results_updated_at"])
        audit.record(
            user,
            AuditAction.UPDATE_GRANT_DETAILS,
            locked.dossier,
            data={"before": before, "after": after},
        )
        return locked


# Publication ---------------------------------------------------------------------------------


@task()
def notify_results(outcomes: list) -> int:
    """Render and queue the email of each published outcome of a call's results.

    ``outcomes`` lists ``[dossier id, laureate, granted amount or None, reason]`` as
    published. One transaction: a worker killed halfway queues nothing, and the task run
    again queues each email once.
    """
    with transaction.atomic():
        dossiers = Dossier.objects.select_related("call", "administration").in_bulk(
            [outcome[0] for outcome in outcomes]
        )
        # The jury's approved opinions go out with a round's results (never the drafts).
        opinions = dict(
            JuryOpinion.objects.filter(
                dossier_id__in=dossiers,
                dossier__call__results_published_at__isnull=False,
                status=JuryOpinion.Status.APPROVED,
            ).values_list("dossier_id", "text")
        )
        for pk, laureate, granted_amount, reason in outcomes:
            dossier = dossiers[pk]
            notifications.queue(
                "jury/emails/results_outcome",
                applicant_recipients(dossier),
                email_context(
                    dossier,
                    laureate=laureate,
                    granted_amount=None if granted_amount is None else Decimal(granted_amount),
                    reason=reason,
                    jury_opinion=opinions.get(pk, ""),
                ),
                topic="results",
            )
    return len(outcomes)


def apply_awards(user, dossiers, awards, transitions, *, now, data=None) -> dict:
    """Apply each dossier's recorded decision (the caller holds the dossiers' locks): fire the
    laureate or the other of ``transitions``, give laureates their address, and have one task
    email every outcome once the publication has committed. Returns the counts."""
    counts = {Award.Decision.LAUREATE.value: 0, Award.Decision.NOT_SELECTED.value: 0}
    outcomes = []
    for dossier in dossiers:
        award = awards[dossier.pk]
        laureate = award.decision == Award.Decision.LAUREATE
        # The applicant's dossier page shows this reason with the outcome.
        fired = dossier_workflow.fire_locked(
            user,
            dossier,
            transitions[0] if laureate else transitions[1],
            reason=award.reason,
            decision_reason=award.reason,
            data=data,
            now=now,
        )
        if laureate:
            award.dossier = fired
            give_slug(award)
            award.save(update_fields=["slug"])
        counts[award.decision] += 1
        amount = award.granted_amount
        outcomes.append([fired.pk, laureate, None if amount is None else str(amount), award.reason])
    notify_results.enqueue(outcomes)
    return counts


def publish_results(user, call) -> dict:
    """Apply every recorded decision of ``call`` at once, publish and notify applicants.

    Refused while a preselected dossier has no decision, and a second time. The emails are
    rendered and queued by one task (``notify_results``) after commit, not in the request.
    Returns the counts ``{"laureate": n, "not_selected": m}``.
    """
    require_programme_staff(user, call)
    with transaction.atomic():
        # The call's row lock serialises two publications and any late decision.
        locked_call = lock(Call, call.pk)
        if locked_call.is_continuous:
            raise WorkflowError(
                _(
                    "Un guichet en continu publie ses décisions séance par séance du comité, "
                    "et reste ouvert."
                )
            )
        if locked_call.results_published_at is not None:
            raise WorkflowError(_("Les résultats de cet appel sont déjà publiés."))
        jury = jury_of(locked_call)
        deliberation = lock_deliberation(jury)
        dossiers = list(
            Dossier.objects.select_for_update(of=("self",))
            .select_related("call", "administration")
            .filter(call=locked_call, state=S.PRESELECTED)
            .order_by("number")
        )
        if not dossiers:
            raise WorkflowError(_("Aucun dossier présélectionné : rien à publier."))
        awards = {
            a.dossier_id: a for a in Award.objects.select_for_update().filter(dossier__in=dossiers)
        }
        missing = [d.reference for d in dossiers if d.pk not in awards]
        if missing:
            raise WorkflowError(
                _("%(count)s dossier(s) présélectionné(s) sans décision du jury : %(refs)s.")
                % {"count": len(missing), "refs": ", ".join(missing[:20])}
            )
        now = timezone.now()
        counts = apply_awards(user, dossiers, awards, ("select", "not_select"), now=now)
        locked_call.results_published_at = now
        locked_call.save(update_fields=["results_published_at"])
        if deliberation.closed_at is None:
            deliberation.closed_at = now
            deliberation.closed_by = user
            deliberation.save(update_fields=["closed_at", "closed_by"])
        audit.record(
            user, AuditAction.PUBLISH_RESULTS, locked_call, data={**counts, "at": now.isoformat()}
        )
        return counts


# Amendments of published results -------------------------------------------------------------
