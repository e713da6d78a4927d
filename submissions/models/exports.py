"""Exports of a call's dossier list too large to build in a web request (XLSX, ODS).

A staff member asks for one from the list; a worker builds the file into the default storage
and tells them by email. Only they can download it, while they are staff of the call's
programme, until it expires.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from calls.models import Call


def export_path(instance, filename: str) -> str:
    # Under an unguessable folder: the storage (e.g. a bucket) is never listed to anyone.
    return f"exports/{instance.pk}/{filename}"


class DossierExport(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("En attente")
        RUNNING = "running", _("En cours")
        READY = "ready", _("Prêt")
        FAILED = "failed", _("Échec")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    call = models.ForeignKey(
        Call, on_delete=models.CASCADE, related_name="+", verbose_name=_("appel")
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("demandé par"),
    )
    fmt = models.CharField(_("format"), max_length=4)
    # The list's filters and sort as asked (its query string), applied again by the worker.
    query = models.TextField(_("filtres"), blank=True)
    status = models.CharField(
        _("état"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    rows_total = models.PositiveIntegerField(_("lignes à écrire"), default=0)
    rows_done = models.PositiveIntegerField(_("lignes écrites"), default=0)
    file = models.FileField(_("fichier"), upload_to=export_path, max_length=255, blank=True)
    filename = models.CharField(_("nom du fichier"), max_length=200)
    created_at = models.DateTimeField(_("demandé le"), default=timezone.now)
    finished_at = models.DateTimeField(_("terminé le"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expire le"), null=True, blank=True)

    class Meta:
        verbose_name = _("export de dossiers")
        verbose_name_plural = _("exports de dossiers")
        indexes = [models.Index(fields=["expires_at"], name="dossierexport_expires_idx")]

    def __str__(self):
        return self.filename

    def get_absolute_url(self):
        return reverse("submissions:instruction_export_status", kwargs={"pk": self.pk})

    @property
    def is_available(self) -> bool:
        return (
            self.status == self.Status.READY
            and bool(self.file)
            and self.expires_at is not None
            and timezone.now() < self.expires_at
        )

    @property
    def percent(self) -> int:
        if not self.rows_total:
            return 100 if self.status == self.Status.READY else 0
        return min(100, self.rows_done * 100 // self.rows_total)
