"""Filters of the public laureates list.

Every choice offered comes from published results only (``jury.results.published``): a filter never
reveals a programme, call, category or ministry that has no published laureate. A window is
offered once one of its committee sessions is published.
"""

import django_filters
from django import forms
from django.core.cache import cache
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from calls.models import AdministrationKind, Programme
from jury.results.cache import CACHE_SECONDS, results_version
from jury.results.published import decisions_published_at, published_calls, published_laureates
from relance.ordering import french
from submissions.models import Ministry

DSFR_SELECT = forms.Select(attrs={"class": "fr-select"})

# The query parameters of the list, in the order the form shows them.
PARAMETERS = ("q", "programme", "appel", "categorie", "ministere", "type")


def _choices():
    """The values each filter offers, as plain lists: four short queries, no count."""
    programmes = Programme.objects.filter(pk__in=published_calls().values("programme"))
    calls = published_calls().annotate(decided_at=decisions_published_at())
    ministries = Ministry.objects.filter(
        pk__in=published_laureates().values("dossier__administration__ministry")
    )
    # Named categories recur from one round to the next: one choice per name.
    categories = (
        published_laureates()
        .exclude(dossier__category=None)
        .order_by("dossier__category__name")
        .values_list("dossier__category__name", flat=True)
        .distinct()
    )
    return {
        "programme": list(programmes.order_by("title", "pk").values_list("slug", "title")),
        "appel": list(calls.order_by("-decided_at", "title", "pk").values_list("slug", "title")),
        "categorie": [(name, name) for name in categories],
        "ministere": [
            (str(pk), name)
            for pk, name in ministries.order_by(*french("name"), "pk").values_list("pk", "name")
        ],
    }


def published_choices(request=None):
    """:func:`_choices`, read once per results version: they change only with results."""
    key = f"laureate-filters:{results_version(request)}"
    return cache.get_or_set(key, _choices, CACHE_SECONDS)


class LaureateFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Rechercher"),
        method="search",
        widget=forms.TextInput(attrs={"class": "fr-input", "type": "search"}),
        help_text=_("Titre, sous-titre, nom ou sigle de l’administration"),
    )
    programme = django_filters.ChoiceFilter(
        label=_("Programme"),
        field_name="dossier__call__programme__slug",
        empty_label=_("Tous"),
        widget=DSFR_SELECT,
    )
    appel = django_filters.ChoiceFilter(
        label=_("Appel"),
        field_name="dossier__call__slug",
        empty_label=_("Tous"),
        widget=DSFR_SELECT,
    )
    categorie = django_filters.ChoiceFilter(
        label=_("Catégorie"),
        field_name="dossier__category__name",
        empty_label=_("Toutes"),
        widget=DSFR_SELECT,
    )
    ministere = django_filters.ChoiceFilter(
        label=_("Ministère"),
        field_name="dossier__administration__ministry",
        empty_label=_("Tous"),
        widget=DSFR_SELECT,
    )
    type = django_filters.ChoiceFilter(
        label=_("Type d’administration"),
        field_name="dossier__administration__kind",
        choices=AdministrationKind.choices,
        empty_label=_("Tous"),
        widget=DSFR_SELECT,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, choices in published_choices(self.request).items():
            self.filters[name].extra["choices"] = choices

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(dossier__title__icontains=value)
            | Q(dossier__subtitle__icontains=value)
            | Q(dossier__administration__name__icontains=value)
            | Q(dossier__administration__acronym__icontains=value)
        )
