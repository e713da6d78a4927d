"""Admin of ministries, administrations and dossiers.

Ministries, administrations and memberships are configuration: every edit and import is
audited. Requests to join an administration are decided on the instruction screens
(``submissions.administrations``): the admin only shows them. Dossier states, references,
preselection decisions, categories and amounts change only through ``submissions.workflow``:
the admin shows them read-only and lets a superuser correct the text of a dossier (audited),
never add or delete one. Attachments are listed by name, size and type, never linked: files
are served only by the permission-checked view.
"""

from django import forms
from django.contrib import admin
from django.db.models import Count
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from import_export.admin import ImportExportModelAdmin
from import_export.forms import ImportForm

from relance.admin import AuditedAdminMixin, AuditedImportMixin, ReadOnlyMixin
from submissions import models
from submissions.resources import AdministrationResource, FrenchCSV, MinistryResource


class ColumnsCheckedImportForm(ImportForm):
    """The import form, which refuses a file that lacks a column of the resource.

    django-import-export would show a traceback (a missing « nom ») or an English error on
    every line (any other column): the file is refused here, with the missing and the
    expected columns named.
    """

    encoding = "utf-8-sig"

    def __init__(self, formats, resources, **kwargs):
        super().__init__(formats, resources, **kwargs)
        self.import_formats = formats
        self.import_resources = resources

    def clean(self):
        cleaned_data = super().clean()
        import_file = cleaned_data.get("import_file")
        if import_file is None or self.has_error("format") or self.has_error("resource"):
            return cleaned_data
        input_format = self.import_formats[int(cleaned_data["format"])]()
        if not input_format.is_binary():
            input_format.encoding = self.encoding
        try:
            headers = input_format.create_dataset(b"".join(import_file.chunks())).headers or []
        except Exception:  # an unreadable file is reported by the import itself
            return cleaned_data
        finally:
            import_file.seek(0)
        resource = self.import_resources[int(cleaned_data.get("resource") or 0)]()
        expected = [field.column_name for field in resource.get_import_fields()]
        missing = [column for column in expected if column not in headers]
        if missing:
            self.add_error(
                "import_file",
                ngettext(
                    "Il manque la colonne %(missing)s. Le fichier doit avoir une première "
                    "ligne avec les colonnes : %(expected)s.",
                    "Il manque les colonnes %(missing)s. Le fichier doit avoir une première "
                    "ligne avec les colonnes : %(expected)s.",
                    len(missing),
                )
                % {
                    "missing": ", ".join(f"« {column} »" for column in missing),
                    "expected": ", ".join(expected),
                },
            )
        return cleaned_data


class CSVImportMixin(AuditedImportMixin):
    """CSV import (comma or semicolon, UTF-8 with or without BOM) plus the usual exports."""

    import_formats = [FrenchCSV]
    from_encoding = "utf-8-sig"
    import_form_class = ColumnsCheckedImportForm

    def has_import_permission(self, request):
        # Importing creates and updates rows: it needs both rights on the model.
        return self.has_add_permission(request) and self.has_change_permission(request)

    def has_export_permission(self, request):
        return self.has_view_permission(request)


# Ministries and administrations -------------------------------------------------------


@admin.register(models.Ministry)
class MinistryAdmin(CSVImportMixin, AuditedAdminMixin, ImportExportModelAdmin):
    resource_classes = [MinistryResource]
    list_display = ["name", "acronym", "administration_count"]
    search_fields = ["name", "acronym"]
    # Explicit: the count's GROUP BY drops the model's ordering, and the autocomplete of the
    # administrations' form pages through this list.
    ordering = ["name"]

    def get_queryset(self, request):
        return (
            super().get_queryset(request).annotate(_administration_count=Count("administrations"))
        )

    @admin.display(description=_("administrations"), ordering="_administration_count")
    def administration_count(self, obj):
        return obj._administration_count


class MembershipInline(admin.TabularInline):
    model = models.Membership
    extra = 0
    autocomplete_fields = ["user"]
    readonly_fields = ["created_at"]


@admin.register(models.Administration)
class AdministrationAdmin(CSVImportMixin, AuditedAdminMixin, ImportExportModelAdmin):
    resource_classes = [AdministrationResource]
    list_display = ["name", "acronym", "kind", "ministry", "siret_display"]
    list_filter = ["kind", "proconnect_auto_attach", "ministry"]
    search_fields = ["name", "acronym", "siret", "ministry__name", "ministry__acronym"]
    list_select_related = ["ministry"]
    autocomplete_fields = ["ministry"]
    inlines = [MembershipInline]

    @admin.display(description=_("SIRET"), ordering="siret")
    def siret_display(self, obj):
        return obj.formatted_siret


@admin.register(models.Membership)
class MembershipAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["user", "administration", "created_at"]
    list_filter = ["administration__kind", "administration__ministry"]
    search_fields = [
        "user__email",
        "user__first_name",
        "user__last_name",
        "administration__name",
        "administration__acronym",
    ]
    list_select_related = ["user", "administration"]
    autocomplete_fields = ["user", "administration"]
    readonly_fields = ["created_at"]


@admin.register(models.MembershipRequest)
class MembershipRequestAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = [
        "user",
        "administration",
        "siret",
        "status",
        "origin",
        "created_at",
        "decided_by",
        "decided_at",
    ]
    list_filter = ["status", "origin"]
    search_fields = [
        "user__email",
        "user__last_name",
        "administration__name",
        "administration__acronym",
        "siret",
    ]
    list_select_related = ["user", "administration", "decided_by"]


# Dossiers ----------------------------------------------------------------------------------


class BudgetLineInline(ReadOnlyMixin, admin.TabularInline):
    model = models.BudgetLine
    fields = ["order", "label", "nature", "amount"]
    readonly_fields = fields


class AttachmentInline(ReadOnlyMixin, admin.TabularInline):
    model = models.Attachment
    # No ``file`` field: its widget would print the storage URL.
    fields = ["original_name", "human_size", "content_type", "description", "uploaded_at"]
    readonly_fields = fields

    @admin.display(description=_("taille"))
    def human_size(self, obj):
        return filesizeformat(obj.size)


class DossierMessageInline(ReadOnlyMixin, admin.StackedInline):
    model = models.DossierMessage
    fields = ["kind", "author", "created_at", "body"]
    readonly_fields = fields


class InternalNoteInline(ReadOnlyMixin, admin.StackedInline):
    model = models.InternalNote
    fields = ["author", "created_at", "body"]
    readonly_fields = fields


# The text of the project: a superuser may correct it (a typo, a pasted fragment) until the
# jury's decision is published. From then on the public results show the title and subtitle,
# and their corrections are result amendments (jury.deliberation), which keep the history
# and date the public page.
CONTENT_FIELDS = [
    name
    for name in models.DOSSIER_CONTENT_FIELDS
    if name not in ("category", *models.BUDGET_FIELDS, *models.CONTACT_FIELDS)
]
# CONTACT_FIELDS are not published: kept correctable so that staff can still reach the
# applicant.
# States in which the jury's decision on the dossier is published.
DECIDED_STATES = {models.DossierState.LAUREATE, models.DossierState.NOT_SELECTED}


class DossierAdminForm(forms.ModelForm):
    class Meta:
        model = models.Dossier
        fields = [*CONTENT_FIELDS, *models.CONTACT_FIELDS]


@admin.register(models.Dossier)
class DossierAdmin(AuditedAdminMixin, admin.ModelAdmin):
    """Text and contact can be corrected (audited); the rest only moves through the workflow.

    Never editable here: the state, the numbering, the preselection decision and its reason,
    the call and administration, and also the category and the amounts: they are what the
    eligibility checks (ceiling, budget), the preselection and the jury decide on, and the
    applicant changes them through the workflow while the dossier is open to edits.
    """

    form = DossierAdminForm
    list_display = [
        "reference",
        "title",
        "administration",
        "call",
        "state",
        "pending_decision",
        "requested_amount",
        "submitted_at",
    ]
    list_filter = [
        "state",
        "call",
        ("administration__ministry", admin.RelatedOnlyFieldListFilter),
        "administration__kind",
        "category",
        "pending_decision",
    ]
    search_fields = ["reference", "title", "administration__name", "administration__acronym"]
    list_select_related = ["call", "administration", "category"]
    date_hierarchy = "submitted_at"
    readonly_fields = [
        "reference",
        "call",
        "administration",
        "state",
        "pending_decision",
        "decision_reason",
        "submitted_at",
        "category",
        "total_budget",
        "requested_amount",
        "created_by",
        "created_at",
        "updated_at",
        "version",
    ]
    fieldsets = [
        (
            _("Dossier"),
            {
                "fields": [
                    "reference",
                    "call",
                    "administration",
                    "state",
                    "submitted_at",
                    "pending_decision",
                    "decision_reason",
                ]
            },
        ),
        (
            _("Projet"),
            {
                "fields": [
                    name
                    for name in models.DOSSIER_CONTENT_FIELDS
                    if name not in models.BUDGET_FIELDS + models.CONTACT_FIELDS
                ]
            },
        ),
        (_("Budget"), {"fields": list(models.BUDGET_FIELDS)}),
        (_("Contact"), {"fields": list(models.CONTACT_FIELDS)}),
        (
            _("Suivi"),
            {"fields": ["created_by", "created_at", "updated_at", "version"]},
        ),
    ]
    inlines = [BudgetLineInline, AttachmentInline, DossierMessageInline, InternalNoteInline]

    def has_add_permission(self, request):
        # Numbering and the reference are allocated by the workflow when a dossier starts.
        return False

    def has_delete_permission(self, request, obj=None):
        # A dossier leaves through withdrawal; deleting it would take its evaluations,
        # conflicts of interest and hearing slot with it.
        return False

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if obj is not None and obj.state in DECIDED_STATES:
            readonly += CONTENT_FIELDS
        return readonly

    def save_model(self, request, obj, form, change):
        # An admin correction makes open applicant forms stale; AuditedAdminMixin records it.
        if form.changed_data:
            obj.version += 1
        super().save_model(request, obj, form, change)


@admin.register(models.BudgetLine)
class BudgetLineAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["dossier", "label", "nature", "amount"]
    list_filter = ["nature"]
    search_fields = ["label", "dossier__reference", "dossier__title"]
    list_select_related = ["dossier"]


@admin.register(models.Attachment)
class AttachmentAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["original_name", "dossier", "human_size", "content_type", "uploaded_at"]
    list_filter = ["content_type"]
    search_fields = ["original_name", "dossier__reference", "dossier__title"]
    list_select_related = ["dossier"]
    fields = [
        "dossier",
        "original_name",
        "human_size",
        "content_type",
        "sha256",
        "description",
        "uploaded_by",
        "uploaded_at",
    ]
    readonly_fields = fields

    @admin.display(description=_("taille"), ordering="size")
    def human_size(self, obj):
        return filesizeformat(obj.size)


@admin.register(models.DossierMessage)
class DossierMessageAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["dossier", "kind", "author", "created_at"]
    list_filter = ["kind"]
    search_fields = ["body", "dossier__reference", "dossier__title"]
    list_select_related = ["dossier", "author"]


@admin.register(models.InternalNote)
class InternalNoteAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["dossier", "author", "created_at"]
    search_fields = ["body", "dossier__reference", "dossier__title"]
    list_select_related = ["dossier", "author"]


@admin.register(models.PreselectionPublication)
class PreselectionPublicationAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = [
        "call",
        "published_at",
        "published_by",
        "preselected_count",
        "not_preselected_count",
    ]
    list_filter = ["call"]
    list_select_related = ["call", "published_by"]
