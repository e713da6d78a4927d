"""Filters and sorting of the staff dossier list (also used by its exports), and the search
of administrations (staff directory, agents asking to join one)."""

from __future__ import annotations

import django_filters
from django.db.models import Case, F, IntegerField, Q, Value, When
from django.utils.translation import gettext_lazy as _

from calls.models import AdministrationKind, Category
from relance.ordering import french
from submissions.forms import FrenchDecimalField
from submissions.models import (
    PRESELECTED_STATES,
    Administration,
    Dossier,
    DossierState,
    Ministry,
    PreselectionDecision,
    compact_siret,
)

# The decision filter also finds the dossiers still waiting for one.
NO_DECISION = "aucune"
ANY_DECISION = "enregistree"
# The state filter also finds every dossier ever preselected (laureates and not selected too).
PRESELECTED_ONCE = "preselectionnes"


class AmountFilter(django_filters.NumberFilter):
    # Accepts « 50 000 » and « 49 999,99 » as typed in French.
    field_class = FrenchDecimalField


class DossierFilter(django_filters.FilterSet):
    """The staff list of one call's dossiers; ``call`` restricts the category choices."""

    q = django_filters.CharFilter(
        label=_("Recherche"),
        method="filter_text",
        help_text=_("Titre, référence, nom ou sigle de l’administration."),
    )
    etat = django_filters.ChoiceFilter(
        label=_("État"),
        method="filter_state",
        # Drafts are never listed to staff: only dossiers submitted at least once.
        choices=[
            *(c for c in DossierState.choices if c[0] != DossierState.DRAFT),
            (PRESELECTED_ONCE, _("Présélectionnés (lauréats et non retenus compris)")),
        ],
        empty_label=_("Tous"),
    )
    decision = django_filters.ChoiceFilter(
        label=_("Décision enregistrée"),
        method="filter_decision",
        choices=[
            (NO_DECISION, _("Aucune décision")),
            (ANY_DECISION, _("Décision enregistrée")),
            *PreselectionDecision.choices,
        ],
        empty_label=_("Toutes"),
    )
    ministere = django_filters.ModelChoiceFilter(
        label=_("Ministère"),
        field_name="administration__ministry",
        queryset=Ministry.objects.order_by(*french("name")),
        empty_label=_("Tous"),
    )
    type = django_filters.ChoiceFilter(
        label=_("Type d’administration"),
        field_name="administration__kind",
        choices=AdministrationKind.choices,
        empty_label=_("Tous"),
    )
    categorie = django_filters.ModelChoiceFilter(
        label=_("Catégorie"),
        field_name="category",
        queryset=Category.objects.none(),
        empty_label=_("Toutes"),
    )
    montant_min = AmountFilter(
        label=_("Cofinancement demandé minimum (€)"),
        field_name="requested_amount",
        lookup_expr="gte",
    )
    montant_max = AmountFilter(
        label=_("Cofinancement demandé maximum (€)"),
        field_name="requested_amount",
        lookup_expr="lte",
    )

    class Meta:
        model = Dossier
        fields: list[str] = []

    def __init__(self, *args, call, **kwargs):
        super().__init__(*args, **kwargs)
        self.call = call
        self.filters["categorie"].queryset = Category.objects.filter(call=call).order_by(
            "order", "pk"
        )

    def filter_text(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        # An OR across the join (dossier title OR administration name) can use no index: it
        # reads every dossier of the call. Each branch of this UNION is served by its own
        # index: the trigram indexes where pg_trgm is installed, the administrations' through
        # the dossiers' foreign key index, and always the list's own (the call): a server
        # without pg_trgm reads only the call's dossiers, never the whole table.
        administrations = Administration.objects.filter(
            Q(name__icontains=value) | Q(acronym__icontains=value)
        ).values("pk")
        branches = [
            Q(title__icontains=value),
            Q(reference__icontains=value),
            Q(administration__in=administrations),
        ]
        # ``order_by()``: the model's ordering would join the calls into every branch.
        first, *others = (queryset.filter(b).order_by().values("pk") for b in branches)
        matching = first.union(*others)
        return queryset.filter(pk__in=matching)

    def filter_state(self, queryset, name, value):
        if value == PRESELECTED_ONCE:
            return queryset.filter(state__in=PRESELECTED_STATES)
        return queryset.filter(state=value)

    def filter_decision(self, queryset, name, value):
        if value == NO_DECISION:
            return queryset.filter(pending_decision="")
        if value == ANY_DECISION:
            return queryset.exclude(pending_decision="")
        return queryset.filter(pending_decision=value)


# States sort in the order of the lifecycle, not alphabetically by their code.
STATE_ORDER = Case(
    *[When(state=value, then=Value(index)) for index, value in enumerate(DossierState.values)],
    output_field=IntegerField(),
)

# ``?tri=`` keys (a leading « - » sorts descending) and what they sort on. Anything else is
# ignored: only these expressions ever reach ``order_by``.
SORTS = {
    "reference": F("number"),
    "titre": F("title"),
    "administration": F("administration__name"),
    "montant": F("requested_amount"),
    "etat": STATE_ORDER,
    "depot": F("submitted_at"),
}
DEFAULT_SORT = "reference"


def parse_sort(value: str | None, keys=SORTS, default: str = DEFAULT_SORT) -> tuple[str, bool]:
    """A ``?tri=`` value among ``keys``: ``"-montant"`` → ``("montant", True)``.

    Unknown values give ``(default, False)``. ``keys`` and ``default`` are the dossier list's
    unless given: other sortable staff lists (the jury's ranking) read their ``?tri=`` here too.
    """
    value = (value or "").strip()
    descending = value.startswith("-")
    key = value[1:] if descending else value
    if key not in keys:
        return default, False
    return key, descending


def sort_dossiers(queryset, value: str | None):
    key, descending = parse_sort(value)
    expression = SORTS[key]
    # Empty amounts last either way; the number breaks ties so pages never overlap.
    expression = expression.desc(nulls_last=True) if descending else expression.asc(nulls_last=True)
    return queryset.order_by(expression, "number")


# Administrations ----------------------------------------------------------------------------

# Words of a search beyond this many are ignored (each one is a condition of the query).
MAX_SEARCH_WORDS = 8


def search_administrations(queryset, text: str):
    """Administrations whose name, acronym or ministry hold every word of ``text``, or whose
    SIRET holds its digits (« 130 025 265 » finds 13002526500013)."""
    words = (text or "").split()[:MAX_SEARCH_WORDS]
    if not words:
        return queryset
    condition = Q()
    for word in words:
        condition &= (
            Q(name__icontains=word)
            | Q(acronym__icontains=word)
            | Q(ministry__name__icontains=word)
            | Q(ministry__acronym__icontains=word)
        )
    digits = compact_siret(" ".join(words))
    if digits.isdigit():
        condition |= Q(siret__contains=digits)
    return queryset.filter(condition)


class AdministrationFilter(django_filters.FilterSet):
    """The staff directory of administrations."""

    q = django_filters.CharFilter(
        label=_("Recherche"),
        method="filter_text",
        max_length=100,
        help_text=_("Nom, sigle, ministère ou SIRET."),
    )
    ministere = django_filters.ModelChoiceFilter(
        label=_("Ministère"),
        field_name="ministry",
        queryset=Ministry.objects.order_by(*french("name")),
        empty_label=_("Tous"),
    )
    type = django_filters.ChoiceFilter(
        label=_("Type d’administration"),
        field_name="kind",
        choices=AdministrationKind.choices,
        empty_label=_("Tous"),
    )

    class Meta:
        model = Administration
        fields: list[str] = []

    def filter_text(self, queryset, name, value):
        return search_administrations(queryset, value)
