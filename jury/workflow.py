"""Every change to a jury's composition, conflicts and evaluations, one function per action.

Each function takes the acting user first, checks the guard, changes the rows inside one
transaction, writes an audit entry and queues the emails (sent after commit). A refusal
raises :class:`submissions.workflow.WorkflowError` with a message meant for the user.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from calls.models import Call, Criterion
from jury.models import (
    ConflictOfInterest,
    Deliberation,
    Evaluation,
    Jury,
    JuryMember,
    Recommendation,
    Score,
)
from jury.permissions import juror_dossiers, jury_dossiers
from relance import audit, notifications
from submissions.permissions import is_instructor
from submissions.workflow import StaleEditError, WorkflowError

MEMBER_FIELDS = ("public_name", "title", "affiliation", "affiliation_kind", "role")
SCORE_STEP = Decimal("0.01")


def _require_staff(user):
    if not is_instructor(user):
        raise WorkflowError(_("Action réservée aux instructeurs."))


def _site_url() -> str:
    return getattr(settings, "SITE_URL", "").rstrip("/")


def _lock_jury(jury) -> Jury:
    pk = jury.pk if isinstance(jury, Jury) else jury
    return Jury.objects.select_for_update().select_related("call").get(pk=pk)


def _lock_member(member) -> JuryMember:
    pk = member.pk if isinstance(member, JuryMember) else member
    try:
        return (
            JuryMember.objects.select_for_update(of=("self",))
            .select_related("jury__call", "user")
            .get(pk=pk)
        )
    except JuryMember.DoesNotExist:
        raise WorkflowError(_("Ce membre ne fait plus partie du jury.")) from None


def _clean_choice(value, choices, message):
    if value not in choices:
        raise WorkflowError(message)
    return value


# Jury -------------------------------------------------------------------------------------


def create_jury(user, call: Call, *, name="") -> Jury:
    """Create the jury of ``call`` (one per call)."""
    _require_staff(user)
    with transaction.atomic():
        # Lock the call so that two staff members cannot create two juries at once.
        locked_call = Call.objects.select_for_update().get(pk=call.pk)
        if Jury.objects.filter(call=locked_call).exists():
            raise WorkflowError(_("Cet appel a déjà un jury."))
        jury = Jury.objects.create(call=locked_call, name=(name or "").strip()[:200])
        audit.record(user, "jury_create", jury, data={"call": locked_call.pk})
        return jury


def set_composition_published(user, jury: Jury, published: bool) -> Jury:
    """Show (or hide) the members' names, titles and affiliations on the public pages."""
    _require_staff(user)
    with transaction.atomic():
        locked = _lock_jury(jury)
        published = bool(published)
        if locked.composition_published != published:
            locked.composition_published = published
            locked.save(update_fields=["composition_published"])
            audit.record(
                user,
                "jury_publish_composition" if published else "jury_unpublish_composition",
                locked,
            )
        return locked


# Members ----------------------------------------------------------------------------------


def _check_member_fields(fields: dict) -> dict:
    fields = dict(fields)
    fields["public_name"] = (fields.get("public_name") or "").strip()
    if not fields["public_name"]:
        raise WorkflowError(_("Indiquez le nom affiché du membre."))
    fields["title"] = (fields.get("title") or "").strip()
    fields["affiliation"] = (fields.get("affiliation") or "").strip()
    _clean_choice(
        fields.get("affiliation_kind"),
        JuryMember.AffiliationKind.values,
        _("Type d’affiliation inconnu."),
    )
    _clean_choice(fields.get("role"), JuryMember.Role.values, _("Rôle inconnu."))
    return fields


def _check_single_president(jury, role, exclude_pk=None):
    if role != JuryMember.Role.PRESIDENT:
        return
    others = JuryMember.objects.filter(jury=jury, role=JuryMember.Role.PRESIDENT)
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    current = others.first()
    if current is not None:
        raise WorkflowError(
            _(
                "Ce jury a déjà un·e président·e (%(name)s). Un jury n’a qu’un·e président·e : "
                "changez d’abord son rôle en « Membre »."
            )
            % {"name": current.public_name}
        )


def invitation_links(member: JuryMember) -> dict:
    """Absolute links for the invitation: set a password (as Django's reset) and juror home."""
    account = member.user
    uid = urlsafe_base64_encode(force_bytes(account.pk))
    token = default_token_generator.make_token(account)
    site = _site_url()
    return {
        "set_password_url": site
        + reverse("password_reset_confirm", kwargs={"uidb64": uid, "token": token}),
        "juror_home_url": site + reverse("jury:juror_home"),
        "login_url": site + reverse("login"),
    }


def _queue_invitation(member: JuryMember):
    notifications.queue(
        "jury/emails/invitation",
        [member.user.email],
        {
            "member": member,
            "jury": member.jury,
            "call": member.jury.call,
            "has_password": member.user.has_usable_password(),
            "site_url": _site_url(),
            **invitation_links(member),
        },
        topic="jury_invitation",
    )


def add_member(
    user,
    jury: Jury,
    *,
    email,
    public_name,
    title="",
    affiliation="",
    affiliation_kind=JuryMember.AffiliationKind.PUBLIC,
    role=JuryMember.Role.MEMBER,
) -> JuryMember:
    """Add a member, reusing the account with this email (any case) or creating one.

    A new account has no usable password: the invitation email carries a link to set one.
    """
    _require_staff(user)
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise WorkflowError(_("Saisissez une adresse électronique valide.")) from None
    fields = _check_member_fields(
        {
            "public_name": public_name,
            "title": title,
            "affiliation": affiliation,
            "affiliation_kind": affiliation_kind,
            "role": role,
        }
    )
    User = get_user_model()
    with transaction.atomic():
        # The jury row lock serialises additions (single president, one row per account).
        locked = _lock_jury(jury)
        account = User.objects.filter(email__iexact=email).first()
        created = account is None
        if created:
            # The header greets the account by name: the name staff typed is the best we have.
            first, _sep, last = fields["public_name"].partition(" ")
            account = User.objects.create_user(
                email=email, password=None, first_name=first, last_name=last
            )
        elif JuryMember.objects.filter(jury=locked, user=account).exists():
            raise WorkflowError(
                _("%(email)s est déjà membre de ce jury.") % {"email": account.email}
            )
        _check_single_president(locked, fields["role"])
        member = JuryMember.objects.create(
            jury=locked, user=account, invited_at=timezone.now(), **fields
        )
        audit.record(
            user,
            "jury_add_member",
            locked,
            data={
                "member": member.pk,
                "email": account.email,
                "public_name": member.public_name,
                "role": member.role,
                "account_created": created,
            },
        )
        _queue_invitation(member)
        return member


def update_member(user, member: JuryMember, **changes) -> JuryMember:
    """Change a member's displayed name, title, affiliation or role."""
    _require_staff(user)
    unknown = set(changes) - set(MEMBER_FIELDS)
    if unknown:
        raise ValueError(f"Not editable: {sorted(unknown)}")
    with transaction.atomic():
        locked = _lock_member(member)
        _lock_jury(locked.jury_id)
        current = {name: getattr(locked, name) for name in MEMBER_FIELDS}
        fields = _check_member_fields(current | changes)
        _check_single_president(locked.jury_id, fields["role"], exclude_pk=locked.pk)
        changed = {
            name: {"old": current[name], "new": value}
            for name, value in fields.items()
            if current[name] != value
        }
        if not changed:
            return locked
        for name, value in fields.items():
            setattr(locked, name, value)
        locked.save(update_fields=list(MEMBER_FIELDS))
        audit.record(user, "jury_update_member", locked, data={"fields": changed})
        return locked


def remove_member(user, member: JuryMember) -> None:
    """Remove a member who has not submitted any evaluation (their drafts go with them)."""
    _require_staff(user)
    with transaction.atomic():
        locked = _lock_member(member)
        submitted = locked.evaluations.filter(submitted_at__isnull=False).count()
        if submitted:
            raise WorkflowError(
                _(
                    "%(name)s a déjà soumis %(count)s évaluation(s) : ses notes comptent dans le "
                    "classement, ce membre ne peut plus être retiré du jury."
                )
                % {"name": locked.public_name, "count": submitted}
            )
        jury = locked.jury
        data = {
            "member": locked.pk,
            "email": locked.user.email,
            "public_name": locked.public_name,
            "role": locked.role,
        }
        locked.delete()
        audit.record(user, "jury_remove_member", jury, data=data)


# Conflicts of interest --------------------------------------------------------------------


def declare_conflict(user, member: JuryMember, dossier, *, kind, comment="") -> ConflictOfInterest:
    """Declare a conflict: a juror for themselves, or staff for any member."""
    if not (is_instructor(user) or (user.is_authenticated and member.user_id == user.pk)):
        raise WorkflowError(_("Vous ne pouvez déclarer un conflit d’intérêts que pour vous-même."))
    _clean_choice(kind, ConflictOfInterest.Kind.values, _("Type de conflit inconnu."))
    with transaction.atomic():
        # The member row lock serialises two declarations of the same conflict.
        locked = _lock_member(member)
        if not jury_dossiers(locked.jury).filter(pk=dossier.pk).exists():
            raise WorkflowError(_("Ce dossier n’est pas examiné par ce jury."))
        if ConflictOfInterest.objects.filter(
            member=locked, dossier_id=dossier.pk, lifted_at__isnull=True
        ).exists():
            raise WorkflowError(
                _("Un conflit d’intérêts est déjà déclaré entre %(name)s et le dossier %(ref)s.")
                % {"name": locked.public_name, "ref": dossier.reference}
            )
        try:
            with transaction.atomic():
                conflict = ConflictOfInterest.objects.create(
                    member=locked,
                    dossier_id=dossier.pk,
                    kind=kind,
                    comment=(comment or "").strip(),
                    declared_by=user,
                )
        except IntegrityError:
            raise WorkflowError(_("Ce conflit d’intérêts est déjà déclaré.")) from None
        audit.record(
            user,
            "jury_declare_conflict",
            conflict,
            reason=conflict.comment,
            data={"member": locked.pk, "dossier": dossier.pk, "kind": kind},
        )
        return conflict


def lift_conflict(user, conflict: ConflictOfInterest, *, reason) -> ConflictOfInterest:
    """Lift a conflict (staff only, with a reason); the row is kept for the record."""
    _require_staff(user)
    reason = (reason or "").strip()
    if not reason:
        raise WorkflowError(_("Indiquez le motif de la levée du conflit d’intérêts."))
    with transaction.atomic():
        locked = ConflictOfInterest.objects.select_for_update().get(pk=conflict.pk)
        if locked.lifted_at is not None:
            raise WorkflowError(_("Ce conflit d’intérêts a déjà été levé."))
        locked.lifted_at = timezone.now()
        locked.lifted_by = user
        locked.lift_reason = reason
        locked.save(update_fields=["lifted_at", "lifted_by", "lift_reason"])
        audit.record(
            user,
            "jury_lift_conflict",
            locked,
            reason=reason,
            data={"member": locked.member_id, "dossier": locked.dossier_id},
        )
        return locked


# Evaluations ------------------------------------------------------------------------------


def _check_can_evaluate(user, member: JuryMember, dossier_pk):
    """Guards shared by saving and submitting; ``member`` is locked by the caller."""
    if not (user.is_authenticated and member.user_id == user.pk):
        raise WorkflowError(_("Seul le membre du jury concerné peut saisir cette évaluation."))
    if ConflictOfInterest.objects.filter(
        member=member, dossier_id=dossier_pk, lifted_at__isnull=True
    ).exists():
        raise WorkflowError(
            _("Vous avez un conflit d’intérêts avec ce dossier : vous ne pouvez pas l’évaluer.")
        )
    if not juror_dossiers(member).filter(pk=dossier_pk).exists():
        raise WorkflowError(_("Ce dossier n’est pas examiné par votre jury."))
    closed = (
        Deliberation.objects.filter(jury_id=member.jury_id, closed_at__isnull=False)
        .values_list("closed_at", flat=True)
        .first()
    )
    if closed is not None:
        raise WorkflowError(
            _("La délibération est close : les évaluations ne peuvent plus être modifiées.")
        )


def _criteria(member: JuryMember) -> dict[int, Criterion]:
    return {c.pk: c for c in Criterion.objects.filter(call_id=member.jury.call_id)}


def _clean_scores(scores: dict, criteria: dict[int, Criterion]) -> dict[int, Decimal]:
    """Validated scores by criterion pk; blank or ``None`` means missing (no row)."""
    cleaned = {}
    for key, raw in (scores or {}).items():
        try:
            pk = int(key)
        except (TypeError, ValueError):
            pk = None
        criterion = criteria.get(pk)
        if criterion is None:
            raise WorkflowError(_("Ce critère n’appartient pas à l’appel de ce jury."))
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            continue
        try:
            value = Decimal(str(raw).strip().replace(",", "."))
        except InvalidOperation:
            value = None
        if value is None or not value.is_finite():
            raise WorkflowError(
                _("« %(criterion)s » : la note doit être un nombre.")
                % {"criterion": criterion.label}
            )
        if value < 0 or value > criterion.scale_max:
            raise WorkflowError(
                _("« %(criterion)s » : la note doit être comprise entre 0 et %(max)s.")
                % {"criterion": criterion.label, "max": criterion.scale_max}
            )
        if value != value.quantize(SCORE_STEP):
            raise WorkflowError(
                _("« %(criterion)s » : deux décimales au plus.") % {"criterion": criterion.label}
            )
        cleaned[pk] = value.quantize(SCORE_STEP)
    return cleaned


def missing_criteria(evaluation: Evaluation, criteria=None) -> list[Criterion]:
    """Criteria of the call left without a score on ``evaluation``."""
    if criteria is None:
        criteria = Criterion.objects.filter(call_id=evaluation.dossier.call_id)
    scored = set(evaluation.scores.values_list("criterion_id", flat=True))
    return [c for c in criteria if c.pk not in scored]


def _completeness_error(evaluation, criteria) -> str | None:
    if not evaluation.recommendation:
        return _("Donnez votre avis (favorable, réservé ou défavorable) avant de soumettre.")
    missing = missing_criteria(evaluation, sorted(criteria.values(), key=lambda c: c.order))
    if missing:
        return _("Notez chaque critère avant de soumettre. Sans note : %(labels)s.") % {
            "labels": ", ".join(f"« {c.label} »" for c in missing)
        }
    return None


def save_evaluation(
    user,
    member: JuryMember,
    dossier,
    *,
    scores: dict,
    comment="",
    recommendation="",
    version=None,
) -> Evaluation:
    """Save a member's scores, comment and recommendation on a dossier.

    ``version`` is the evaluation version the form was opened on (``None`` or 0 when it had
    none yet): if the evaluation was saved since, nothing is overwritten. A submitted
    evaluation stays submitted when edited (until the deliberation is closed) and must stay
    complete.
    """
    recommendation = recommendation or ""
    _clean_choice(recommendation, ["", *Recommendation.values], _("Avis inconnu."))
    comment = (comment or "").strip()
    with transaction.atomic():
        # The member row lock serialises the member's saves (and the first creation).
        locked_member = _lock_member(member)
        _check_can_evaluate(user, locked_member, dossier.pk)
        criteria = _criteria(locked_member)
        cleaned = _clean_scores(scores, criteria)
        evaluation = (
            Evaluation.objects.select_for_update()
            .filter(member=locked_member, dossier_id=dossier.pk)
            .first()
        )
        if evaluation is not None and version is not None and evaluation.version != version:
            raise StaleEditError(
                _(
                    "Cette évaluation a été enregistrée entre-temps (dans un autre onglet ?). "
                    "Rien n’a été écrasé : rechargez la page pour voir la dernière version, "
                    "puis reportez vos modifications."
                )
            )
        if evaluation is None and version:
            raise StaleEditError(
                _("Cette évaluation n’existe plus : rechargez la page avant d’enregistrer.")
            )
        created = evaluation is None
        if created:
            evaluation = Evaluation(member=locked_member, dossier_id=dossier.pk, version=0)
            old_scores = {}
        else:
            old_scores = {s.criterion_id: s.value for s in evaluation.scores.all()}
        changes = {}
        if evaluation.comment != comment:
            changes["comment"] = {"old": evaluation.comment, "new": comment}
        if evaluation.recommendation != recommendation:
            changes["recommendation"] = {"old": evaluation.recommendation, "new": recommendation}
        for pk in sorted(set(old_scores) | set(cleaned)):
            if old_scores.get(pk) != cleaned.get(pk):
                changes.setdefault("scores", {})[str(pk)] = {
                    "old": _str_or_none(old_scores.get(pk)),
                    "new": _str_or_none(cleaned.get(pk)),
                }
        if not changes and not created:
            return evaluation
        evaluation.comment = comment
        evaluation.recommendation = recommendation
        evaluation.version += 1
        evaluation.save()
        removed = set(old_scores) - set(cleaned)
        if removed:
            evaluation.scores.filter(criterion_id__in=removed).delete()
        for pk, value in cleaned.items():
            if old_scores.get(pk) != value:
                Score.objects.update_or_create(
                    evaluation=evaluation, criterion_id=pk, defaults={"value": value}
                )
        if evaluation.is_submitted:
            error = _completeness_error(evaluation, criteria)
            if error:
                # Rolls back the whole save: a submitted evaluation stays complete.
                raise WorkflowError(
                    _("Votre évaluation est soumise et doit rester complète. %(error)s")
                    % {"error": error}
                )
        audit.record(
            user,
            "jury_edit_submitted_evaluation" if evaluation.is_submitted else "jury_save_evaluation",
            evaluation,
            data={"version": evaluation.version, "changes": changes},
        )
        return evaluation


def _str_or_none(value):
    return None if value is None else str(value)


def submit_evaluation(user, evaluation: Evaluation) -> Evaluation:
    """Submit an evaluation: every criterion scored and a recommendation are required."""
    with transaction.atomic():
        locked_member = _lock_member(evaluation.member_id)
        _check_can_evaluate(user, locked_member, evaluation.dossier_id)
        locked = Evaluation.objects.select_for_update().get(pk=evaluation.pk)
        if locked.is_submitted:
            raise WorkflowError(_("Cette évaluation est déjà soumise."))
        error = _completeness_error(locked, _criteria(locked_member))
        if error:
            raise WorkflowError(error)
        locked.submitted_at = timezone.now()
        locked.version += 1
        locked.save(update_fields=["submitted_at", "version", "updated_at"])
        audit.record(user, "jury_submit_evaluation", locked, data={"version": locked.version})
        return locked
