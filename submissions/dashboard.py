"""Where each call stands, for the instruction pages: its funnel and its next step.

``/instruction/`` (every call) and each call's page show the same numbers, computed here from
one definition each. ``submissions`` counts its dossiers in one aggregate query (whatever the
number of calls or dossiers); the numbers and next steps only the jury knows come through
``submissions.extensions``, registered by the jury at startup.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from relance.formatting import PARIS
from submissions.extensions import (
    FunnelNumber,
    NextStep,
    funnel_contributions,
    next_step_providers,
)
from submissions.filters import PRESELECTED_ONCE
from submissions.models import PRESELECTED_STATES, Dossier, DossierState, PreselectionDecision

S = DossierState
# States a preselection decision is recorded on, then published (the workflow's).
AWAITING_PRESELECTION = (S.SUBMITTED, S.INCOMPLETE)
# A window has no preselection (its committee decides each dossier): these numbers would
# count its decided dossiers as « Présélectionnés ».
ROUND_ONLY = frozenset({"preselected", "not_preselected", "pending_preselection"})


def counted(p: str = "") -> dict[str, Q]:
    """What each number of ``submissions`` counts, as a filter on the dossiers of the call.

    ``p`` is the path from the queried model to the dossiers (``"dossiers__"`` from a call).
    The facts after the shown numbers are read by the next steps and the publication page.
    """
    once = Q(**{f"{p}submitted_at__isnull": False})
    awaiting = once & Q(**{f"{p}state__in": AWAITING_PRESELECTION})

    def state(value):
        return once & Q(**{f"{p}state": value})

    def pending(values):
        return awaiting & Q(**{f"{p}pending_decision__in": values})

    return {
        "draft": Q(**{f"{p}state": S.DRAFT}),
        "submitted": once,
        "in_review": state(S.SUBMITTED),
        "incomplete": state(S.INCOMPLETE),
        "preselected": once & Q(**{f"{p}state__in": PRESELECTED_STATES}),
        "laureate": state(S.LAUREATE),
        "not_selected": state(S.NOT_SELECTED),
        "not_preselected": state(S.NOT_PRESELECTED),
        "withdrawn": state(S.WITHDRAWN),
        "pending_preselection": pending(PreselectionDecision.values),
        # Facts.
        "pending_preselected": pending([PreselectionDecision.PRESELECTED]),
        "pending_not_preselected": pending([PreselectionDecision.NOT_PRESELECTED]),
        # Submitted without a decision: the publication of the preselection waits for them.
        "undecided": state(S.SUBMITTED) & Q(**{f"{p}pending_decision": ""}),
        # Preselected, the jury's decision not yet published.
        "before_jury": state(S.PRESELECTED),
    }


def _list_url(query=""):
    def url(call, values):
        base = reverse("submissions:instruction_call", kwargs={"call_slug": call.slug})
        return f"{base}?{query}" if query else base

    return url


NUMBERS = (
    FunnelNumber(
        "draft",
        _("Brouillons"),
        _(
            "Dossiers créés mais jamais déposés : ils restent à leur administration et ne "
            "sont pas listés ici."
        ),
    ),
    FunnelNumber(
        "submitted",
        _("Déposés"),
        _(
            "Dossiers déposés au moins une fois, quel que soit leur état aujourd’hui (retirés "
            "compris), comme dans les statistiques publiques."
        ),
        url=_list_url(),
    ),
    FunnelNumber(
        "in_review",
        _("En instruction"),
        _("Déposés qui attendent la publication de la présélection (état « Déposé »)."),
        url=_list_url(f"etat={S.SUBMITTED}"),
    ),
    FunnelNumber(
        "incomplete",
        _("À compléter"),
        _("Compléments demandés à l’administration, pas encore renvoyés."),
        url=_list_url(f"etat={S.INCOMPLETE}"),
    ),
    FunnelNumber(
        "preselected",
        _("Présélectionnés"),
        _(
            "Tous les dossiers retenus à la présélection publiée : devant le jury, lauréats ou "
            "non retenus."
        ),
        url=_list_url(f"etat={PRESELECTED_ONCE}"),
    ),
    FunnelNumber(
        "laureate",
        _("Lauréats"),
        _("Présélectionnés retenus par le jury, résultats publiés."),
        url=_list_url(f"etat={S.LAUREATE}"),
    ),
    FunnelNumber(
        "not_selected",
        _("Non retenus"),
        _("Présélectionnés que le jury n’a pas retenus, résultats publiés."),
        url=_list_url(f"etat={S.NOT_SELECTED}"),
    ),
    FunnelNumber(
        "not_preselected",
        _("Non présélectionnés"),
        _("Déposés écartés à la présélection publiée."),
        url=_list_url(f"etat={S.NOT_PRESELECTED}"),
    ),
    FunnelNumber(
        "withdrawn",
        _("Retirés"),
        _("Retirés par leur administration après leur dépôt."),
        url=_list_url(f"etat={S.WITHDRAWN}"),
    ),
    FunnelNumber(
        "pending_preselection",
        _("Décisions de présélection à publier"),
        _(
            "Décisions de présélection enregistrées : les administrations ne les connaissent "
            "qu’à la publication."
        ),
        url=_list_url("decision=enregistree"),
    ),
)


def aggregates(prefix: str = "") -> dict:
    """``Count`` aggregates of every number and fact, named ``n_<key>``: one query for all.

    ``prefix`` is the path from the queried model to the dossiers (``"dossiers__"`` from a
    call); each count is a ``FILTER`` clause of the same aggregate.
    """
    return {
        f"n_{key}": Count(f"{prefix}pk", filter=condition)
        for key, condition in counted(prefix).items()
    }


def _values_of(row) -> dict:
    """The counts of ``row`` (a call annotated with, or a dict aggregated by, ``aggregates``)."""
    get = row.get if isinstance(row, dict) else lambda name: getattr(row, name)
    return {key: get(f"n_{key}") or 0 for key in counted()}


def funnel_numbers() -> tuple[FunnelNumber, ...]:
    """Every number shown, in order: ``submissions``' with the contributed ones inserted."""
    numbers = list(NUMBERS)
    for contribution in funnel_contributions():
        for number in contribution.numbers:
            keys = [n.key for n in numbers]
            index = keys.index(number.after) + 1 if number.after in keys else len(numbers)
            numbers.insert(index, number)
    return tuple(numbers)


@dataclass
class FunnelRow:
    key: str
    label: str
    definition: str
    value: int
    url: str = ""
    applicable: bool = True  # False: the number has no meaning for this call (shown « — »)


@dataclass
class CallProgress:
    call: object
    values: dict
    rows: list[FunnelRow] = field(default_factory=list)
    next_step: NextStep | None = None
    # Why there is no next step, when there is none.
    note: str = ""

    def value(self, key) -> int:
        return self.values.get(key, 0)


def preselection_step(call, values, now) -> NextStep | None:
    """« Publier la présélection », while decisions are to record or to publish.

    Never on a call whose results are published, nor on a round still open (the workflow
    publishes a round's preselection once it has closed).
    """
    if call.results_published_at is not None or call.is_continuous:
        # A window has no preselection: its committee decides dossier by dossier.
        return None
    if call.closes_at is not None and now < call.closes_at:
        return None
    undecided, pending = values["undecided"], values["pending_preselection"]
    if not (undecided or pending):
        return None
    if undecided:
        detail = ngettext(
            "%(n)s dossier déposé attend encore une décision.",
            "%(n)s dossiers déposés attendent encore une décision.",
            undecided,
        ) % {"n": undecided}
    else:
        detail = ngettext(
            "%(n)s décision enregistrée, prête à publier.",
            "%(n)s décisions enregistrées, prêtes à publier.",
            pending,
        ) % {"n": pending}
    return NextStep(
        "publish_preselection",
        str(_("Publier la présélection")),
        reverse("submissions:instruction_publish", kwargs={"call_slug": call.slug}),
        detail,
    )


def _day(value) -> str:
    return date_format(timezone.localtime(value, PARIS), "j F Y")


def _note(call, values, now) -> str:
    if call.is_continuous and now >= call.opens_at:
        if not values["submitted"]:
            return str(_("Guichet ouvert : aucun dossier déposé pour l’instant."))
        return str(
            _("Guichet ouvert : %(n)s dossier(s) en instruction.")
            % {"n": values["in_review"] + values["incomplete"]}
        )
    if call.results_published_at is not None:
        return str(_("Résultats publiés le %(date)s.") % {"date": _day(call.results_published_at)})
    if now < call.opens_at:
        return str(_("Ouverture le %(date)s.") % {"date": _day(call.opens_at)})
    if call.closes_at is not None and now < call.closes_at:
        return str(
            _("Dépôts jusqu’au %(date)s : la présélection se publie après la clôture.")
            % {"date": _day(call.closes_at)}
        )
    if not values["submitted"]:
        return str(_("Aucun dossier déposé."))
    if values["incomplete"]:
        return str(_("En attente des compléments demandés."))
    if not values["preselected"]:
        return str(_("Aucun dossier présélectionné."))
    return ""


def progress(call, values, now=None) -> CallProgress:
    """The progress of ``call`` from all its values (``submissions``' and contributed)."""
    now = now or timezone.now()
    rows = []
    for number in funnel_numbers():
        if call.is_continuous and number.key in ROUND_ONLY:
            rows.append(
                FunnelRow(number.key, str(number.label), str(number.definition), 0, "", False)
            )
            continue
        value = values.get(number.key, 0)
        url = number.url(call, values) if number.url else ""
        rows.append(FunnelRow(number.key, str(number.label), str(number.definition), value, url))
    step = preselection_step(call, values, now)
    for provider in next_step_providers():
        if step is not None:
            break
        step = provider.next_step(call, values)
    note = "" if step is not None else _note(call, values, now)
    return CallProgress(call, values, rows, step, note)


def progress_of(calls, base_values, now=None) -> list[CallProgress]:
    """The progress of each call, ``base_values`` being ``submissions``' counts by call pk."""
    now = now or timezone.now()
    values = {call.pk: dict(base_values[call.pk]) for call in calls}
    for contribution in funnel_contributions():
        contributed = contribution.values(calls, now)
        for call in calls:
            added = contributed.get(call.pk, {})
            taken = values[call.pk].keys() & added.keys()
            if taken:
                # Each value has one meaning on every page: a contribution never redefines one.
                raise ValueError(f"{contribution.name} redefines {sorted(taken)}")
            values[call.pk].update(added)
    keys = {number.key for number in funnel_numbers()}
    for call_values in values.values():
        for key in keys:
            call_values.setdefault(key, 0)
    return [progress(call, values[call.pk], now) for call in calls]


def calls_progress(calls_queryset, now=None) -> list[CallProgress]:
    """The progress of every call of ``calls_queryset``: one query for ``submissions``' counts."""
    calls = list(calls_queryset.annotate(**aggregates("dossiers__")))
    return progress_of(calls, {call.pk: _values_of(call) for call in calls}, now)


def dossier_counts(call) -> dict:
    """``submissions``' numbers and facts of one call, in one query."""
    return _values_of(Dossier.objects.filter(call=call).aggregate(**aggregates()))


def call_progress(call, now=None) -> CallProgress:
    """The progress of one call (one query for ``submissions``' counts)."""
    [result] = progress_of([call], {call.pk: dossier_counts(call)}, now)
    return result
