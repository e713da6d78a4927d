"""Every change to a jury's composition, conflicts and evaluations, one function per action.

Each function takes the acting user first, checks the guard, changes the rows inside one
transaction, writes an audit entry and queues the emails (sent after commit). A refusal
raises :class:`relance.workflow.WorkflowError` with a message meant for the user.
"""

from __future__ import annotations

import re
import unicodedata

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, models, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from calls.models import Call
from calls.permissions import require_programme_staff
from jury.models import (
    ConflictOfInterest,
    Jury,
    JuryMember,
)
from jury.permissions import jury_dossiers
from relance import audit, notifications
from relance.audit import AuditAction
from relance.permissions import require
from relance.workflow import WorkflowError, clean_choice, lock
from submissions.models import Dossier, DossierState, Membership

MEMBER_FIELDS = ("public_name", "title", "affiliation", "affiliation_kind", "role")


def _lock_jury(jury) -> Jury:
    return lock(Jury, jury, related=("call",))


def lock_member(member) -> JuryMember:
    return lock(
        JuryMember,
        member,
        related=("jury__call", "user"),
        missing=_("Ce membre ne fait plus partie du jury."),
    )


# Jury -------------------------------------------------------------------------------------


def create_jury(user, call: Call, *, name="") -> Jury:
    """Create the jury of ``call`` (one per call)."""
    require_programme_staff(user, call)
    with transaction.atomic():
        # Lock the call so that two staff members cannot create two juries at once.
        locked_call = lock(Call, call)
        if Jury.objects.filter(call=locked_call).exists():
            raise WorkflowError(_("Cet appel a déjà un jury."))
        jury = Jury.objects.create(call=locked_call, name=(name or "").strip()[:200])
        audit.record(user, AuditAction.JURY_CREATE, jury, data={"call": locked_call.pk})
        return jury


def set_composition_published(user, jury: Jury, published: bool) -> Jury:
    """Show (or hide) the members' names, titles and affiliations on the public pages."""
    require_programme_staff(user, jury)
    with transaction.atomic():
        locked = _lock_jury(jury)
        published = bool(published)
        if locked.composition_published != published:
            locked.composition_published = published
            locked.save(update_fields=["composition_published"])
            audit.record(
                user,
                AuditAction.JURY_PUBLISH_COMPOSITION
                if published
                else AuditAction.JURY_UNPUBLISH_COMPOSITION,
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
    clean_choice(
        fields.get("affiliation_kind"),
        JuryMember.AffiliationKind.values,
        _("Type d’affiliation inconnu."),
    )
    clean_choice(fields.get("role"), JuryMember.Role.values, _("Rôle inconnu."))
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
    site = notifications.absolute_url("")
    return {
        "set_password_url": notifications.password_setup_url(member.user),
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
            "site_url": notifications.absolute_url(""),
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
    require_programme_staff(user, jury)
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
            AuditAction.JURY_ADD_MEMBER,
            locked,
            data={
                "member": member.pk,
                "email": account.email,
                "public_name": member.public_name,
                "role": member.role,
                "account_created": created,
            },
        )
        suggest_conflicts(user, member)
        _queue_invitation(member)
        return member


def update_member(user, member: JuryMember, **changes) -> JuryMember:
    """Change a member's displayed name, title, affiliation or role."""
    require_programme_staff(user, member)
    unknown = set(changes) - set(MEMBER_FIELDS)
    if unknown:
        raise ValueError(f"Not editable: {sorted(unknown)}")
    with transaction.atomic():
        locked = lock_member(member)
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
        audit.record(user, AuditAction.JURY_UPDATE_MEMBER, locked, data={"fields": changed})
        suggest_conflicts(user, locked)
        return locked


def remove_member(user, member: JuryMember) -> None:
    """Remove a member who has not submitted any evaluation (their drafts go with them)."""
    require_programme_staff(user, member)
    with transaction.atomic():
        locked = lock_member(member)
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
        audit.record(user, AuditAction.JURY_REMOVE_MEMBER, jury, data=data)


# Conflicts of interest --------------------------------------------------------------------


def declare_conflict(user, member: JuryMember, dossier, *, kind, comment="") -> ConflictOfInterest:
    """Declare a conflict: a juror for themselves, or staff for any member."""
    require(
        user,
        "jury.declare_conflict",
        member,
        message=_("Vous ne pouvez déclarer un conflit d’intérêts que pour vous-même."),
    )
    clean_choice(kind, ConflictOfInterest.Kind.values, _("Type de conflit inconnu."))
    with transaction.atomic():
        # The member row lock serialises two declarations of the same conflict.
        locked = lock_member(member)
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
            AuditAction.JURY_DECLARE_CONFLICT,
            conflict,
            reason=conflict.comment,
            data={"member": locked.pk, "dossier": dossier.pk, "kind": kind},
        )
        return conflict


def lift_conflict(user, conflict: ConflictOfInterest, *, reason) -> ConflictOfInterest:
    """Lift a conflict (staff only, with a reason); the row is kept for the record."""
    require_programme_staff(user, conflict)
    reason = (reason or "").strip()
    if not reason:
        raise WorkflowError(_("Indiquez le motif de la levée du conflit d’intérêts."))
    with transaction.atomic():
        locked = lock(ConflictOfInterest, conflict)
        if locked.lifted_at is not None:
            raise WorkflowError(_("Ce conflit d’intérêts a déjà été levé."))
        locked.lifted_at = timezone.now()
        locked.lifted_by = user
        locked.lift_reason = reason
        locked.save(update_fields=["lifted_at", "lifted_by", "lift_reason"])
        audit.record(
            user,
            AuditAction.JURY_LIFT_CONFLICT,
            locked,
            reason=reason,
            data={"member": locked.member_id, "dossier": locked.dossier_id},
        )
        return locked


# Conflicts the data already shows ----------------------------------------------------------


def _words(text) -> str:
    """``text`` lowercased, without accents or punctuation, words separated by one space."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(re.findall(r"[^\W_]+", bare.lower()))


def _names(text) -> bool:
    return len(_words(text)) >= 2


def _domain(email) -> str:
    return (email or "").rpartition("@")[2].strip().lower()


def apparent_conflicts(member: JuryMember) -> dict[int, str]:
    """``{dossier id: why}`` for the dossiers of the member's call that the data ties to them.

    The member belongs to the applying administration, has the email domain of one of its
    agents or of the dossier's contact, or their affiliation names the administration or its
    ministry (name or acronym).
    """
    account = member.user
    dossiers = list(
        Dossier.objects.filter(call_id=member.jury.call_id)
        .exclude(state=DossierState.DRAFT)
        .select_related("administration__ministry")
    )
    administration_ids = {d.administration_id for d in dossiers}
    own = set(
        Membership.objects.filter(
            user=account, administration_id__in=administration_ids
        ).values_list("administration_id", flat=True)
    )
    domains: dict[int, set[str]] = {}
    for administration_id, email in (
        Membership.objects.filter(administration_id__in=administration_ids, user__is_active=True)
        .exclude(user=account)
        .values_list("administration_id", "user__email")
    ):
        domains.setdefault(administration_id, set()).add(_domain(email))
    domain = _domain(account.email)
    affiliation = f" {_words(member.affiliation)} "
    found = {}
    for dossier in dossiers:
        administration = dossier.administration
        context = {"name": member.public_name, "administration": administration.name}
        if administration.pk in own:
            found[dossier.pk] = _("%(name)s est agent de l’administration %(administration)s.")
            found[dossier.pk] %= context
            continue
        if domain and (
            domain in domains.get(administration.pk, set())
            or domain == _domain(dossier.contact_email)
        ):
            found[dossier.pk] = _(
                "L’adresse de %(name)s a le domaine %(domain)s, comme un agent ou le contact "
                "du dossier de %(administration)s."
            ) % {**context, "domain": domain}
            continue
        ministry = administration.ministry
        named = [
            text
            for text in (
                administration.name,
                administration.acronym,
                ministry.name if ministry else "",
                ministry.acronym if ministry else "",
            )
            if _names(text) and f" {_words(text)} " in affiliation
        ]
        if named:
            found[dossier.pk] = _(
                "L’affiliation de %(name)s (« %(affiliation)s ») nomme %(what)s."
            ) % {
                **context,
                "affiliation": member.affiliation,
                "what": named[0],
            }
    return found


def suggest_conflicts(user, member: JuryMember) -> list[ConflictOfInterest]:
    """Create the conflicts ``apparent_conflicts`` finds and no active conflict covers yet.

    Called when a member is added or changed, and by staff from the jury page (for the
    dossiers submitted since). A suggestion hides the dossier from the member at once.
    """
    require_programme_staff(user, member)
    created = []
    with transaction.atomic():
        locked = lock_member(member)
        covered = set(
            ConflictOfInterest.objects.filter(member=locked)
            .filter(
                # Active ones, and those staff lifted: a lifted suggestion is not made again.
                models.Q(lifted_at__isnull=True) | ~models.Q(suggested_reason="")
            )
            .values_list("dossier_id", flat=True)
        )
        for dossier_id, reason in apparent_conflicts(locked).items():
            if dossier_id in covered:
                continue
            conflict = ConflictOfInterest.objects.create(
                member=locked,
                dossier_id=dossier_id,
                kind=ConflictOfInterest.Kind.SAME_ADMINISTRATION,
                suggested_reason=reason,
                declared_by=user,
            )
            audit.record(
                user,
                AuditAction.JURY_SUGGEST_CONFLICT,
                conflict,
                reason=reason,
                data={"member": locked.pk, "dossier": dossier_id},
            )
            created.append(conflict)
    return created


def suggest_jury_conflicts(user, jury: Jury) -> list[ConflictOfInterest]:
    """``suggest_conflicts`` for every member of ``jury``."""
    require_programme_staff(user, jury)
    created = []
    for member in jury.members.select_related("user", "jury"):
        created += suggest_conflicts(user, member)
    return created


def confirm_conflict(user, conflict: ConflictOfInterest) -> ConflictOfInterest:
    """Staff confirm a suggested conflict: it stays, as if declared."""
    require_programme_staff(user, conflict)
    with transaction.atomic():
        locked = lock(ConflictOfInterest, conflict)
        if not locked.is_suggested:
            raise WorkflowError(_("Ce conflit d’intérêts n’attend pas de confirmation."))
        locked.confirmed_at = timezone.now()
        locked.confirmed_by = user
        locked.save(update_fields=["confirmed_at", "confirmed_by"])
        audit.record(
            user,
            AuditAction.JURY_CONFIRM_CONFLICT,
            locked,
            data={"member": locked.member_id, "dossier": locked.dossier_id},
        )
        return locked
