"""Who may see what of a jury's work. Views and workflow functions ask here, nowhere else.

A juror sees the dossiers heard by *their* jury, never one they are in conflict with; the
filtering happens in the queries below, so a forgotten template check cannot leak anything.
A forbidden object answers 404.
"""

import rules
from django.http import Http404

from jury.models import ConflictOfInterest, Jury, JuryMember
from submissions.models import Dossier, DossierState
from submissions.permissions import is_instructor

# States in which a dossier is in the jury's hands (heard, then decided).
JURY_STATES = (DossierState.PRESELECTED, DossierState.LAUREATE, DossierState.NOT_SELECTED)


def _active(user):
    return bool(user and user.is_authenticated and user.is_active)


@rules.predicate
def is_member_of_jury(user, jury):
    if jury is None or not _active(user):
        return False
    return JuryMember.objects.filter(jury=jury, user=user).exists()


@rules.predicate
def is_juror(user):
    return _active(user) and JuryMember.objects.filter(user=user).exists()


rules.add_perm("jury.manage", is_instructor)
rules.add_perm("jury.see_jury", is_instructor | is_member_of_jury)
rules.add_perm("jury.act_as_juror", is_member_of_jury)


def memberships(user):
    """The jury memberships of ``user`` with their jury and call."""
    if not _active(user):
        return JuryMember.objects.none()
    return JuryMember.objects.filter(user=user).select_related("jury__call")


def get_member_or_404(user, jury_id) -> JuryMember:
    """``user``'s membership of jury ``jury_id``, else 404."""
    member = memberships(user).filter(jury_id=jury_id).first() if _active(user) else None
    if member is None:
        raise Http404
    return member


def conflicted_dossier_ids(member):
    return ConflictOfInterest.objects.filter(member=member, lifted_at__isnull=True).values(
        "dossier_id"
    )


def jury_dossiers(jury):
    """Dossiers of the jury's call that are (or were) before the jury."""
    return Dossier.objects.filter(call_id=jury.call_id, state__in=JURY_STATES)


def juror_dossiers(member):
    """The dossiers ``member`` may open: their jury's, minus active conflicts."""
    return jury_dossiers(member.jury).exclude(pk__in=conflicted_dossier_ids(member))


def get_juror_dossier_or_404(member, pk, queryset=None):
    queryset = queryset if queryset is not None else juror_dossiers(member)
    try:
        return queryset.select_related("call", "administration", "category").get(pk=pk)
    except (Dossier.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def get_jury_or_404(user, pk) -> Jury:
    """A jury ``user`` may see (staff: any; juror: their own), else 404."""
    try:
        jury = Jury.objects.select_related("call__programme").get(pk=pk)
    except (Jury.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    if not user.has_perm("jury.see_jury", jury):
        raise Http404
    return jury
