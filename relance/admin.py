"""Django admin of the kernel, and the two policies every app's admin follows.

- :class:`ReadOnlyMixin`: rows that only workflows write (dossier states, jury work, the
  audit log) are shown, never added, changed or deleted here, inlines included.
- :class:`AuditedAdminMixin` (and :class:`AuditedImportMixin` for django-import-export):
  every admin creation, change, deletion (one by one or in bulk) and file import of
  configuration writes an audit entry in the same transaction.
"""

from decimal import Decimal

from axes.admin import AccessAttemptAdmin as BaseAccessAttemptAdmin
from axes.admin import AccessFailureLogAdmin as BaseAccessFailureLogAdmin
from axes.admin import AccessLogAdmin as BaseAccessLogAdmin
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin, messages
from django.contrib.admin.utils import NestedObjects, unquote
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import BaseUserCreationForm, UserChangeForm
from django.contrib.auth.models import Group
from django.core.exceptions import FieldDoesNotExist
from django.db import models, router, transaction
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.debug import sensitive_post_parameters
from django_tasks_db.admin import DBTaskResultAdmin
from django_tasks_db.models import DBTaskResult
from dsfr.admin import DsfrConfigAdmin as BaseDsfrConfigAdmin
from dsfr.models import DsfrConfig

from relance import accounts, audit
from relance import auth as login_throttle
from relance.audit import AuditAction
from relance.models import AuditEntry, OutgoingEmail, PeriodicJob, User
from relance.tasks import send_email
from relance.workflow import WorkflowError, audit_value


class ReadOnlyMixin:
    """Shown to whoever may view it; nothing is added, changed or deleted in the admin.

    Mix it into a ``ModelAdmin`` or an inline: without the delete permission, Django also
    drops the « delete selected » bulk action.
    """

    # Inline options (ignored by a ModelAdmin).
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# Audit of admin edits --------------------------------------------------------------------

# CharFields longer than this are treated like texts: their name is logged, not their values.
SHORT_MAX_LENGTH = 255
LONG_FIELDS = models.TextField | models.JSONField | models.FileField | models.BinaryField


def _is_secret(name: str) -> bool:
    return "password" in name


def _model_field(model, name):
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    return field if field.concrete or field.many_to_many else None


def _is_short(field) -> bool:
    """Whether the audit keeps the values of ``field``, not only its name."""
    if field is None or _is_secret(field.name):
        return False
    if field.many_to_many:
        return True  # the primary keys of the related rows
    if isinstance(field, LONG_FIELDS):
        return False
    return not (isinstance(field, models.CharField) and (field.max_length or 0) > SHORT_MAX_LENGTH)


def _field_value(field, value):
    if isinstance(field, models.DecimalField) and isinstance(value, Decimal):
        # As stored: "1.50" whether the form typed 1.5 or the database returned 1.50.
        value = value.quantize(Decimal(1).scaleb(-field.decimal_places))
    value = audit_value(value)
    if field.many_to_many:
        return sorted(value or [], key=str)
    return value


def _is_timestamp(field) -> bool:
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return True
    # Stamped by the workflows with their transaction's time (e.g. a dossier's updated_at).
    return (
        isinstance(field, models.DateTimeField)
        and not field.editable
        and field.default is timezone.now
    )


def snapshot(obj) -> dict:
    """The short fields of ``obj`` (foreign keys as primary keys), JSON-ready.

    Creation and modification timestamps are left out: the entry has its own date.
    """
    return {
        field.name: _field_value(field, field.value_from_object(obj))
        for field in obj._meta.concrete_fields
        if not field.primary_key and not _is_timestamp(field) and _is_short(field)
    }


def form_changes(form) -> tuple[list[str], dict]:
    """The fields ``form`` changed, and ``{name: {"old", "new"}}`` for the short ones."""
    model = form._meta.model
    names = sorted(form.changed_data)
    changes = {}
    for name in names:
        field = _model_field(model, name)
        if not _is_short(field):
            continue
        old = form.get_initial_for_field(form.fields[name], name)
        new = form.cleaned_data.get(name)
        changes[name] = {"old": _field_value(field, old), "new": _field_value(field, new)}
    return names, changes


def _created_values(form, obj) -> dict:
    values = snapshot(obj)
    for name in form.changed_data:
        field = _model_field(form._meta.model, name)
        if field is not None and field.many_to_many:
            values[name] = _field_value(field, form.cleaned_data.get(name))
    return values


def _deletion_data(obj) -> dict:
    """What an admin deletion removes: the row (its short fields) and what cascades with it."""
    own_model = obj._meta.concrete_model
    collector = NestedObjects(using=router.db_for_write(own_model))
    collector.collect([obj])
    cascade = {}
    for model, instances in collector.model_objs.items():
        if model._meta.auto_created:
            continue  # many-to-many links: their rows are the object's own fields
        pks = sorted(
            (
                audit_value(item.pk)
                for item in instances
                if not (model._meta.concrete_model is own_model and item.pk == obj.pk)
            ),
            key=str,
        )
        if pks:
            cascade[model._meta.label_lower] = pks
    data = {"repr": str(obj), "values": snapshot(obj)}
    if cascade:
        data["cascade"] = cascade
    return data


def record_admin_create(actor, obj, form=None):
    values = _created_values(form, obj) if form is not None else snapshot(obj)
    return audit.record(actor, AuditAction.ADMIN_CREATE, obj, data={"values": values})


def record_admin_change(actor, obj, form):
    """Record the changes ``form`` made to ``obj``; nothing when it changed nothing."""
    names, changes = form_changes(form)
    if not names:
        return None
    return audit.record(
        actor, AuditAction.ADMIN_EDIT, obj, data={"fields": names, "changes": changes}
    )


def record_admin_delete(actor, obj):
    """Call it before the deletion: the entry keeps the row's primary key and values."""
    return audit.record(actor, AuditAction.ADMIN_DELETE, obj, data=_deletion_data(obj))


class AuditedAdminMixin:
    """Every creation, change and deletion made through this admin writes an audit entry.

    Inlines of the admin are covered too (one entry per created, changed or deleted row,
    about that row), as are bulk deletions through the « delete selected » action. The
    admin's views run in a transaction: the entries are written with the rows or not at all.
    """

    def save_related(self, request, form, formsets, change):
        # Django's order (many-to-many, then inlines), with the entry of the object written
        # once its many-to-many fields are saved and before the entries of its inlines.
        form.save_m2m()
        if change:
            record_admin_change(request.user, form.instance, form)
        else:
            record_admin_create(request.user, form.instance, form)
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def save_formset(self, request, form, formset, change):
        # The rows to delete are recorded first, while they still have their primary key.
        for inline_form in formset.deleted_forms:
            if inline_form.instance.pk is not None:
                record_admin_delete(request.user, inline_form.instance)
        super().save_formset(request, form, formset, change)
        forms_by_instance = {id(f.instance): f for f in formset.forms}
        for obj in formset.new_objects:
            record_admin_create(request.user, obj, forms_by_instance.get(id(obj)))
        for obj, _fields in formset.changed_objects:
            inline_form = forms_by_instance.get(id(obj))
            if inline_form is not None:
                record_admin_change(request.user, obj, inline_form)

    def delete_model(self, request, obj):
        record_admin_delete(request.user, obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        # The bulk action does not run in a transaction of its own: the entries and the
        # deletion are committed together.
        with transaction.atomic(using=router.db_for_write(self.model)):
            for obj in queryset:
                record_admin_delete(request.user, obj)
            super().delete_queryset(request, queryset)


class AuditedImportMixin:
    """django-import-export: each row a confirmed import creates, updates or deletes is
    recorded (ADMIN_IMPORT), in the transaction of the import (a refused file records nothing).
    """

    def process_dataset(self, dataset, form, request, **kwargs):
        file_name = kwargs.get("file_name") or form.cleaned_data.get("original_file_name", "")
        with transaction.atomic(using=router.db_for_write(self.model)):
            result = super().process_dataset(dataset, form, request, **kwargs)
            if not (result.has_errors() or result.has_validation_errors()):
                for row in result:
                    self._record_import_row(request.user, row, file_name)
        return result

    def _record_import_row(self, actor, row, file_name):
        if row.import_type not in ("new", "update", "delete") or row.instance is None:
            return
        data = {"import_type": row.import_type, "file": file_name or ""}
        values = snapshot(row.instance)
        if row.import_type == "update" and row.original is not None:
            before = snapshot(row.original)
            data["changes"] = {
                name: {"old": before.get(name), "new": value}
                for name, value in values.items()
                if before.get(name) != value
            }
        else:
            data["values"] = values
        audit.record(actor, AuditAction.ADMIN_IMPORT, row.instance, data=data)


class UserCreationForm(BaseUserCreationForm):
    class Meta:
        model = User
        fields = ("email",)


class UserEditForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(AuditedAdminMixin, BaseUserAdmin):
    """Accounts, their staff and superuser flags and their rights: every edit is audited."""

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
        (
            _("Dates"),
            {
                "fields": (
                    "last_login",
                    "date_joined",
                    "email_confirmed_at",
                    "email_confirmation_sent_at",
                )
            },
        ),
    )
    readonly_fields = ["email_confirmed_at", "email_confirmation_sent_at"]
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)
    actions = ["unlock_logins", "send_email_confirmation"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not change:
            # A new account confirms its address before filing anything: it gets the link.
            accounts.send_confirmation(obj)

    @admin.action(description=_("Débloquer les connexions (tentatives échouées oubliées)"))
    def unlock_logins(self, request, queryset):
        with transaction.atomic(using=router.db_for_write(self.model)):
            for account in queryset:
                removed = login_throttle.unlock(account.email)
                audit.record(
                    request.user,
                    AuditAction.ACCOUNT_UNLOCK,
                    account,
                    data={"email": account.email, "records": removed},
                )
        self.message_user(
            request,
            ngettext(
                "%(count)d compte débloqué : il peut de nouveau se connecter.",
                "%(count)d comptes débloqués : ils peuvent de nouveau se connecter.",
                queryset.count(),
            )
            % {"count": queryset.count()},
            messages.SUCCESS,
        )

    @admin.action(description=_("Envoyer le lien de confirmation de l’adresse"))
    def send_email_confirmation(self, request, queryset):
        sent = 0
        for account in queryset:
            try:
                sent += accounts.send_confirmation(account)
            except WorkflowError:
                continue  # a link went less than a minute ago
        self.message_user(
            request,
            ngettext(
                "%(count)d lien de confirmation envoyé.",
                "%(count)d liens de confirmation envoyés.",
                sent,
            )
            % {"count": sent},
            messages.SUCCESS,
        )

    @method_decorator(sensitive_post_parameters())
    def user_change_password(self, request, id, form_url=""):
        # Django's view runs outside a transaction and logs nothing of ours: compare the
        # stored hash around it, so that only a password actually changed is recorded.
        with transaction.atomic(using=router.db_for_write(self.model)):
            stored = User.objects.filter(pk=unquote(id)).values_list("password", flat=True)
            before = stored.first()
            response = super().user_change_password(request, id, form_url)
            account = User.objects.filter(pk=unquote(id)).first()
            if account is not None and before is not None and account.password != before:
                audit.record(
                    request.user,
                    AuditAction.ADMIN_EDIT,
                    account,
                    data={
                        "fields": ["password"],
                        "usable_password": account.has_usable_password(),
                    },
                )
        return response


# The login throttle's records (django-axes): deleting an attempt unlocks its account or
# address, and is audited; the logs are read-only.
for _model in (AccessAttempt, AccessLog, AccessFailureLog):
    admin.site.unregister(_model)


@admin.register(AccessAttempt)
class AccessAttemptAdmin(AuditedAdminMixin, BaseAccessAttemptAdmin):
    pass


@admin.register(AccessLog)
class AccessLogAdmin(ReadOnlyMixin, BaseAccessLogAdmin):
    pass


@admin.register(AccessFailureLog)
class AccessFailureLogAdmin(ReadOnlyMixin, BaseAccessFailureLogAdmin):
    pass


# Groups carry permissions, as the users' own rights do: their edits are audited too.
admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(AuditedAdminMixin, BaseGroupAdmin):
    pass


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyMixin, admin.ModelAdmin):
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


# The design system's site settings (header and footer texts): their edits are audited too.
admin.site.unregister(DsfrConfig)


@admin.register(DsfrConfig)
class DsfrConfigAdmin(AuditedAdminMixin, BaseDsfrConfigAdmin):
    pass


@admin.register(OutgoingEmail)
class OutgoingEmailAdmin(AuditedAdminMixin, admin.ModelAdmin):
    """The queue of emails: read, resent or deleted here (each resend and deletion audited)."""

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
        "next_attempt_at",
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
        """Enqueue the sending of each selected email not sent yet; a worker sends it."""
        already = queued = 0
        with transaction.atomic():
            for email in queryset.only("pk", "status"):
                if email.status == OutgoingEmail.Status.SENT:
                    already += 1
                else:
                    send_email.enqueue(email.pk)
                    queued += 1
                    audit.record(
                        request.user, AuditAction.ADMIN_RESEND_EMAIL, email, data={"queued": True}
                    )
        if queued:
            self.message_user(
                request,
                ngettext(
                    "%d courriel remis à l’envoi : il part dans quelques instants "
                    "(son état et sa dernière erreur sont à jour une fois envoyé).",
                    "%d courriels remis à l’envoi : ils partent dans quelques instants "
                    "(leur état et leur dernière erreur sont à jour une fois envoyés).",
                    queued,
                )
                % queued,
                messages.SUCCESS,
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


# Background tasks: shown read-only (the workers write them) ---------------------------------

admin.site.unregister(DBTaskResult)


@admin.register(DBTaskResult)
class TaskResultAdmin(ReadOnlyMixin, DBTaskResultAdmin):
    pass


@admin.register(PeriodicJob)
class PeriodicJobAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["name", "next_run_at", "last_run_at"]
    fields = list_display
    readonly_fields = list_display
