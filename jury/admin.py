"""Admin of juries, conflicts, hearings, evaluations and results.

Everyday work goes through the staff screens (and the stages' workflow functions); the admin is the
superuser's fallback. The history of published results is read-only.
"""

from django.contrib import admin
from django.db import models

from jury.models import (
    Award,
    ConflictOfInterest,
    Deliberation,
    Evaluation,
    HearingBreak,
    HearingSession,
    HearingSlot,
    Jury,
    JuryMember,
    ResultAmendment,
    Score,
)


class JuryMemberInline(admin.TabularInline):
    model = JuryMember
    extra = 0
    fields = ("user", "public_name", "role", "title", "affiliation", "affiliation_kind")
    autocomplete_fields = ("user",)


@admin.register(Jury)
class JuryAdmin(admin.ModelAdmin):
    list_display = ("__str__", "call", "composition_published", "created_at")
    list_filter = ("composition_published", "call__programme")
    search_fields = ("name", "call__title", "call__slug")
    list_select_related = ("call",)
    inlines = [JuryMemberInline]


@admin.register(JuryMember)
class JuryMemberAdmin(admin.ModelAdmin):
    list_display = ("public_name", "jury", "role", "affiliation_kind", "user", "invited_at")
    list_filter = ("role", "affiliation_kind", "jury")
    search_fields = ("public_name", "user__email", "affiliation", "title")
    list_select_related = ("jury__call", "user")
    autocomplete_fields = ("user",)
    readonly_fields = ("invited_at", "created_at")


@admin.register(ConflictOfInterest)
class ConflictOfInterestAdmin(admin.ModelAdmin):
    list_display = ("member", "dossier", "kind", "declared_at", "lifted_at")
    list_filter = ("kind", ("lifted_at", admin.EmptyFieldListFilter), "member__jury")
    search_fields = ("member__public_name", "dossier__reference", "dossier__title", "comment")
    list_select_related = ("member", "dossier")
    raw_id_fields = ("member", "dossier", "declared_by", "lifted_by")
    date_hierarchy = "declared_at"


class HearingBreakInline(admin.TabularInline):
    model = HearingBreak
    extra = 0


@admin.register(HearingSession)
class HearingSessionAdmin(admin.ModelAdmin):
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
    # Video links are https; say so now rather than rely on the old http default.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


@admin.register(HearingSlot)
class HearingSlotAdmin(admin.ModelAdmin):
    list_display = ("dossier", "session", "starts_at", "ends_at", "absent")
    list_filter = ("absent", "session__jury")
    search_fields = ("dossier__reference", "dossier__title", "dossier__administration__name")
    list_select_related = ("dossier", "session__jury__call")
    raw_id_fields = ("dossier",)


class ScoreInline(admin.TabularInline):
    model = Score
    extra = 0
    raw_id_fields = ("criterion",)


@admin.register(Evaluation)
class EvaluationAdmin(admin.ModelAdmin):
    list_display = ("dossier", "member", "recommendation", "submitted_at", "version", "updated_at")
    list_filter = (
        "recommendation",
        ("submitted_at", admin.EmptyFieldListFilter),
        "member__jury",
    )
    search_fields = ("dossier__reference", "dossier__title", "member__public_name", "comment")
    list_select_related = ("dossier", "member")
    raw_id_fields = ("member", "dossier")
    readonly_fields = ("version", "created_at", "updated_at")
    inlines = [ScoreInline]


@admin.register(Deliberation)
class DeliberationAdmin(admin.ModelAdmin):
    list_display = ("__str__", "held_on", "closed_at", "publish_amounts", "results_updated_at")
    list_filter = (("closed_at", admin.EmptyFieldListFilter), "publish_amounts")
    search_fields = ("jury__name", "jury__call__title", "minutes")
    list_select_related = ("jury__call",)
    raw_id_fields = ("closed_by",)


@admin.register(Award)
class AwardAdmin(admin.ModelAdmin):
    list_display = ("dossier", "decision", "granted_amount", "slug", "recorded_at")
    list_filter = ("decision", "aid_nature", "payment_terms", "dossier__call")
    search_fields = ("dossier__reference", "dossier__title", "slug", "decision_reference")
    list_select_related = ("dossier",)
    raw_id_fields = ("dossier", "recorded_by")
    readonly_fields = ("recorded_at",)


@admin.register(ResultAmendment)
class ResultAmendmentAdmin(admin.ModelAdmin):
    """The history of published results: read-only, it is the record of what changed."""

    list_display = ("at", "kind", "dossier", "actor", "deliberation")
    list_filter = ("kind", "deliberation")
    search_fields = ("dossier__reference", "dossier__title", "reason", "actor__email")
    list_select_related = ("dossier", "actor", "deliberation__jury__call")
    date_hierarchy = "at"

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
