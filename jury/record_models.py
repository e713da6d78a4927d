"""Corrections of published results: each change kept (before → after, why, who), grouped
into published « Rectificatifs » dated by the official corrective decision."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from calls.models import Call
from submissions.models import Dossier


class ResultAmendment(models.Model):
    """One change to published results: what, when, who, why (shown as « Mis à jour le »)."""

    class Kind(models.TextChoices):
        ADD_LAUREATE = "add_laureate", _("Ajout d’un lauréat")
        REMOVE_LAUREATE = "remove_laureate", _("Retrait d’un lauréat")
        CORRECT_TITLE = "correct_title", _("Correction du titre ou du sous-titre")
        CHANGE_ADMINISTRATION = "change_administration", _("Changement d’administration")
        CHANGE_AMOUNT = "change_amount", _("Modification du montant accordé")
        MOVE_CATEGORY = "move_category", _("Changement de catégorie")

    # A round's amendments hang on its deliberation; a continuous window has none.
    deliberation = models.ForeignKey(
        "jury.Deliberation",
        on_delete=models.CASCADE,
        related_name="amendments",
        null=True,
        blank=True,
    )
    correction = models.ForeignKey(
        "ResultCorrection",
        on_delete=models.PROTECT,
        related_name="amendments",
        null=True,
        blank=True,
        verbose_name=_("rectificatif"),
    )
    dossier = models.ForeignKey(Dossier, on_delete=models.PROTECT, related_name="amendments")
    kind = models.CharField(_("type"), max_length=30, choices=Kind.choices)
    before = models.JSONField(_("avant"), default=dict)
    after = models.JSONField(_("après"), default=dict)
    reason = models.TextField(_("motif"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("date"), default=timezone.now)

    class Meta:
        verbose_name = _("modification des résultats")
        verbose_name_plural = _("modifications des résultats")
        ordering = ["-at"]

    def __str__(self):
        return f"{self.get_kind_display()} — {self.dossier.reference}"


def _paris_today():
    return timezone.localdate()


class ResultCorrection(models.Model):
    """A « Rectificatif »: changes to a call's published results, prepared by staff then
    published together under the date of the official corrective decision."""

    call = models.ForeignKey(
        Call, on_delete=models.PROTECT, related_name="result_corrections", verbose_name=_("appel")
    )
    official_date = models.DateField(_("date de la décision modificative"), default=_paris_today)
    act_reference = models.CharField(
        _("référence de l’acte modificatif"), max_length=200, blank=True
    )
    reason = models.TextField(_("motif"))
    # Staff-written text replacing the call's results summary (it may quote figures).
    summary = models.TextField(_("texte de présentation des résultats"), blank=True)
    # The prepared changes, applied in order when published: [{"kind", "dossier", ...}].
    planned = models.JSONField(_("modifications prévues"), default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(_("publié le"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )

    class Meta:
        verbose_name = _("rectificatif des résultats")
        verbose_name_plural = _("rectificatifs des résultats")
        ordering = ["-official_date", "-published_at"]

    def __str__(self):
        return str(
            _("Rectificatif du %(date)s") % {"date": date_format(self.official_date, "j F Y")}
        )
