"""The jury's part of a call's progress on the instruction pages (``submissions.dashboard``).

Registered at startup (``JuryConfig.ready``) through ``submissions.extensions``, so that
``submissions`` never imports the jury: the numbers only the jury knows (« Auditionnés »,
the jury's decisions still to publish), the facts its next steps read (jury, members,
hearing sessions, deliberation), and the next steps after the preselection, each linking to
the jury screen where it is done. Two queries for all the calls of a page.
"""

from __future__ import annotations

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from jury.models import Jury, heard
from submissions.extensions import FunnelContribution, FunnelNumber, NextStep, NextStepProvider
from submissions.models import Dossier, DossierState

S = DossierState


def _jury_url(name):
    def url(call, values):
        if not values["jury"]:
            return ""
        return reverse(name, kwargs={"call_slug": call.slug})

    return url


NUMBERS = (
    FunnelNumber(
        "heard",
        gettext_lazy("Auditionnés"),
        gettext_lazy(
            "Présélectionnés entendus par le jury : audition passée, administration présente "
            "(comme dans les statistiques publiques)."
        ),
        after="preselected",
        url=_jury_url("jury:hearing_sessions"),
    ),
    FunnelNumber(
        "pending_committee",
        gettext_lazy("Décisions du comité à publier"),
        gettext_lazy(
            "Guichet en continu : décisions enregistrées en séance du comité, connues des "
            "administrations à la publication de la séance."
        ),
        after="pending_preselection",
        url=lambda call, values: (
            reverse("jury:committee_sessions", kwargs={"call_slug": call.slug})
            if call.is_continuous
            else ""
        ),
    ),
    FunnelNumber(
        "pending_awards",
        gettext_lazy("Décisions du jury à publier"),
        gettext_lazy(
            "Décisions enregistrées à la délibération : les administrations ne les connaissent "
            "qu’à la publication des résultats."
        ),
        after="pending_preselection",
        url=_jury_url("jury:deliberation"),
    ),
)


# Every value this module gives a call, 0 until counted.
KEYS = (
    "heard",
    "scheduled",
    "unscheduled",
    "without_award",
    "pending_awards",
    "jury",
    "jury_members",
    "hearing_sessions",
    "unpublished_sessions",
    "deliberation_closed",
    # A window's committee.
    "pending_committee",
    "awaiting_session",
    "undecided_on_agenda",
    "ready_sessions",
)


def jury_values(calls, now) -> dict[int, dict[str, int]]:
    """The jury's numbers and facts of each call, in two queries whatever their number."""
    ids = [call.pk for call in calls]
    result = {pk: dict.fromkeys(KEYS, 0) for pk in ids}
    before_jury = Q(state=S.PRESELECTED)
    dossiers = (
        Dossier.objects.filter(call_id__in=ids)
        .values("call_id")
        .annotate(
            heard=Count("pk", filter=heard(now, prefix="hearing_slot__")),
            scheduled=Count("pk", filter=Q(hearing_slot__isnull=False)),
            unscheduled=Count("pk", filter=before_jury & Q(hearing_slot__isnull=True)),
            without_award=Count("pk", filter=before_jury & Q(award__isnull=True)),
            pending_awards=Count("pk", filter=before_jury & Q(award__isnull=False)),
            # A window: instructed dossiers on no agenda, on an agenda without a decision,
            # decided in a session not yet published.
            awaiting_session=Count(
                "pk",
                filter=Q(state=S.SUBMITTED, agenda_item__isnull=True) & ~Q(proposal=""),
            ),
            undecided_on_agenda=Count(
                "pk",
                filter=Q(
                    agenda_item__session__published_at__isnull=True,
                    agenda_item__isnull=False,
                    award__isnull=True,
                ),
            ),
            pending_committee=Count(
                "pk",
                filter=Q(
                    state=S.SUBMITTED,
                    award__session__isnull=False,
                    award__session__published_at__isnull=True,
                ),
            ),
        )
        .order_by()
    )
    for row in dossiers:
        result[row.pop("call_id")].update(row)
    juries = (
        Jury.objects.filter(call_id__in=ids)
        .values("call_id", "deliberation__closed_at")
        .annotate(
            jury_members=Count("members", distinct=True),
            hearing_sessions=Count("sessions", distinct=True),
            unpublished_sessions=Count(
                "sessions", filter=Q(sessions__published_at__isnull=True), distinct=True
            ),
        )
        .order_by()
    )
    for row in juries:
        closed_at = row.pop("deliberation__closed_at")
        result[row.pop("call_id")].update(
            row, jury=1, deliberation_closed=int(closed_at is not None)
        )
    return result


def committee_step(call, values) -> NextStep | None:
    """A window: put instructed dossiers on an agenda, decide them, publish the session."""
    url = reverse("jury:committee_sessions", kwargs={"call_slug": call.slug})
    if values["pending_committee"] and not values["undecided_on_agenda"]:
        n = values["pending_committee"]
        return NextStep(
            "publish_committee",
            _("Publier les décisions du comité"),
            url,
            ngettext(
                "%(n)s décision du comité prête à publier.",
                "%(n)s décisions du comité prêtes à publier.",
                n,
            )
            % {"n": n},
        )
    if values["undecided_on_agenda"]:
        n = values["undecided_on_agenda"]
        return NextStep(
            "decide_committee",
            _("Réunir le comité"),
            url,
            ngettext(
                "%(n)s dossier à l’ordre du jour attend la décision du comité.",
                "%(n)s dossiers à l’ordre du jour attendent la décision du comité.",
                n,
            )
            % {"n": n},
        )
    if values["awaiting_session"]:
        n = values["awaiting_session"]
        return NextStep(
            "committee_agenda",
            _("Inscrire des dossiers au comité"),
            url,
            ngettext(
                "%(n)s dossier instruit attend une séance du comité.",
                "%(n)s dossiers instruits attendent une séance du comité.",
                n,
            )
            % {"n": n},
        )
    return None


def next_step(call, values) -> NextStep | None:
    """Once the preselection is published: the jury, the hearings, the deliberation, then the
    publication of the results; nothing once they are published. A window: its committee."""
    if call.is_continuous:
        return committee_step(call, values)
    if call.results_published_at is not None or not values["before_jury"]:
        return None

    def step(key, label, name, detail):
        return NextStep(key, label, reverse(name, kwargs={"call_slug": call.slug}), detail)

    waiting = values["before_jury"]
    if not values["jury"] or not values["jury_members"]:
        return step(
            "constitute_jury",
            _("Constituer le jury"),
            "jury:staff_jury",
            ngettext(
                "%(n)s dossier présélectionné attend son jury.",
                "%(n)s dossiers présélectionnés attendent leur jury.",
                waiting,
            )
            % {"n": waiting},
        )
    if values["unscheduled"] or values["unpublished_sessions"]:
        unscheduled = values["unscheduled"]
        detail = (
            ngettext(
                "%(n)s dossier présélectionné n’a pas encore de créneau d’audition.",
                "%(n)s dossiers présélectionnés n’ont pas encore de créneau d’audition.",
                unscheduled,
            )
            % {"n": unscheduled}
            if unscheduled
            else _("Le planning n’est pas encore publié aux administrations et au jury.")
        )
        return step("plan_hearings", _("Planifier les auditions"), "jury:hearing_sessions", detail)
    if values["without_award"]:
        return step(
            "deliberate",
            _("Délibérer"),
            "jury:deliberation",
            _(
                "Auditionnés : %(heard)s sur %(scheduled)s. Décisions du jury enregistrées : "
                "%(decided)s sur %(total)s."
            )
            % {
                "heard": values["heard"],
                "scheduled": values["scheduled"],
                "decided": values["pending_awards"],
                "total": waiting,
            },
        )
    return step(
        "publish_results",
        _("Publier les résultats"),
        "jury:deliberation_publish",
        ngettext(
            "%(n)s décision du jury prête à publier.",
            "%(n)s décisions du jury prêtes à publier.",
            values["pending_awards"],
        )
        % {"n": values["pending_awards"]},
    )


FUNNEL = FunnelContribution(name="jury", numbers=NUMBERS, values=jury_values)
NEXT_STEPS = NextStepProvider(name="jury", next_step=next_step)
