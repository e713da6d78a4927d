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

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from calls.models import Call
from jury.models import Award, Deliberation, Jury, ResultAmendment
from relance import audit, notifications
from submissions import workflow as dossier_workflow
from submissions.models import Administration, Dossier, DossierState
from submissions.permissions import is_instructor
from submissions.workflow import WorkflowError

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


def _require_staff(user):
    if not is_instructor(user):
        raise WorkflowError(_("Action réservée aux instructeurs."))


def _json(value):
    """A value as stored in the before/after JSON of audit entries and amendments."""
    if value is None or isinstance(value, str | int | bool):
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _snapshot(obj, fields) -> dict:
    return {name: _json(getattr(obj, name)) for name in fields}


def _lock_call(call_id) -> Call:
    return Call.objects.select_for_update().get(pk=call_id)


def _lock_dossier(dossier) -> Dossier:
    pk = dossier.pk if isinstance(dossier, Dossier) else dossier
    return (
        Dossier.objects.select_for_update(of=("self",))
        .select_related("call", "administration")
        .get(pk=pk)
    )


def _lock_award(dossier) -> Award | None:
    return Award.objects.select_for_update().filter(dossier_id=dossier.pk).first()


def _jury_of(call) -> Jury:
    jury = Jury.objects.filter(call_id=call.pk).first()
    if jury is None:
        raise WorkflowError(_("Cet appel n’a pas de jury."))
    return jury


def _lock_deliberation(jury) -> Deliberation:
    get_or_create_deliberation(jury)
    return Deliberation.objects.select_for_update().get(jury=jury)


def _amount(value, dossier) -> Decimal:
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
                "%(ref)s : le cofinancement accordé (%(granted)s €) dépasse le cofinancement "
                "demandé (%(requested)s €)."
            )
            % {"ref": dossier.reference, "granted": amount, "requested": dossier.requested_amount}
        )
    return amount.quantize(CENT)


def _reason(reason, message) -> str:
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


def _give_slug(award):
    # An award keeps the slug it once had, so that published links never break.
    if not award.slug:
        award.slug = unique_slug(award)


def _require_published(call):
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


def _recipients(dossier):
    # The administration's active agents and the dossier's contact, as for the preselection.
    emails = list(
        dossier.administration.memberships.filter(user__is_active=True).values_list(
            "user__email", flat=True
        )
    )
    if dossier.contact_email:
        emails.append(dossier.contact_email)
    return emails


# The deliberation -------------------------------------------------------------------------


def get_or_create_deliberation(jury) -> Deliberation:
    deliberation, _created = Deliberation.objects.get_or_create(jury=jury)
    return deliberation


def update_minutes(user, deliberation, *, minutes, held_on, publish_amounts=None) -> Deliberation:
    """Save the minutes and the date of the deliberation (editable at any time).

    ``publish_amounts`` (optional) says whether granted amounts are public; changing it once
    the results are published changes the public data, hence the update date.
    """
    _require_staff(user)
    with transaction.atomic():
        call = _lock_call(deliberation.jury.call_id)
        locked = _lock_deliberation(deliberation.jury)
        before = _snapshot(locked, ["minutes", "held_on", "publish_amounts"])
        locked.minutes = (minutes or "").strip()
        locked.held_on = held_on
        if publish_amounts is not None:
            locked.publish_amounts = bool(publish_amounts)
        after = _snapshot(locked, ["minutes", "held_on", "publish_amounts"])
        if before == after:
            return locked
        fields = ["minutes", "held_on", "publish_amounts"]
        if call.results_published_at and before["publish_amounts"] != after["publish_amounts"]:
            locked.results_updated_at = timezone.now()
            fields.append("results_updated_at")
        locked.save(update_fields=fields)
        audit.record(user, "update_minutes", locked, data={"before": before, "after": after})
        return locked


def close_deliberation(user, deliberation) -> Deliberation:
    """Close the deliberation: decisions and evaluations can no longer change."""
    _require_staff(user)
    with transaction.atomic():
        call = _lock_call(deliberation.jury.call_id)
        locked = _lock_deliberation(deliberation.jury)
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
        audit.record(user, "close_deliberation", locked)
        return locked


def reopen_deliberation(user, deliberation, *, reason) -> Deliberation:
    """Reopen a closed deliberation, only while its results are not published."""
    _require_staff(user)
    reason = _reason(reason, _("Indiquez pourquoi la délibération est rouverte."))
    with transaction.atomic():
        call = _lock_call(deliberation.jury.call_id)
        locked = _lock_deliberation(deliberation.jury)
        if call.results_published_at is not None:
            raise WorkflowError(
                _(
                    "Les résultats sont publiés : la délibération ne peut plus être rouverte. "
                    "Utilisez les modifications des résultats."
                )
            )
        if locked.closed_at is None:
            raise WorkflowError(_("La délibération n’est pas close."))
        before = _snapshot(locked, ["closed_at", "closed_by_id"])
        locked.closed_at = None
        locked.closed_by = None
        locked.save(update_fields=["closed_at", "closed_by"])
        audit.record(user, "reopen_deliberation", locked, reason=reason, data={"before": before})
        return locked


# Decisions, before publication -------------------------------------------------------------

AWARD_FIELDS = ("decision", "granted_amount", "reason", "public_summary")


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
    if dossier.state != S.PRESELECTED:
        raise WorkflowError(
            _("%(ref)s : seul un dossier présélectionné reçoit une décision du jury.")
            % {"ref": dossier.reference}
        )


def record_award(
    user, dossier, *, decision, granted_amount=None, reason="", public_summary=""
) -> Award:
    """Record (not publish) the jury's decision on a preselected dossier of its call."""
    _require_staff(user)
    if decision not in Award.Decision.values:
        raise WorkflowError(_("Décision inconnue."))
    with transaction.atomic():
        pk = dossier.pk if isinstance(dossier, Dossier) else dossier
        call = _lock_call(Dossier.objects.values_list("call_id", flat=True).get(pk=pk))
        jury = _jury_of(call)
        locked = _lock_dossier(pk)
        _check_decidable(locked, call, jury)
        reason = (reason or "").strip()
        if decision == Award.Decision.LAUREATE:
            amount = _amount(granted_amount, locked)
        else:
            if granted_amount not in (None, ""):
                raise WorkflowError(_("Un dossier non retenu ne reçoit pas de cofinancement."))
            amount = None
            reason = _reason(reason, _("Indiquez le motif de la décision de ne pas retenir."))
        award = _lock_award(locked)
        before = _snapshot(award, AWARD_FIELDS) if award else {}
        if award is None:
            award = Award(dossier=locked)
        award.decision = decision
        award.granted_amount = amount
        award.reason = reason
        award.public_summary = (public_summary or "").strip()
        award.recorded_by = user
        award.save()
        audit.record(
            user,
            "record_award",
            locked,
            reason=reason,
            data={"before": before, "after": _snapshot(award, AWARD_FIELDS)},
        )
        return award


def clear_award(user, dossier) -> None:
    """Remove the recorded decision of a dossier (before publication)."""
    _require_staff(user)
    with transaction.atomic():
        pk = dossier.pk if isinstance(dossier, Dossier) else dossier
        call = _lock_call(Dossier.objects.values_list("call_id", flat=True).get(pk=pk))
        jury = _jury_of(call)
        locked = _lock_dossier(pk)
        _check_decidable(locked, call, jury)
        award = _lock_award(locked)
        if award is None:
            return
        before = _snapshot(award, AWARD_FIELDS)
        award.delete()
        audit.record(user, "clear_award", locked, data={"before": before})


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
    _require_staff(user)
    if aid_nature not in Award.AidNature.values:
        raise WorkflowError(_("Nature de l’aide inconnue."))
    if payment_terms not in Award.PaymentTerms.values:
        raise WorkflowError(_("Conditions de versement inconnues."))
    payment_period = _check_period(payment_period)
    decision_reference = (decision_reference or "").strip()
    if len(decision_reference) > Award._meta.get_field("decision_reference").max_length:
        raise WorkflowError(_("La référence de la décision est trop longue (100 caractères)."))
    with transaction.atomic():
        call = _lock_call(award.dossier.call_id)
        locked = Award.objects.select_for_update().select_related("dossier").get(pk=award.pk)
        if locked.decision != Award.Decision.LAUREATE:
            raise WorkflowError(_("Seul un lauréat a une convention de cofinancement."))
        before = _snapshot(locked, GRANT_FIELDS)
        locked.convention_date = convention_date
        locked.decision_reference = decision_reference
        locked.aid_nature = aid_nature
        locked.payment_terms = payment_terms
        locked.payment_period = payment_period
        locked.eu_notification = bool(eu_notification)
        after = _snapshot(locked, GRANT_FIELDS)
        if before == after:
            return locked
        locked.save(update_fields=[*GRANT_FIELDS, "recorded_at"])
        if call.results_published_at is not None:
            deliberation = _lock_deliberation(_jury_of(call))
            deliberation.results_updated_at = timezone.now()
            deliberation.save(update_fields=["results_updated_at"])
        audit.record(
            user, "update_grant_details", locked.dossier, data={"before": before, "after": after}
        )
        return locked


# Publication ---------------------------------------------------------------------------------


def _outcome_email(dossier, award, deliberation):
    site = getattr(settings, "SITE_URL", "").rstrip("/")
    notifications.queue(
        "jury/emails/results_outcome",
        _recipients(dossier),
        {
            "dossier": dossier,
            "call": dossier.call,
            "administration": dossier.administration,
            "laureate": award.decision == Award.Decision.LAUREATE,
            "granted_amount": award.granted_amount,
            "reason": award.reason,
            "dossier_url": dossier_workflow.dossier_link(dossier),
            "site_url": site,
        },
        topic="results",
    )


def publish_results(user, call) -> dict:
    """Apply every recorded decision of ``call`` at once, publish and notify applicants.

    Refused while a preselected dossier has no decision, and a second time. Returns the
    counts ``{"laureate": n, "not_selected": m}``.
    """
    _require_staff(user)
    with transaction.atomic():
        # The call's row lock serialises two publications and any late decision.
        locked_call = _lock_call(call.pk)
        if locked_call.results_published_at is not None:
            raise WorkflowError(_("Les résultats de cet appel sont déjà publiés."))
        jury = _jury_of(locked_call)
        deliberation = _lock_deliberation(jury)
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
        counts = {Award.Decision.LAUREATE.value: 0, Award.Decision.NOT_SELECTED.value: 0}
        for dossier in dossiers:
            award = awards[dossier.pk]
            laureate = award.decision == Award.Decision.LAUREATE
            # The applicant's dossier page shows this reason with the outcome.
            fired = dossier_workflow.fire(
                user,
                dossier,
                "select" if laureate else "not_select",
                reason=award.reason,
                decision_reason=award.reason,
            )
            if laureate:
                award.dossier = fired
                _give_slug(award)
                award.save(update_fields=["slug"])
            counts[award.decision] += 1
            _outcome_email(fired, award, deliberation)
        locked_call.results_published_at = now
        locked_call.save(update_fields=["results_published_at"])
        if deliberation.closed_at is None:
            deliberation.closed_at = now
            deliberation.closed_by = user
            deliberation.save(update_fields=["closed_at", "closed_by"])
        audit.record(user, "publish_results", locked_call, data={**counts, "at": now.isoformat()})
        return counts


# Amendments of published results -------------------------------------------------------------


def _amend(user, call, dossier, kind, *, before, after, reason) -> ResultAmendment:
    deliberation = _lock_deliberation(_jury_of(call))
    now = timezone.now()
    amendment = ResultAmendment.objects.create(
        deliberation=deliberation,
        dossier=dossier,
        kind=kind,
        before=before,
        after=after,
        reason=reason,
        actor=user,
        at=now,
    )
    deliberation.results_updated_at = now
    deliberation.save(update_fields=["results_updated_at"])
    audit.record(
        user,
        f"amend_results_{kind}",
        dossier,
        reason=reason,
        data={"amendment": amendment.pk, "before": before, "after": after},
    )
    return amendment


def _open_amendment(user, dossier, reason):
    """Lock what an amendment changes; check staff, reason and publication."""
    _require_staff(user)
    reason = _reason(reason, _("Indiquez le motif de la modification des résultats."))
    pk = dossier.pk if isinstance(dossier, Dossier) else dossier
    call = _lock_call(Dossier.objects.values_list("call_id", flat=True).get(pk=pk))
    _require_published(call)
    locked = _lock_dossier(pk)
    if locked.state not in (S.LAUREATE, S.NOT_SELECTED):
        raise WorkflowError(
            _("%(ref)s ne fait pas partie des résultats publiés.") % {"ref": locked.reference}
        )
    return call, locked, reason


def _state_award_snapshot(dossier, award):
    return {
        "state": dossier.state,
        "decision": award.decision if award else None,
        "granted_amount": _json(award.granted_amount) if award else None,
        "reason": award.reason if award else "",
        "decision_reason": dossier.decision_reason,
    }


def add_laureate(user, dossier, *, granted_amount, reason) -> ResultAmendment:
    """Make a published « non retenu » dossier a laureate."""
    with transaction.atomic():
        call, locked, reason = _open_amendment(user, dossier, reason)
        if locked.state != S.NOT_SELECTED:
            raise WorkflowError(
                _("%(ref)s n’est pas un dossier non retenu.") % {"ref": locked.reference}
            )
        amount = _amount(granted_amount, locked)
        award = _lock_award(locked)
        before = _state_award_snapshot(locked, award)
        # The reason for not selecting no longer holds; the before JSON keeps it.
        locked = dossier_workflow.fire(
            user, locked, "amend_add_laureate", reason=reason, decision_reason=""
        )
        if award is None:
            award = Award(dossier=locked)
        award.dossier = locked
        award.decision = Award.Decision.LAUREATE
        award.granted_amount = amount
        award.reason = ""
        award.recorded_by = user
        _give_slug(award)
        award.save()
        after = _state_award_snapshot(locked, award)
        return _amend(
            user,
            call,
            locked,
            ResultAmendment.Kind.ADD_LAUREATE,
            before=before,
            after=after,
            reason=reason,
        )


def remove_laureate(user, dossier, *, reason) -> ResultAmendment:
    """Withdraw a published laureate: it becomes « non retenu », without amount.

    Its slug is kept (the public page disappears; re-adding it restores the same address),
    and the amendment's reason is the one the applicant sees.
    """
    with transaction.atomic():
        call, locked, reason = _open_amendment(user, dossier, reason)
        if locked.state != S.LAUREATE:
            raise WorkflowError(_("%(ref)s n’est pas lauréat.") % {"ref": locked.reference})
        award = _lock_award(locked)
        before = _state_award_snapshot(locked, award)
        locked = dossier_workflow.fire(
            user, locked, "amend_remove_laureate", reason=reason, decision_reason=reason
        )
        if award is None:
            award = Award(dossier=locked)
        award.dossier = locked
        award.decision = Award.Decision.NOT_SELECTED
        award.granted_amount = None
        award.reason = reason
        award.recorded_by = user
        award.save()
        after = _state_award_snapshot(locked, award)
        return _amend(
            user,
            call,
            locked,
            ResultAmendment.Kind.REMOVE_LAUREATE,
            before=before,
            after=after,
            reason=reason,
        )


def correct_title(user, dossier, *, title, subtitle, reason) -> ResultAmendment:
    """Correct the published title or subtitle; the slug stays, so links keep working."""
    title = (title or "").strip()
    subtitle = (subtitle or "").strip()
    if not title:
        raise WorkflowError(_("Le titre ne peut pas être vide."))
    if len(title) > Dossier._meta.get_field("title").max_length:
        raise WorkflowError(_("Le titre est trop long (200 caractères au plus)."))
    if len(subtitle) > Dossier._meta.get_field("subtitle").max_length:
        raise WorkflowError(_("Le sous-titre est trop long (255 caractères au plus)."))
    with transaction.atomic():
        call, locked, reason = _open_amendment(user, dossier, reason)
        before = _snapshot(locked, ["title", "subtitle"])
        if before == {"title": title, "subtitle": subtitle}:
            raise WorkflowError(_("Le titre et le sous-titre sont inchangés."))
        locked.title = title
        locked.subtitle = subtitle
        locked.version += 1
        locked.save(update_fields=["title", "subtitle", "version", "updated_at"])
        return _amend(
            user,
            call,
            locked,
            ResultAmendment.Kind.CORRECT_TITLE,
            before=before,
            after=_snapshot(locked, ["title", "subtitle"]),
            reason=reason,
        )


def _administration_json(administration):
    return {"id": administration.pk, "name": administration.name}


def change_administration(user, dossier, *, administration, reason) -> ResultAmendment:
    """Attach a published dossier to another administration (e.g. a mistaken attribution)."""
    with transaction.atomic():
        call, locked, reason = _open_amendment(user, dossier, reason)
        if not isinstance(administration, Administration):
            administration = Administration.objects.filter(pk=administration).first()
            if administration is None:
                raise WorkflowError(_("Administration inconnue."))
        if administration.pk == locked.administration_id:
            raise WorkflowError(_("Le dossier est déjà rattaché à cette administration."))
        if not call.accepts_kind(administration.kind):
            raise WorkflowError(
                _("Les structures de type « %(kind)s » ne sont pas éligibles à cet appel.")
                % {"kind": administration.get_kind_display()}
            )
        before = {"administration": _administration_json(locked.administration)}
        locked.administration = administration
        locked.version += 1
        locked.save(update_fields=["administration", "version", "updated_at"])
        return _amend(
            user,
            call,
            locked,
            ResultAmendment.Kind.CHANGE_ADMINISTRATION,
            before=before,
            after={"administration": _administration_json(administration)},
            reason=reason,
        )


def change_amount(user, award, *, granted_amount, reason) -> ResultAmendment:
    """Change a published laureate's granted amount."""
    with transaction.atomic():
        call, locked, reason = _open_amendment(user, award.dossier_id, reason)
        locked_award = _lock_award(locked)
        if (
            locked_award is None
            or locked.state != S.LAUREATE
            or locked_award.decision != Award.Decision.LAUREATE
        ):
            raise WorkflowError(_("%(ref)s n’est pas lauréat.") % {"ref": locked.reference})
        amount = _amount(granted_amount, locked)
        if amount == locked_award.granted_amount:
            raise WorkflowError(_("Le montant est inchangé."))
        before = {"granted_amount": _json(locked_award.granted_amount)}
        locked_award.granted_amount = amount
        locked_award.recorded_by = user
        locked_award.save(update_fields=["granted_amount", "recorded_by", "recorded_at"])
        return _amend(
            user,
            call,
            locked,
            ResultAmendment.Kind.CHANGE_AMOUNT,
            before=before,
            after={"granted_amount": _json(amount)},
            reason=reason,
        )
