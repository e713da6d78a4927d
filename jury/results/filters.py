"""Filters of the public laureates list.

Every choice offered comes from published results only (``jury.results.published``): a filter never
reveals a programme, call, category or ministry that has no published laureate. A window is
offered once one of its committee sessions is published.
"""

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from calls.models import AdministrationKind, Programme
from jury.results.published import decisions_published_at, published_calls, published_laureates
from relance.ordering import french
from submissions.models import Ministry

DSFR_SELECT = forms.Select(attrs={"class": "fr-select"})

# The query parameters of the list, in the order the form shows them.
PARAMETERS = ("q", "programme", "appel", "categorie", "ministere", "type")


def _programmes(request):
    return Programme.objects.filter(pk__in=published_calls().values("programme")).order_by(
        "title", "pk"
    )


def _calls(request):
    return (
        published_calls()
        .annotate(decided_at=decisions_published_at())
        .order_by("-decided_at", "title", "pk")
    )


def _ministries(request):
    return Ministry.objects.filter(
        pk__in=published_laureates().values("dossier__administration__ministry")
    ).order_by(*french("name"), "pk")


def _category_choices():
    # Named categories recur from one round to the next: one choice per name.
    names = (
        published_laureates()
        .exclude(dossier__category=None)
        .order_by("dossier__category__name")
        .values_list("dossier__category__name", flat=True)
        .distinct()
    )
    return [(name, name) for name in names]


class LaureateFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Rechercher"),
        method="search",
        widget=forms.TextInput(attrs={"class": "fr-input", "type": "search"}),
        help_text=_("Titre, sous-titre, nom ou sigle de l’administration"),
    )
    programme = django_filters.ModelChoiceFilter(
        label=_("Programme"),
        field_name="dossier__call__programme",
        queryset=_programmes,
        to_field_name="slug",
        empty_label=_("Tous"),
        widget=DSFR_SELECT,
    )
    appel = django_filters.ModelChoiceFilter(
        label=_("Appel"),
        field_name="dossier__call",
        queryset=_calls,
        to_field_name="slug",
        empty_label=_("Tous"),
        widget=DSFR_SELECT,
    )
    categorie = django_filters.ChoiceFilter(
        label=_("Catégorie"),
        field_name="dossier__category__name",
        choices=_category_choices,
        empty_label=_("Toutes"),
        widget=DSFR_SELECT,
    )
    ministere = django_filters.ModelChoiceFilter(
        label=_("Ministère"),
        field_name="dossier__administration__ministry",
        queryset=_ministries,
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
