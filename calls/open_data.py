"""A programme's open-data settings, changed by its managers: the aid scheme's identifier that
the SCDL « subventions » file names in ``dispositifAide``."""

from __future__ import annotations

from django.db import transaction

from calls.models import Programme
from calls.permissions import require_programme_manager
from relance import audit
from relance.audit import AuditAction
from relance.workflow import lock


def set_aid_scheme_id(actor, programme: Programme, aid_scheme_id: str) -> Programme:
    """Record the identifier; saving the same value again changes and records nothing."""
    require_programme_manager(actor, programme)
    value = (aid_scheme_id or "").strip()
    with transaction.atomic():
        locked = lock(Programme, programme)
        if locked.aid_scheme_id == value:
            return locked
        before = locked.aid_scheme_id
        locked.aid_scheme_id = value
        locked.save(update_fields=["aid_scheme_id", "updated_at"])
        audit.record(
            actor,
            AuditAction.PROGRAMME_OPEN_DATA,
            locked,
            data={"aid_scheme_id": {"from": before, "to": value}},
        )
    return locked
