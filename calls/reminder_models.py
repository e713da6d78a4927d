"""Automatic reminders of a call: its settings, and the log of every reminder sent.

The log is generic (a kind, an address, an object key, a date): the apps above ``calls``
(jurors' reviews in ``jury``, drafts and waiting dossiers in ``submissions``) write to it
through ``calls.reminders.claim``. Its unique constraint is what makes a reminder go out once
per date, whatever the number of workers running the job at the same time.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ReminderKind(models.TextChoices):
    JUROR = "juror", _("Évaluations attendues")
    DRAFT = "draft", _("Brouillon non déposé")
    INSTRUCTOR = "instructor", _("Dossiers en attente de décision")


class ReminderSettings(models.Model):
    """The reminders of one call. A call without a row uses the defaults below."""

    call = models.OneToOneField(
        "calls.Call",
        on_delete=models.CASCADE,
        related_name="reminder_settings",
        verbose_name=_("appel"),
    )
    jurors_enabled = models.BooleanField(_("relancer les membres du jury"), default=True)
    juror_days_before = models.PositiveSmallIntegerField(
        _("premier rappel, en jours avant l’échéance"),
        default=3,
        validators=[MaxValueValidator(60)],
    )
    juror_repeat_days = models.PositiveSmallIntegerField(
        _("en cas de retard, relance tous les (jours)"),
        default=2,
        validators=[MinValueValidator(1), MaxValueValidator(30)],
    )
    review_deadline = models.DateField(
        _("date limite des évaluations"),
        null=True,
        blank=True,
        help_text=_("Sans date limite, l’échéance de chaque évaluation est le jour de l’audition."),
    )
    drafts_enabled = models.BooleanField(
        _("relancer les agents qui ont un brouillon"), default=True
    )
    draft_first_days = models.PositiveSmallIntegerField(
        _("premier rappel, en jours avant la clôture"),
        default=7,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
    )
    draft_second_days = models.PositiveSmallIntegerField(
        _("second rappel, en jours avant la clôture"),
        default=2,
        validators=[MaxValueValidator(60)],
        help_text=_("0 : pas de second rappel."),
    )
    instructors_enabled = models.BooleanField(
        _("relancer les instructeurs (récapitulatif hebdomadaire)"), default=True
    )
    instructor_waiting_days = models.PositiveSmallIntegerField(
        _("dossiers déposés depuis plus de (jours)"),
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(90)],
    )
    updated_at = models.DateTimeField(_("modifié le"), default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("modifié par"),
    )

    class Meta:
        verbose_name = _("relances automatiques")
        verbose_name_plural = _("relances automatiques")

    def __str__(self):
        return str(self.call)

    def draft_days(self) -> list[int]:
        """Days before the closing a draft is reminded, earliest first."""
        return sorted(
            {d for d in (self.draft_first_days, self.draft_second_days) if d}, reverse=True
        )


class ReminderLog(models.Model):
    """One reminder sent: to which address, about what, for which date."""

    call = models.ForeignKey(
        "calls.Call", on_delete=models.CASCADE, related_name="reminders", verbose_name=_("appel")
    )
    kind = models.CharField(_("relance"), max_length=20, choices=ReminderKind.choices)
    recipient = models.EmailField(_("destinataire"))
    # « dossier:12 », « jury:3 »…: what the reminder is about, unique with the rest.
    object_key = models.CharField(_("objet"), max_length=64)
    object_label = models.CharField(_("objet"), max_length=300)
    # The date this reminder stands for (e.g. « 7 days before the closing »): once per date.
    due_on = models.DateField(_("échéance"))
    sent_at = models.DateTimeField(_("envoyée le"), default=timezone.now)
    email = models.ForeignKey(
        "relance.OutgoingEmail",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("courriel"),
    )

    class Meta:
        verbose_name = _("relance envoyée")
        verbose_name_plural = _("relances envoyées")
        ordering = ["-sent_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "recipient", "object_key", "due_on"], name="reminder_once_per_date"
            )
        ]
        indexes = [models.Index(fields=["call", "-sent_at"], name="reminder_call_sent")]

    def __str__(self):
        return f"{self.get_kind_display()} — {self.recipient} — {self.due_on}"
