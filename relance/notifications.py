"""Emails rendered from templates, queued in the database and sent by background tasks.

``queue()`` writes the ``OutgoingEmail`` row and enqueues its sending task in the caller's
transaction: the decision commits and answers at once, and a worker sends the email once the
transaction has committed (a rolled-back decision leaves neither). A sending failure is
recorded on the row (status « échec ») and retried by the periodic ``retry_emails`` job with
an increasing delay, up to ``RELANCE_EMAIL_MAX_ATTEMPTS`` attempts; ``manage.py
send_pending_emails`` retries at once and the admin's « Renvoyer » enqueues their sending at
once. A failure never rolls back the decision that triggered it.

Each email is sent once: ``send`` locks its row for the whole SMTP exchange, skips a row
another worker holds, and does nothing once the row says « envoyé ».
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from relance.models import OutgoingEmail

logger = logging.getLogger(__name__)


def absolute_url(path: str = "/") -> str:
    """``path`` on the public site (``SITE_URL``), for emails sent without a request."""
    return f"{getattr(settings, 'SITE_URL', '').rstrip('/')}{path}"


def password_setup_url(account) -> str:
    """An absolute one-time link for ``account`` to choose a password (Django's reset link).

    Sent to accounts created on someone's behalf (a juror, a programme's staff), which have
    no usable password yet.
    """
    uid = urlsafe_base64_encode(force_bytes(account.pk))
    token = default_token_generator.make_token(account)
    return absolute_url(reverse("password_reset_confirm", kwargs={"uidb64": uid, "token": token}))


def queue(template_prefix, to, context, *, topic=""):
    """Render ``<prefix>_subject.txt`` and ``<prefix>_body.txt`` in French and queue the email.

    The row and its sending task are written in the caller's transaction; a worker sends
    the email after commit, so a rolled-back decision sends nothing.
    """
    from relance.tasks import send_email

    recipients = sorted({address for address in to if address})
    if not recipients:
        return None
    with translation.override(settings.LANGUAGE_CODE):
        subject = " ".join(render_to_string(f"{template_prefix}_subject.txt", context).split())
        body = render_to_string(f"{template_prefix}_body.txt", context)
    email = OutgoingEmail.objects.create(to=recipients, subject=subject, body=body, topic=topic)
    send_email.enqueue(email.pk)
    return email


def retry_delay(attempts: int) -> timedelta:
    """Wait after the ``attempts``-th failure: 1, 2, 4, 8… minutes, at most 6 hours."""
    base = int(getattr(settings, "RELANCE_EMAIL_RETRY_BASE_SECONDS", 60))
    return timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), 6 * 3600))


def send(pk):
    """Send one queued email; record the outcome. Never raises."""
    with transaction.atomic():
        email = OutgoingEmail.objects.select_for_update(skip_locked=True).filter(pk=pk).first()
        if email is None or email.status == OutgoingEmail.Status.SENT:
            return False
        email.attempts += 1
        try:
            EmailMessage(
                subject=email.subject,
                body=email.body,
                from_email=settings.DEFAULT_FROM_EMAIL,
                to=email.to,
            ).send(fail_silently=False)
        except Exception as exc:  # any transport error: keep the row for retry
            logger.warning("Email %s failed: %s", email.pk, exc)
            email.status = OutgoingEmail.Status.FAILED
            email.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            # No automatic retry after the last attempt: the admin's « Renvoyer » still can.
            email.next_attempt_at = (
                timezone.now() + retry_delay(email.attempts)
                if email.attempts < max_attempts()
                else None
            )
            email.save(update_fields=["attempts", "status", "last_error", "next_attempt_at"])
            return False
        email.status = OutgoingEmail.Status.SENT
        email.sent_at = timezone.now()
        email.last_error = ""
        email.next_attempt_at = None
        email.save(update_fields=["attempts", "status", "last_error", "sent_at", "next_attempt_at"])
        return True


def max_attempts() -> int:
    return int(getattr(settings, "RELANCE_EMAIL_MAX_ATTEMPTS", 8))


# A pending email older than this has lost its task (e.g. a worker killed while sending,
# whose task was not requeued yet): the periodic retry sends it.
ORPHAN_AFTER = timedelta(minutes=15)


def send_due(limit=500):
    """Send the failed emails whose next attempt is due, and orphaned pending ones.

    Run by the periodic ``retry_emails`` job; returns (sent, failed) counts.
    """
    now = timezone.now()
    due = (
        OutgoingEmail.objects.filter(
            Q(status=OutgoingEmail.Status.FAILED, next_attempt_at__lte=now)
            | Q(status=OutgoingEmail.Status.PENDING, created_at__lte=now - ORPHAN_AFTER)
        )
        .filter(attempts__lt=max_attempts())
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
    pks = list(due)
    sent = sum(1 for pk in pks if send(pk))
    return sent, len(pks) - sent


def send_pending(limit=500):
    """Retry every email not sent yet, now, whatever its attempts; return (sent, failed)."""
    pks = list(
        OutgoingEmail.objects.exclude(status=OutgoingEmail.Status.SENT)
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
    sent = sum(1 for pk in pks if send(pk))
    return sent, len(pks) - sent
