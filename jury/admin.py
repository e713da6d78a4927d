"""Admin of juries, conflicts, hearings, evaluations and results.

Everything here is written by the jury's workflows (composition, conflicts, hearings,
scoring, deliberation, results), which check their guards, keep the audit trail and notify:
the admin shows those rows read-only, inlines included, and never deletes them (a conflict
of interest is lifted, not deleted). The only edit left is a jury's name, audited.
"""

from django.contrib import admin
from django.db.models import URLField

from jury import models
from relance.admin import AuditedAdminMixin, ReadOnlyMixin


class JuryMemberInline(ReadOnlyMixin, admin.TabularInline):
    model = models.JuryMember
    fields = ("user", "public_name", "role", "title", "affiliation", "affiliation_kind")
    show_change_link = True


@admin.register(models.Jury)
class JuryAdmin(AuditedAdminMixin, admin.ModelAdmin):
    """A jury is created, and its composition published, from the staff screens."""

    list_display = ("__str__", "call", "composition_published", "created_at")
    list_filter = ("composition_published", "call__programme")
    search_fields = ("name", "call__title", "call__slug")
    list_select_related = ("call",)
    fields = ("call", "name", "composition_published", "created_at")
    readonly_fields = ("call", "composition_published", "created_at")
    inlines = [JuryMemberInline]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        # Deleting a jury would take its members, conflicts, evaluations and deliberation.
        return False


@admin.register(models.JuryMember)
class JuryMemberAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("public_name", "jury", "role", "affiliation_kind", "user", "invited_at")
    list_filter = ("role", "affiliation_kind", "jury")
    search_fields = ("public_name", "user__email", "affiliation", "title")
    list_select_related = ("jury__call", "user")


@admin.register(models.ConflictOfInterest)
class ConflictOfInterestAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("member", "dossier", "kind", "declared_at", "lifted_at")
    list_filter = ("kind", ("lifted_at", admin.EmptyFieldListFilter), "member__jury")
    search_fields = ("member__public_name", "dossier__reference", "dossier__title", "comment")
    list_select_related = ("member", "dossier")
    date_hierarchy = "declared_at"


class HearingBreakInline(ReadOnlyMixin, admin.TabularInline):
    model = models.HearingBreak


@admin.register(models.HearingSession)
class HearingSessionAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = (
        "__str__",
        "jury",
        "date",
        "starts_at",
        "ends_at",
        "slot_minutes",
        "published_at",
    )
    list_filter = ("jury", ("published_at", admin.EmptyFieldListFilter))
    search_fields = ("jury__name", "jury__call__title", "place")
    list_select_related = ("jury__call",)
    inlines = [HearingBreakInline]
    # Read-only, but Django still builds the form to list its fields: say https now rather
    # than rely on the old http default (and its deprecation warning).
    formfield_overrides = {URLField: {"assume_scheme": "https"}}


@admin.register(models.HearingSlot)
class HearingSlotAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("dossier", "session", "starts_at", "ends_at", "absent")
    list_filter = ("absent", "session__jury")
    search_fields = ("dossier__reference", "dossier__title", "dossier__administration__name")
    list_select_related = ("dossier", "session__jury__call")


class ScoreInline(ReadOnlyMixin, admin.TabularInline):
    model = models.Score


@admin.register(models.Evaluation)
class EvaluationAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("dossier", "member", "recommendation", "submitted_at", "version", "updated_at")
    list_filter = (
        "recommendation",
        ("submitted_at", admin.EmptyFieldListFilter),
        "member__jury",
    )
    search_fields = ("dossier__reference", "dossier__title", "member__public_name", "comment")
    list_select_related = ("dossier", "member")
    readonly_fields = ("version", "created_at", "updated_at")
    inlines = [ScoreInline]


@admin.register(models.Deliberation)
class DeliberationAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("__str__", "held_on", "closed_at", "publish_amounts", "results_updated_at")
    list_filter = (("closed_at", admin.EmptyFieldListFilter), "publish_amounts")
    search_fields = ("jury__name", "jury__call__title", "minutes")
    list_select_related = ("jury__call",)


@admin.register(models.Award)
class AwardAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("dossier", "decision", "granted_amount", "session", "slug", "recorded_at")
    list_filter = ("decision", "aid_nature", "payment_terms", "dossier__call")
    search_fields = ("dossier__reference", "dossier__title", "slug", "decision_reference")
    list_select_related = ("dossier", "session")
    readonly_fields = ("recorded_at",)


class AgendaItemInline(ReadOnlyMixin, admin.TabularInline):
    model = models.AgendaItem
    fields = ("dossier", "added_by", "added_at")
    raw_id_fields = ("dossier",)


@admin.register(models.CommitteeSession)
class CommitteeSessionAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """A window's committee sessions: read here, run from the committee screens."""

    list_display = ("__str__", "call", "date", "place", "published_at")
    list_filter = ("call", ("published_at", admin.EmptyFieldListFilter))
    search_fields = ("call__title", "place")
    list_select_related = ("call",)
    inlines = [AgendaItemInline]


@admin.register(models.ResultAmendment)
class ResultAmendmentAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """The history of published results: read-only, it is the record of what changed."""

    list_display = ("at", "kind", "dossier", "actor", "deliberation")
    list_filter = ("kind", "deliberation")
    search_fields = ("dossier__reference", "dossier__title", "reason", "actor__email")
    list_select_related = ("dossier", "actor", "deliberation__jury__call")
    date_hierarchy = "at"
