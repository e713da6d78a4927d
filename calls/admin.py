"""Django admin of programmes, calls, categories and criteria.

The status of a call is derived from its dates: the change list shows it through the SQL
annotation (one query for the page), and filters on it the same way. The publication date
of results is read-only: the results workflow sets it. Every creation, change and deletion
here, categories and criteria edited on the call's page included, writes an audit entry.
"""

from django import forms
from django.contrib import admin
from django.contrib.admin import widgets
from django.db import models
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from calls.models import AdministrationKind, Call, CallStatus, Category, Criterion, Programme
from relance.admin import AuditedAdminMixin

SHORT_TEXTAREA = {models.TextField: {"widget": forms.Textarea(attrs={"rows": 2, "cols": 40})}}


class CallStatusFilter(admin.SimpleListFilter):
    title = _("statut")
    parameter_name = "statut"

    def lookups(self, request, model_admin):
        return CallStatus.choices

    def queryset(self, request, queryset):
        if self.value() in CallStatus.values:
            # The admin queryset is annotated with status_value (see CallAdmin.get_queryset).
            return queryset.filter(status_value=self.value())
        return queryset


class CallAdminForm(forms.ModelForm):
    eligible_kinds = forms.MultipleChoiceField(
        label=_("Administrations éligibles"),
        choices=AdministrationKind.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": _("Cochez au moins un type d’administration éligible."),
            "invalid_choice": _("« %(value)s » n’est pas un type d’administration connu."),
        },
        help_text=_(
            "Les autres types sont dirigés vers l’orientation ci-dessous, si elle est remplie."
        ),
    )

    # Declared to give a scheme to links typed without one (https, as Django 6 will).
    ineligible_link = Call._meta.get_field("ineligible_link").formfield(
        assume_scheme="https", widget=widgets.AdminURLFieldWidget
    )

    class Meta:
        model = Call
        # The admin's fieldsets choose what is shown; editable=False fields never are.
        fields = [
            "programme",
            "kind",
            "number",
            "title",
            "slug",
            "summary",
            "opens_at",
            "closes_at",
            "eligible_kinds",
            "ineligible_note",
            "ineligible_link",
            "amount_ceiling",
            "description",
            "how_to_apply",
            "is_public",
            "is_demo",
        ]

    def clean_eligible_kinds(self):
        chosen = set(self.cleaned_data["eligible_kinds"])
        # Stored in the order of the choices, whatever the order of the checkboxes sent.
        return [kind for kind in AdministrationKind.values if kind in chosen]


class UniqueInCallFormSet(forms.BaseInlineFormSet):
    """Names the duplicated column in words (Django would give the field's code name)."""

    def get_unique_error_message(self, unique_check):
        labels = [
            str(self.model._meta.get_field(name).verbose_name)
            for name in unique_check
            if name != self.fk.name
        ]
        return _(
            "Deux lignes portent la même valeur pour « %(fields)s » : "
            "elle doit être unique dans l’appel."
        ) % {"fields": ", ".join(labels)}


class CategoryInline(admin.TabularInline):
    model = Category
    formset = UniqueInCallFormSet
    fields = ["order", "name", "description"]
    extra = 0
    formfield_overrides = SHORT_TEXTAREA


class CriterionInline(admin.TabularInline):
    model = Criterion
    formset = UniqueInCallFormSet
    fields = ["order", "label", "description", "weight", "scale_max"]
    extra = 0
    formfield_overrides = SHORT_TEXTAREA


@admin.register(Programme)
class ProgrammeAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["title", "operator", "is_public", "call_count", "updated_at"]
    list_filter = ["is_public"]
    search_fields = ["title", "slug", "operator", "summary"]
    prepopulated_fields = {"slug": ["title"]}
    fieldsets = [
        (None, {"fields": ["title", "slug", "operator", "is_public"]}),
        (_("Présentation"), {"fields": ["summary", "description"]}),
        (_("Données ouvertes"), {"fields": ["aid_scheme_id"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(call_count=Count("calls"))

    @admin.display(description=_("appels"), ordering="call_count")
    def call_count(self, obj):
        return obj.call_count


@admin.register(Call)
class CallAdmin(AuditedAdminMixin, admin.ModelAdmin):
    form = CallAdminForm
    inlines = [CategoryInline, CriterionInline]
    list_display = [
        "title",
        "programme",
        "kind",
        "number",
        "status_display",
        "opens_at",
        "closes_at",
        "is_public",
        "is_demo",
    ]
    list_filter = [CallStatusFilter, "programme", "kind", "is_public", "is_demo"]
    list_select_related = ["programme"]
    search_fields = ["title", "slug", "summary", "programme__title"]
    prepopulated_fields = {"slug": ["title"]}
    date_hierarchy = "opens_at"
    ordering = ["-opens_at", "title"]
    readonly_fields = ["results_published_at", "status_display"]
    fieldsets = [
        (None, {"fields": ["programme", "kind", "number", "title", "slug", "summary"]}),
        (
            _("Calendrier (heure de Paris)"),
            {
                "fields": ["opens_at", "closes_at", "status_display", "results_published_at"],
                "description": _(
                    "L’appel est ouvert de l’ouverture incluse à la clôture exclue. "
                    "Le statut en découle ; la date de publication des résultats est "
                    "renseignée par la publication des résultats."
                ),
            },
        ),
        (
            _("Éligibilité et montant"),
            {
                "fields": [
                    "eligible_kinds",
                    "ineligible_note",
                    "ineligible_link",
                    "amount_ceiling",
                ]
            },
        ),
        (_("Contenu de la page"), {"fields": ["description", "how_to_apply"]}),
        (_("Publication"), {"fields": ["is_public", "is_demo"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).with_status()

    @admin.display(description=_("statut"), ordering="status_value")
    def status_display(self, obj):
        if obj.pk is None:
            return "—"
        return obj.status.label


@admin.register(Category)
class CategoryAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "call", "order"]
    list_filter = ["call__programme", "call"]
    list_select_related = ["call"]
    search_fields = ["name", "description", "call__title"]
    autocomplete_fields = ["call"]
    ordering = ["call__title", "order", "pk"]
    fields = ["call", "order", "name", "description"]


@admin.register(Criterion)
class CriterionAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["label", "call", "weight", "scale_max", "order"]
    list_filter = ["call__programme", "call"]
    list_select_related = ["call"]
    search_fields = ["label", "description", "call__title"]
    autocomplete_fields = ["call"]
    ordering = ["call__title", "order", "pk"]
    fields = ["call", "order", "label", "description", "weight", "scale_max"]
