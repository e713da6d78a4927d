"""Emails rendered from templates, queued in the database and sent after commit.

A sending failure is recorded on the ``OutgoingEmail`` row (status « échec ») and retried by
``manage.py send_pending_emails``; it never rolls back the decision that triggered it.
"""

import logging

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMessage
from django.db import transaction
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

    The row is written in the caller's transaction; sending happens after commit, so a
    rolled-back decision sends nothing.
    """
    recipients = sorted({address for address in to if address})
    if not recipients:
        return None
    with translation.override(settings.LANGUAGE_CODE):
        subject = " ".join(render_to_string(f"{template_prefix}_subject.txt", context).split())
        body = render_to_string(f"{template_prefix}_body.txt", context)
    email = OutgoingEmail.objects.create(to=recipients, subject=subject, body=body, topic=topic)
    transaction.on_commit(lambda: send(email.pk))
    return email


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
            email.save(update_fields=["attempts", "status", "last_error"])
            return False
        email.status = OutgoingEmail.Status.SENT
        email.sent_at = timezone.now()
        email.last_error = ""
        email.save(update_fields=["attempts", "status", "last_error", "sent_at"])
        return True


def send_pending(limit=500):
    """Retry every email not sent yet; return (sent, failed) counts."""
    pks = list(
        OutgoingEmail.objects.exclude(status=OutgoingEmail.Status.SENT)
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
    sent = sum(1 for pk in pks if send(pk))
    return sent, len(pks) - sent
