"""Core models: the user (email as login)."""

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An email address is required.")
        email = self.normalize_email(email).lower()
        user = self.model(email=email, **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        if not extra_fields["is_staff"] or not extra_fields["is_superuser"]:
            raise ValueError("A superuser must have is_staff and is_superuser set.")
        return self._create_user(email, password, **extra_fields)

    def get_by_natural_key(self, username):
        # Logins are case-insensitive: "Agent@Exemple.gouv.fr" is the same account.
        return self.get(email__iexact=username)


class User(AbstractUser):
    """An account, identified by its email address.

    ``is_staff`` marks DINUM/DITP instructors; applicants and jurors are plain users whose
    rights come from their memberships (administration, jury).
    """

    username = None
    email = models.EmailField(_("adresse électronique"), unique=True)
    # Set once the owner proved the address is theirs (the emailed link, a password chosen
    # through an emailed link, or ProConnect's verified address). Nothing is filed before.
    email_confirmed_at = models.DateTimeField(
        _("adresse confirmée le"), null=True, blank=True, editable=False
    )
    email_confirmation_sent_at = models.DateTimeField(
        _("lien de confirmation envoyé le"), null=True, blank=True, editable=False
    )

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    class Meta:
        verbose_name = _("utilisateur")
        verbose_name_plural = _("utilisateurs")
        ordering = ["email"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_ci_unique"),
        ]

    def __str__(self):
        full = self.get_full_name()
        return f"{full} <{self.email}>" if full else self.email

    def save(self, *args, **kwargs):
        self.email = (self.email or "").strip().lower()
        super().save(*args, **kwargs)

    @property
    def email_confirmed(self) -> bool:
        return self.email_confirmed_at is not None


class AuditEntry(models.Model):
    """Who did what to which object, when and why. Written by the apps' workflow functions."""

    # Given by ``relance.audit.record``: the time of the change it records.
    at = models.DateTimeField(_("date"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("auteur"),
    )
    action = models.CharField(_("action"), max_length=50)
    target_type = models.ForeignKey(
        "contenttypes.ContentType", on_delete=models.CASCADE, verbose_name=_("type d’objet")
    )
    target_id = models.CharField(_("identifiant de l’objet"), max_length=64)
    from_state = models.CharField(_("état avant"), max_length=30, blank=True)
    to_state = models.CharField(_("état après"), max_length=30, blank=True)
    reason = models.TextField(_("motif"), blank=True)
    data = models.JSONField(_("détails"), default=dict, blank=True)

    class Meta:
        verbose_name = _("entrée du journal")
        verbose_name_plural = _("journal des actions")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["target_type", "target_id", "at"])]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.target_type_id}:{self.target_id}"


class OutgoingEmail(models.Model):
    """An email queued with a decision and sent by a background task once it commits.

    Failures are kept and retried with an increasing delay (``next_attempt_at``) until
    ``RELANCE_EMAIL_MAX_ATTEMPTS``; they never undo a decision.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("À envoyer")
        SENT = "sent", _("Envoyé")
        FAILED = "failed", _("Échec")

    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    to = models.JSONField(_("destinataires"), default=list)
    subject = models.CharField(_("objet"), max_length=255)
    body = models.TextField(_("texte"))
    status = models.CharField(
        _("statut"), max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    attempts = models.PositiveSmallIntegerField(_("tentatives"), default=0)
    last_error = models.TextField(_("dernière erreur"), blank=True)
    sent_at = models.DateTimeField(_("envoyé le"), null=True, blank=True)
    next_attempt_at = models.DateTimeField(
        _("prochaine tentative"), null=True, blank=True, db_index=True
    )
    topic = models.CharField(_("sujet"), max_length=50, blank=True, db_index=True)

    class Meta:
        verbose_name = _("courriel")
        verbose_name_plural = _("courriels")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.subject} → {', '.join(self.to)}"

    def save(self, *args, **kwargs):
        # Subjects quote titles and names typed by users: shortened, never refused.
        self.subject = Truncator(self.subject).chars(self._meta.get_field("subject").max_length)
        super().save(*args, **kwargs)


class PeriodicJob(models.Model):
    """When a periodic background job is due next, shared by every worker.

    A worker enqueues a due job by moving ``next_run_at`` forward in one ``UPDATE``: with any
    number of workers, exactly one of them wins each run.
    """

    name = models.CharField(_("nom"), max_length=100, primary_key=True)
    next_run_at = models.DateTimeField(_("prochaine exécution"))
    last_run_at = models.DateTimeField(_("dernière exécution"), null=True, blank=True)

    class Meta:
        verbose_name = _("tâche périodique")
        verbose_name_plural = _("tâches périodiques")
        ordering = ["name"]

    def __str__(self):
        return self.name
