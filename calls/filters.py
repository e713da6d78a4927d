import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from calls.models import Call, CallStatus, Programme

# The public list renders these selects with DSFR markup (see templates/calls/call_list.html).
DSFR_SELECT = forms.Select(attrs={"class": "fr-select"})


class CallFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(
        label=_("Statut"),
        choices=CallStatus.choices,
        method="filter_status",
        empty_label=_("Tous"),
        widget=DSFR_SELECT,
    )
    programme = django_filters.ModelChoiceFilter(
        label=_("Programme"),
        queryset=Programme.objects.public(),
        field_name="programme",
        to_field_name="slug",
        empty_label=_("Tous"),
        widget=DSFR_SELECT,
    )

    class Meta:
        model = Call
        fields = ["status", "programme"]

    def filter_status(self, queryset, name, value):
        # The queryset is already annotated with status_value by the view.
        return queryset.filter(status_value=value)
