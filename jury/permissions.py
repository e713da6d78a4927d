"""Who may see what of a jury's work. Views and workflow functions ask here, nowhere else.

A juror sees the dossiers heard by *their* jury, never one they are in conflict with; the
filtering happens in the queries below, so a forgotten template check cannot leak anything.
A forbidden object answers 404.
"""

import rules
from django.http import Http404

from calls.permissions import is_programme_staff
from jury.models import ConflictOfInterest, Jury, JuryMember
from relance.permissions import has_perm, is_active_user
from submissions.models import PRESELECTED_STATES, Dossier

# States in which a dossier is in the jury's hands (heard, then decided): every preselected one.
JURY_STATES = PRESELECTED_STATES


@rules.predicate
def is_the_member(user, member):
    """``member`` is ``user``'s own membership (no query: compares ids)."""
    return member is not None and is_active_user(user) and member.user_id == user.pk


# Staff pages of a jury need ``calls.instruct`` on its call (see ``get_staff_jury_or_404``); a juror
# reaches their jury's pages through their membership (``get_member_or_404``), which
# filters in the query itself.
rules.add_perm("jury.declare_conflict", is_programme_staff | is_the_member)
rules.add_perm("jury.evaluate", is_the_member)


def memberships(user):
    """The jury memberships of ``user`` with their jury and call."""
    if not is_active_user(user):
        return JuryMember.objects.none()
    return JuryMember.objects.filter(user=user).select_related("jury__call")


def get_member_or_404(user, jury_id) -> JuryMember:
    """``user``'s membership of jury ``jury_id``, else 404."""
    member = memberships(user).filter(jury_id=jury_id).first() if is_active_user(user) else None
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


def get_staff_jury_or_404(user, call_slug) -> Jury:
    """The jury of call ``call_slug`` for the staff screens (one jury per call), else 404."""
    try:
        jury = Jury.objects.select_related("call__programme").get(call__slug=call_slug)
    except Jury.DoesNotExist:
        raise Http404 from None
    if not has_perm(user, "calls.instruct", jury):
        raise Http404
    return jury
