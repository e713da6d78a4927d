"""Writing and reading the audit log."""

from django.contrib.contenttypes.models import ContentType

from relance.models import AuditEntry


def record(actor, action, target, *, from_state="", to_state="", reason="", data=None):
    """Append an audit entry about ``target``. Call it inside the workflow's transaction."""
    return AuditEntry.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        target_type=ContentType.objects.get_for_model(target, for_concrete_model=True),
        target_id=str(target.pk),
        from_state=from_state or "",
        to_state=to_state or "",
        reason=reason or "",
        data=data or {},
    )


def history(target):
    """Audit entries about ``target``, newest first, with their actor."""
    return AuditEntry.objects.filter(
        target_type=ContentType.objects.get_for_model(target, for_concrete_model=True),
        target_id=str(target.pk),
    ).select_related("actor")
