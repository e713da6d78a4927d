"""Review phases, bids and rapporteurs of a jury, one function per action.

Each function takes the acting user first, checks the guard, changes the rows inside one
transaction and writes an audit entry. A refusal raises
:class:`relance.workflow.WorkflowError` with a message meant for the user. A jury without
review settings keeps working without phases (see ``jury.review_models``).
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from calls.permissions import require_programme_staff
from jury.composition.workflow import lock_member
from jury.models import ConflictOfInterest, Jury, JuryMember
from jury.permissions import jury_dossiers
from jury.review import suggestion
from jury.review_models import (
    PHASE_TRANSITIONS,
    Bid,
    RapporteurAssignment,
    ReviewPhase,
    ReviewSettings,
)
from relance import audit
from relance.audit import AuditAction
from relance.permissions import require
from relance.workflow import WorkflowError, clean_choice, lock
from submissions.models import Membership

# Phases in which staff may change the rapporteurs by hand.
MANUAL_ASSIGNMENT_PHASES = frozenset({ReviewPhase.ASSIGNMENT, ReviewPhase.SCORING})


def settings_of(jury) -> ReviewSettings | None:
    """The jury's review settings, or ``None`` when it works without phases."""
    return ReviewSettings.objects.filter(jury_id=getattr(jury, "pk", jury)).first()


def _locked_settings(jury) -> ReviewSettings:
    settings = ReviewSettings.objects.select_for_update().filter(jury_id=jury.pk).first()
    if settings is None:
        raise WorkflowError(_("Les phases d’examen ne sont pas configurées pour ce jury."))
    return settings


def configure_review(user, jury: Jury, *, rapporteurs_per_dossier: int) -> ReviewSettings:
    """Turn phases on for ``jury`` (starting with the bids) or change the number of
    rapporteurs, which is only possible before the scoring starts."""
    require_programme_staff(user, jury)
    try:
        count = int(rapporteurs_per_dossier)
    except (TypeError, ValueError):
        count = 0
    if not 1 <= count <= 5:
        raise WorkflowError(
            _("Le nombre de rapporteurs par dossier doit être compris entre 1 et 5.")
        )
    with transaction.atomic():
        locked = lock(Jury, jury)
        settings = ReviewSettings.objects.select_for_update().filter(jury=locked).first()
        if settings is not None and settings.phase not in (
            ReviewPhase.BIDDING,
            ReviewPhase.ASSIGNMENT,
        ):
            raise WorkflowError(
                _("La notation a commencé : le nombre de rapporteurs ne peut plus changer.")
            )
        before = settings.rapporteurs_per_dossier if settings else None
        if settings is None:
            settings = ReviewSettings.objects.create(jury=locked, rapporteurs_per_dossier=count)
        else:
            settings.rapporteurs_per_dossier = count
            settings.save(update_fields=["rapporteurs_per_dossier"])
        audit.record(
            user,
            AuditAction.JURY_CONFIGURE_REVIEW,
            locked,
            data={"rapporteurs_per_dossier": {"old": before, "new": count}},
        )
        return settings


def set_phase(user, jury: Jury, phase: str) -> ReviewSettings:
    """Switch the jury to ``phase``: one step forward, or one step back."""
    require_programme_staff(user, jury)
    clean_choice(phase, ReviewPhase.values, _("Phase inconnue."))
    with transaction.atomic():
        settings = _locked_settings(jury)
        if phase not in PHASE_TRANSITIONS[settings.phase]:
            raise WorkflowError(
                _("On ne passe pas de la phase « %(old)s » à la phase « %(new)s ».")
                % {"old": settings.get_phase_display(), "new": ReviewPhase(phase).label}
            )
        if phase == ReviewPhase.SCORING and settings.phase == ReviewPhase.ASSIGNMENT:
            missing = uncovered_dossiers(jury, settings)
            if missing:
                raise WorkflowError(
                    _(
                        "%(count)s dossier(s) n’ont pas encore leurs %(n)s rapporteurs : "
                        "complétez l’attribution avant d’ouvrir la notation."
                    )
                    % {"count": len(missing), "n": settings.rapporteurs_per_dossier}
                )
        old = settings.phase
        settings.phase = phase
        settings.phase_changed_at = timezone.now()
        settings.save(update_fields=["phase", "phase_changed_at"])
        audit.record(
            user, AuditAction.JURY_SET_PHASE, jury, from_state=old, to_state=phase, data={}
        )
        return settings


def uncovered_dossiers(jury, settings) -> list[int]:
    """Ids of the jury's dossiers with fewer rapporteurs than required."""
    counts = dict.fromkeys(jury_dossiers(jury).values_list("pk", flat=True), 0)
    for dossier_id in RapporteurAssignment.objects.filter(dossier_id__in=counts).values_list(
        "dossier_id", flat=True
    ):
        counts[dossier_id] += 1
    return sorted(pk for pk, n in counts.items() if n < settings.rapporteurs_per_dossier)


# Bids --------------------------------------------------------------------------------------


def place_bid(user, member: JuryMember, dossier, preference: str) -> Bid | None:
    """The member's bid on ``dossier`` (an empty ``preference`` withdraws it)."""
    require(
        user,
        "jury.evaluate",
        member,
        message=_("Seul le membre du jury concerné peut exprimer ce souhait."),
    )
    preference = preference or ""
    clean_choice(preference, ["", *Bid.Preference.values], _("Souhait inconnu."))
    with transaction.atomic():
        locked = lock_member(member)
        settings = settings_of(locked.jury)
        if settings is None or settings.phase != ReviewPhase.BIDDING:
            raise WorkflowError(_("Les souhaits de rapporteur ne sont pas ouverts."))
        if not jury_dossiers(locked.jury).filter(pk=dossier.pk).exists() or _conflicted(
            locked, dossier.pk
        ):
            raise WorkflowError(_("Ce dossier n’est pas examiné par votre jury."))
        old = Bid.objects.filter(member=locked, dossier_id=dossier.pk).first()
        if (old.preference if old else "") == preference:
            return old
        if preference:
            bid, _created = Bid.objects.update_or_create(
                member=locked, dossier_id=dossier.pk, defaults={"preference": preference}
            )
        else:
            bid = None
            Bid.objects.filter(member=locked, dossier_id=dossier.pk).delete()
        audit.record(
            user,
            AuditAction.JURY_BID,
            locked,
            data={
                "dossier": dossier.pk,
                "old": old.preference if old else "",
                "new": preference,
            },
        )
        return bid


def _conflicted(member, dossier_pk) -> bool:
    return ConflictOfInterest.objects.filter(
        member=member, dossier_id=dossier_pk, lifted_at__isnull=True
    ).exists()


# Rapporteurs -------------------------------------------------------------------------------


def assign_rapporteur(user, member: JuryMember, dossier) -> RapporteurAssignment:
    """Staff make ``member`` a rapporteur of ``dossier``."""
    require_programme_staff(user, member.jury)
    with transaction.atomic():
        locked = lock_member(member)
        settings = _locked_settings(locked.jury)
        if settings.phase not in MANUAL_ASSIGNMENT_PHASES:
            raise WorkflowError(
                _("Les rapporteurs se désignent pendant l’attribution ou la notation.")
            )
        if not jury_dossiers(locked.jury).filter(pk=dossier.pk).exists():
            raise WorkflowError(_("Ce dossier n’est pas examiné par ce jury."))
        if _conflicted(locked, dossier.pk):
            raise WorkflowError(
                _("%(name)s est en conflit d’intérêts avec ce dossier.")
                % {"name": locked.public_name}
            )
        try:
            with transaction.atomic():
                assignment = RapporteurAssignment.objects.create(
                    member=locked, dossier_id=dossier.pk, assigned_by=user
                )
        except IntegrityError:
            raise WorkflowError(
                _("%(name)s est déjà rapporteur de ce dossier.") % {"name": locked.public_name}
            ) from None
        audit.record(user, AuditAction.JURY_ASSIGN_RAPPORTEUR, locked, data={"dossier": dossier.pk})
        return assignment


def unassign_rapporteur(user, assignment: RapporteurAssignment) -> None:
    require_programme_staff(user, assignment.member.jury)
    with transaction.atomic():
        settings = _locked_settings(assignment.member.jury)
        if settings.phase not in MANUAL_ASSIGNMENT_PHASES:
            raise WorkflowError(
                _("Les rapporteurs se désignent pendant l’attribution ou la notation.")
            )
        deleted, _rows = RapporteurAssignment.objects.filter(pk=assignment.pk).delete()
        if not deleted:
            raise WorkflowError(_("Ce rapporteur a déjà été retiré."))
        audit.record(
            user,
            AuditAction.JURY_UNASSIGN_RAPPORTEUR,
            assignment.member,
            data={"dossier": assignment.dossier_id},
        )


def build_problem(jury, settings) -> suggestion.Problem:
    """The data the suggestion needs, read in five queries."""
    dossiers = [
        suggestion.DossierInfo(pk=pk, category_id=category_id, ministry_id=ministry_id)
        for pk, category_id, ministry_id in jury_dossiers(jury)
        .order_by("pk")
        .values_list("pk", "category_id", "administration__ministry_id")
    ]
    members = list(jury.members.order_by("pk").values_list("pk", "user_id"))
    member_of_user = {user_id: pk for pk, user_id in members}
    ministries: dict[int, set[int]] = {}
    for user_id, ministry_id in Membership.objects.filter(
        user_id__in=member_of_user, administration__ministry__isnull=False
    ).values_list("user_id", "administration__ministry_id"):
        ministries.setdefault(member_of_user[user_id], set()).add(ministry_id)
    return suggestion.Problem(
        dossiers=dossiers,
        jurors=[pk for pk, _user in members],
        per_dossier=settings.rapporteurs_per_dossier,
        conflicts=set(
            ConflictOfInterest.objects.filter(
                member__jury=jury, lifted_at__isnull=True
            ).values_list("member_id", "dossier_id")
        ),
        bids={
            (m, d): p
            for m, d, p in Bid.objects.filter(member__jury=jury).values_list(
                "member_id", "dossier_id", "preference"
            )
        },
        ministries=ministries,
    )


def apply_suggestion(user, jury: Jury) -> suggestion.Result:
    """Replace the jury's rapporteurs by the suggested assignment (during the assignment)."""
    require_programme_staff(user, jury)
    with transaction.atomic():
        lock(Jury, jury)
        settings = _locked_settings(jury)
        if settings.phase != ReviewPhase.ASSIGNMENT:
            raise WorkflowError(
                _("La suggestion s’applique pendant la phase d’attribution des rapporteurs.")
            )
        result = suggestion.suggest(build_problem(jury, settings))
        if result.uncovered:
            raise WorkflowError(
                _(
                    "Aucune attribution ne respecte toutes les règles pour %(count)s dossier(s) "
                    "(conflits d’intérêts, charge maximale de %(bound)s dossiers par membre) : "
                    "ajoutez des membres ou désignez ces rapporteurs à la main."
                )
                % {"count": len(result.uncovered), "bound": result.load_bound}
            )
        RapporteurAssignment.objects.filter(member__jury=jury).delete()
        now = timezone.now()
        RapporteurAssignment.objects.bulk_create(
            RapporteurAssignment(
                member_id=member_id,
                dossier_id=dossier_id,
                assigned_by=user,
                assigned_at=now,
                suggested=True,
            )
            for dossier_id, member_ids in result.assignments.items()
            for member_id in member_ids
        )
        audit.record(
            user,
            AuditAction.JURY_APPLY_SUGGESTION,
            jury,
            data={"load_bound": result.load_bound, "loads": result.loads()},
        )
        return result
