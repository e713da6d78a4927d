"""A call's link to a Démarches Simplifiées procedure, and the runs of its import."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from calls.models import Call


class DemarcheLink(models.Model):
    """The procedure a call's dossiers are imported from, its API token (encrypted) and how
    its fields (champs) map onto the dossier's content. Changed only through
    ``submissions.demarches.workflow``."""

    call = models.OneToOneField(
        Call, on_delete=models.CASCADE, related_name="demarche_link", verbose_name=_("appel")
    )
    procedure_number = models.PositiveIntegerField(_("numéro de la démarche"))
    # Fernet token (``submissions.demarches.secrets``): never shown again once saved.
    token_encrypted = models.TextField(_("jeton d’API chiffré"), editable=False)
    # {dossier content field: DS champ label or id}
    mapping = models.JSONField(_("correspondance des champs"), default=dict, blank=True)
    # The latest ``dateDerniereModification`` imported: the next run asks only for later ones.
    updated_since = models.DateTimeField(_("modifiés depuis"), null=True, blank=True)
    connected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("connecté par"),
        editable=False,
    )
    connected_at = models.DateTimeField(_("connecté le"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("démarche Démarches Simplifiées")
        verbose_name_plural = _("démarches Démarches Simplifiées")

    def __str__(self):
        return f"{self.call} — DS {self.procedure_number}"


class DemarcheImport(models.Model):
    """One run of the import of a procedure's dossiers, built by a worker."""

    class Status(models.TextChoices):
        PENDING = "pending", _("En attente")
        RUNNING = "running", _("En cours")
        DONE = "done", _("Terminé")
        FAILED = "failed", _("Échec")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    link = models.ForeignKey(
        DemarcheLink, on_delete=models.CASCADE, related_name="imports", verbose_name=_("démarche")
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("demandé par"),
    )
    status = models.CharField(
        _("état"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    pages_done = models.PositiveIntegerField(_("pages lues"), default=0)
    dossiers_seen = models.PositiveIntegerField(_("dossiers lus"), default=0)
    created_count = models.PositiveIntegerField(_("créés"), default=0)
    updated_count = models.PositiveIntegerField(_("mis à jour"), default=0)
    unchanged_count = models.PositiveIntegerField(_("inchangés"), default=0)
    # [{"number": DS number, "reason": French text}]
    skipped = models.JSONField(_("ignorés"), default=list, blank=True)
    # [{"number": DS number, "deleted_at": ISO date, "reason": DS reason, "reference": ours}]
    deleted = models.JSONField(_("supprimés dans Démarches Simplifiées"), default=list, blank=True)
    error = models.TextField(_("erreur"), blank=True)
    created_at = models.DateTimeField(_("demandé le"), default=timezone.now)
    finished_at = models.DateTimeField(_("terminé le"), null=True, blank=True)

    class Meta:
        verbose_name = _("import Démarches Simplifiées")
        verbose_name_plural = _("imports Démarches Simplifiées")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.link} — {self.created_at:%Y-%m-%d %H:%M}"

    def get_absolute_url(self):
        return reverse("submissions:instruction_ds_import", kwargs={"pk": self.pk})

    @property
    def in_progress(self) -> bool:
        return self.status in (self.Status.PENDING, self.Status.RUNNING)
