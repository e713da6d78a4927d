"""Connecting a call to a Démarches Simplifiées procedure and importing its dossiers.

Each state change is one transactional function taking the acting user: it checks the
guard (programme staff of the call), changes state, writes the audit entry. A dossier is
created through ``intake.register_outside_dossier`` (on behalf of the administration whose
SIRET the DS dossier carries, « reçu depuis un autre outil »), and keeps its DS number: a
later run updates it instead, and a run that finds nothing new changes nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from calls.models import Call, Category
from calls.permissions import require_programme_staff
from relance import audit
from relance.audit import AuditAction
from relance.workflow import WorkflowError, audit_value, lock
from submissions import intake
from submissions.demarches import client, secrets
from submissions.files import (
    check_upload,
    max_upload_bytes,
    store_attachment,
    stored_files_removed_on_error,
)
from submissions.models import (
    DOSSIER_CONTENT_FIELDS,
    Administration,
    DemarcheImport,
    DemarcheLink,
    Dossier,
    DossierState,
    ReceptionChannel,
    compact_siret,
)
from submissions.workflow import lock_dossier

logger = logging.getLogger(__name__)

# The content fields a DS champ may fill, in the order of the dossier's sections.
MAPPABLE_FIELDS = DOSSIER_CONTENT_FIELDS
DECIMAL_FIELDS = ("total_budget", "requested_amount")
# DS states imported; a dossier refused or closed without follow-up there is not a candidate.
IMPORTED_DS_STATES = ("en_construction", "en_instruction", "accepte")
# Relance states in which an import may still change a dossier's content.
UPDATABLE_STATES = (DossierState.SUBMITTED, DossierState.INCOMPLETE)
ATTACHMENT_PREFIX = "Démarches Simplifiées — "
# The DS vocabulary, as staff read it.
DS_STATES = {
    "en_construction": gettext_lazy("en construction"),
    "en_instruction": gettext_lazy("en instruction"),
    "accepte": gettext_lazy("accepté"),
    "refuse": gettext_lazy("refusé"),
    "sans_suite": gettext_lazy("classé sans suite"),
}
DELETION_REASONS = {
    "user_request": gettext_lazy("à la demande de l’usager"),
    "user_expired": gettext_lazy("expiré"),
    "expired": gettext_lazy("expiré"),
    "instructeur_request": gettext_lazy("à la demande de l’instructeur"),
    "procedure_removed": gettext_lazy("démarche supprimée"),
    "user_removed": gettext_lazy("compte de l’usager supprimé"),
}


def deletion_reason(reason: str) -> str:
    return str(DELETION_REASONS.get(reason, reason))


# Connection and mapping ---------------------------------------------------------------------


def connect(user, call: Call, *, procedure_number: int, token: str = "") -> DemarcheLink:
    """Connect ``call`` to procedure ``procedure_number``; ``token`` replaces the stored one
    (kept when left empty). The token is tried on DS first: a wrong one is refused."""
    require_programme_staff(user, call)
    token = (token or "").strip()
    existing = DemarcheLink.objects.filter(call=call).first()
    if not token:
        if existing is None:
            raise WorkflowError(_("Indiquez le jeton d’API de la démarche."))
        token = secrets.decrypt(existing.token_encrypted) or ""
        if not token:
            raise WorkflowError(_("Le jeton enregistré est illisible : saisissez-le à nouveau."))
    try:
        title = client.check_connection(token, procedure_number)
    except client.DemarchesError as exc:
        raise WorkflowError(exc.message) from exc
    with transaction.atomic():
        lock(Call, call)
        link = DemarcheLink.objects.select_for_update().filter(call=call).first()
        changed_procedure = link is not None and link.procedure_number != procedure_number
        if link is None:
            link = DemarcheLink(call=call)
        link.procedure_number = procedure_number
        link.token_encrypted = secrets.encrypt(token)
        link.connected_by = user
        link.connected_at = timezone.now()
        if changed_procedure:
            # Another procedure: its dossiers are read from the start.
            link.updated_since = None
        link.save()
        audit.record(
            user,
            AuditAction.DS_CONNECT,
            call,
            data={"procedure": procedure_number, "title": title[:200]},
        )
    return link


def save_mapping(user, link: DemarcheLink, mapping: dict) -> DemarcheLink:
    """Record which DS champ (label or id) fills each content field of the dossiers."""
    require_programme_staff(user, link.call)
    unknown = set(mapping) - set(MAPPABLE_FIELDS)
    if unknown:
        raise ValueError(f"Not content: {sorted(unknown)}")
    cleaned = {k: v.strip() for k, v in mapping.items() if v and v.strip()}
    if "title" not in cleaned:
        raise WorkflowError(_("Indiquez au moins le champ qui donne le titre du projet."))
    with transaction.atomic():
        link = lock(DemarcheLink, link, related=("call",))
        before = link.mapping
        link.mapping = cleaned
        link.save(update_fields=["mapping"])
        audit.record(
            user, AuditAction.DS_MAPPING, link.call, data={"before": before, "after": cleaned}
        )
    return link


def start_import(user, link: DemarcheLink, *, from_start: bool = False) -> DemarcheImport:
    """Record an import asked by ``user`` and enqueue it; one at a time per procedure."""
    from submissions.demarches.tasks import run_import

    require_programme_staff(user, link.call)
    if not link.mapping.get("title"):
        raise WorkflowError(_("Indiquez d’abord la correspondance des champs."))
    with transaction.atomic():
        link = lock(DemarcheLink, link, related=("call",))
        running = link.imports.filter(
            status__in=[DemarcheImport.Status.PENDING, DemarcheImport.Status.RUNNING]
        ).first()
        if running is not None:
            # A double click, or a colleague's import still running: follow that one.
            return running
        if from_start:
            link.updated_since = None
            link.save(update_fields=["updated_since"])
        job = DemarcheImport.objects.create(link=link, requested_by=user)
        audit.record(
            user,
            AuditAction.DS_IMPORT,
            link.call,
            data={
                "import": str(job.pk),
                "procedure": link.procedure_number,
                "from_start": from_start,
            },
        )
        # Enqueued in the same transaction: a worker sees the task once the row exists.
        run_import.enqueue(str(job.pk))
    return job


# One DS dossier -------------------------------------------------------------------------------


class Skip(Exception):
    """A DS dossier left aside, with why (in French)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _champs(node: dict) -> dict:
    """The dossier's champs by id and by label."""
    found = {}
    for champ in node.get("champs") or []:
        if not champ:
            continue
        found.setdefault(str(champ.get("id")), champ)
        found.setdefault(str(champ.get("label") or "").strip(), champ)
    return found


def _decimal(raw: str, label: str):
    text = raw.replace("\u202f", "").replace("\xa0", "").replace(" ", "").replace("€", "")
    try:
        value = Decimal(text.replace(",", "."))
    except InvalidOperation:
        raise Skip(
            _("le champ « %(label)s » n’est pas un montant lisible (« %(value)s »).")
            % {"label": label, "value": raw[:50]}
        ) from None
    if not value.is_finite():
        raise Skip(_("le champ « %(label)s » n’est pas un montant lisible.") % {"label": label})
    return value.quantize(Decimal("0.01"))


def content_of(node: dict, mapping: dict, call: Call) -> dict:
    """The dossier content the mapped champs give (unmapped or empty champs are left out)."""
    champs = _champs(node)
    content = {}
    for field, key in mapping.items():
        champ = champs.get(key)
        if champ is None:
            continue
        raw = (champ.get("stringValue") or "").strip()
        if field in DECIMAL_FIELDS:
            content[field] = _decimal(raw, key) if raw else None
        elif field == "category":
            content[field] = Category.objects.filter(call=call, name__iexact=raw).first()
        else:
            content[field] = raw
    return content


def _siret(node: dict) -> str:
    demandeur = node.get("demandeur") or {}
    return compact_siret(str(demandeur.get("siret") or ""))


def _files(node: dict):
    for champ in node.get("champs") or []:
        if champ and champ.get("__typename") == "PieceJustificativeChamp":
            for file in champ.get("files") or []:
                if file and file.get("url") and file.get("filename"):
                    yield champ, file


@dataclass
class Fetched:
    """A DS attachment downloaded and checked, waiting to be stored."""

    label: str
    name: str
    file: File
    content_type: str
    size: int
    sha256: str


def _fetch_files(node: dict, have: set, notes: list) -> list[Fetched]:
    """Download and check the dossier's DS attachments not stored yet (``have``: the
    ``(name, size)`` already on the dossier). Done before the transaction: no row stays
    locked while files travel. The caller closes the files."""
    fetched: list[Fetched] = []
    for champ, meta in _files(node):
        name = str(meta["filename"])[:255]
        size = meta.get("byteSize")
        if size is not None and (name, int(size)) in have:
            continue
        try:
            spool, real_size = client.download(str(meta["url"]), max_upload_bytes())
        except client.DemarchesError as exc:
            notes.append(_("pièce « %(name)s » : %(why)s") % {"name": name, "why": exc.message})
            continue
        upload = File(spool, name=name)
        upload.size = real_size
        if (name, real_size) in have:
            spool.close()
            continue
        try:
            content_type, checked_size, sha256 = check_upload(upload)
        except ValidationError as exc:
            spool.close()
            notes.append(
                _("pièce « %(name)s » refusée : %(why)s")
                % {"name": name, "why": " ".join(exc.messages)}
            )
            continue
        have.add((name, checked_size))
        label = str(champ.get("label") or "")
        fetched.append(Fetched(label, name, upload, content_type, checked_size, sha256))
    return fetched


def _store_files(user, dossier: Dossier, fetched: list[Fetched], stored: list) -> int:
    """Store the fetched attachments on ``dossier``, inside the caller's transaction."""
    for item in fetched:
        attachment = store_attachment(
            user,
            dossier,
            file=item.file,
            original_name=item.name,
            content_type=item.content_type,
            size=item.size,
            sha256=item.sha256,
            description=ATTACHMENT_PREFIX + item.label,
        )
        stored.append((attachment.file.storage, attachment.file.name))
    return len(fetched)


def import_dossier(user, link: DemarcheLink, node: dict) -> tuple[str, Dossier | None, list]:
    """Create or update the Relance dossier of one DS dossier.

    Returns ``(outcome, dossier, notes)`` with outcome ``created``, ``updated`` or
    ``unchanged``; raises :class:`Skip` with the reason otherwise.
    """
    call = link.call
    number = int(node["number"])
    state = node.get("state")
    existing = Dossier.objects.filter(call=call, ds_number=number).first()
    if state not in IMPORTED_DS_STATES and existing is None:
        raise Skip(
            _("dossier « %(state)s » dans Démarches Simplifiées.")
            % {"state": DS_STATES.get(state, state)}
        )
    siret = _siret(node)
    if existing is None:
        if not siret:
            raise Skip(_("le demandeur n’est pas une personne morale : aucun SIRET."))
        administration = Administration.objects.filter(siret=siret).first()
        if administration is None:
            raise Skip(
                _("aucune administration n’a le SIRET %(siret)s dans Relance.") % {"siret": siret}
            )
    content = content_of(node, link.mapping, call)
    notes: list = []
    have = {(a.original_name, a.size) for a in existing.attachments.all()} if existing else set()
    fetched = _fetch_files(node, have, notes)
    try:
        with stored_files_removed_on_error() as stored, transaction.atomic():
            if existing is None:
                received_at = parse_datetime(str(node.get("dateDepot") or "")) or timezone.now()
                dossier, _created = intake.register_outside_dossier(
                    user,
                    call,
                    administration=administration,
                    content=content,
                    received_via=ReceptionChannel.OTHER_TOOL,
                    received_at=min(received_at, timezone.now()),
                    original=None,
                    reception_note=_("Démarches Simplifiées, dossier n° %(number)s")
                    % {"number": number},
                    ds_number=number,
                )
                _store_files(user, dossier, fetched, stored)
                return "created", dossier, notes
            return _update(user, existing, content, fetched, stored, notes)
    except WorkflowError as exc:
        raise Skip(exc.message) from exc
    except ValidationError as exc:
        raise Skip(" ".join(exc.messages)) from exc
    finally:
        for item in fetched:
            item.file.close()


def _update(user, dossier: Dossier, content: dict, fetched: list, stored: list, notes: list):
    dossier = lock_dossier(dossier)
    changes = {name: value for name, value in content.items() if getattr(dossier, name) != value}
    if (changes or fetched) and dossier.state not in UPDATABLE_STATES:
        raise Skip(
            _(
                "modifié dans Démarches Simplifiées mais déjà « %(state)s » dans Relance : "
                "non mis à jour."
            )
            % {"state": dossier.get_state_display()}
        )
    before = {name: audit_value(getattr(dossier, name)) for name in changes}
    for name, value in changes.items():
        setattr(dossier, name, value)
    if changes:
        dossier.full_clean(exclude=["call", "administration", "created_by"])
    added = _store_files(user, dossier, fetched, stored)
    if not changes and not added:
        return "unchanged", dossier, notes
    now = timezone.now()
    if changes:
        dossier.version += 1
        dossier.save(now=now)
    audit.record(
        user,
        AuditAction.DS_UPDATE,
        dossier,
        data={
            "ds_number": dossier.ds_number,
            "before": before,
            "after": {name: audit_value(v) for name, v in changes.items()},
            "attachments_added": added,
        },
        at=now,
    )
    return "updated", dossier, notes
