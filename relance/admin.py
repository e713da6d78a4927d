from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import BaseUserCreationForm, UserChangeForm
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from relance import notifications
from relance.models import AuditEntry, OutgoingEmail, User

admin.site.site_header = _("Relance — administration")
admin.site.site_title = _("Relance")


class UserCreationForm(BaseUserCreationForm):
    class Meta:
        model = User
        fields = ("email",)


class UserEditForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    add_form = UserCreationForm
    form = UserEditForm
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "is_staff", "is_superuser", "is_active"]
    list_filter = ["is_staff", "is_superuser", "is_active"]
    search_fields = ["email", "first_name", "last_name"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Identité"), {"fields": ("first_name", "last_name")}),
        (
            _("Droits"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """The audit log is append-only: readable here, never added, changed or deleted."""

    list_display = ["at", "actor", "action", "target_type", "target_id", "from_state", "to_state"]
    list_filter = ["action", "target_type", "to_state"]
    search_fields = ["target_id", "reason", "actor__email", "action"]
    list_select_related = ["actor", "target_type"]
    date_hierarchy = "at"
    fields = [
        "at",
        "actor",
        "action",
        "target_type",
        "target_id",
        "from_state",
        "to_state",
        "reason",
        "data",
    ]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(OutgoingEmail)
class OutgoingEmailAdmin(admin.ModelAdmin):
    list_display = ["created_at", "subject", "recipients", "topic", "status", "attempts", "sent_at"]
    list_filter = ["status", "topic"]
    search_fields = ["subject", "to", "body"]
    date_hierarchy = "created_at"
    fields = [
        "created_at",
        "to",
        "subject",
        "body",
        "topic",
        "status",
        "attempts",
        "last_error",
        "sent_at",
    ]
    readonly_fields = fields
    actions = ["resend"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("destinataires"))
    def recipients(self, obj):
        return ", ".join(obj.to)

    @admin.action(description=_("Renvoyer les courriels sélectionnés"), permissions=["view"])
    def resend(self, request, queryset):
        already = sent = failed = 0
        for email in queryset.only("pk", "status"):
            if email.status == OutgoingEmail.Status.SENT:
                already += 1
            elif notifications.send(email.pk):
                sent += 1
            else:
                failed += 1
        if sent:
            self.message_user(
                request,
                ngettext("%d courriel envoyé.", "%d courriels envoyés.", sent) % sent,
                messages.SUCCESS,
            )
        if failed:
            self.message_user(
                request,
                ngettext(
                    "%d courriel toujours en échec : voir la dernière erreur.",
                    "%d courriels toujours en échec : voir la dernière erreur.",
                    failed,
                )
                % failed,
                messages.ERROR,
            )
        if already:
            self.message_user(
                request,
                ngettext(
                    "%d courriel déjà envoyé, laissé tel quel.",
                    "%d courriels déjà envoyés, laissés tels quels.",
                    already,
                )
                % already,
                messages.WARNING,
            )
