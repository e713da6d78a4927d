"""Confirming an account's email address before anything is filed with it.

A new account (created in the admin, invited to a team or a jury) starts unconfirmed. Its
owner confirms by the signed link emailed to the address (:func:`send_confirmation`), or by
choosing a password through an emailed link (the same proof); an address given by ProConnect
is verified by the provider. Until then the account may sign in and read, but the dossier
workflows refuse to create, submit or complete anything (:func:`require_confirmed_email`).
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode
from django.utils.translation import gettext as _

from relance import audit, notifications
from relance.audit import AuditAction
from relance.models import User
from relance.workflow import WorkflowError

# A second link is not sent sooner than this after the previous one (a double click, a loop).
RESEND_INTERVAL = timedelta(minutes=1)


class EmailNotConfirmed(WorkflowError):
    """The account's address is not confirmed yet: nothing may be filed with it."""


class EmailConfirmationTokenGenerator(PasswordResetTokenGenerator):
    """Signed, expiring (``PASSWORD_RESET_TIMEOUT``) and single-use: the token covers the
    address and its confirmation, so it stops working once used or once the address changes."""

    key_salt = "relance.accounts.EmailConfirmationTokenGenerator"

    def _make_hash_value(self, user, timestamp):
        confirmed = user.email_confirmed_at.isoformat() if user.email_confirmed_at else ""
        return f"{user.pk}{user.email}{confirmed}{timestamp}"


confirmation_tokens = EmailConfirmationTokenGenerator()


def confirmation_url(user) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = confirmation_tokens.make_token(user)
    return notifications.absolute_url(
        reverse("email_confirm", kwargs={"uidb64": uid, "token": token})
    )


def send_confirmation(user, *, actor=None) -> bool:
    """Email ``user`` a link confirming their address; ``False`` when there is nothing to send.

    Refused (``WorkflowError``) when a link was sent less than a minute ago.
    """
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        if locked.email_confirmed_at is not None:
            return False
        now = timezone.now()
        sent = locked.email_confirmation_sent_at
        if sent is not None and now - sent < RESEND_INTERVAL:
            raise WorkflowError(
                _(
                    "Un lien vient d’être envoyé à %(email)s : consultez votre messagerie (et "
                    "ses indésirables) avant d’en demander un autre."
                )
                % {"email": locked.email}
            )
        locked.email_confirmation_sent_at = now
        locked.save(update_fields=["email_confirmation_sent_at"])
        notifications.queue(
            "relance/emails/email_confirmation",
            [locked.email],
            {"account": locked, "confirm_url": confirmation_url(locked)},
            topic="email_confirmation",
        )
    user.email_confirmation_sent_at = locked.email_confirmation_sent_at
    return True


def confirm_email(user, *, via: str) -> bool:
    """Record that ``user`` proved their address (``via``: ``link``, ``password_link``,
    ``proconnect``); ``False`` when it already was."""
    with transaction.atomic():
        updated = User.objects.filter(pk=user.pk, email_confirmed_at__isnull=True).update(
            email_confirmed_at=timezone.now()
        )
        if not updated:
            return False
        user.refresh_from_db(fields=["email_confirmed_at"])
        audit.record(
            user,
            AuditAction.EMAIL_CONFIRM,
            user,
            data={"email": user.email, "via": via},
            at=user.email_confirmed_at,
        )
    return True


def user_for_token(uidb64: str, token: str):
    """The account a confirmation link names if its token is valid, else ``None``."""
    try:
        pk = int(urlsafe_base64_decode(uidb64).decode())
        user = User.objects.get(pk=pk)
    except (ValueError, TypeError, OverflowError, UnicodeDecodeError, User.DoesNotExist):
        return None
    return user if confirmation_tokens.check_token(user, token) else None


def require_confirmed_email(user) -> None:
    """The guard of every workflow that files something for an administration."""
    if user is not None and user.is_authenticated and user.email_confirmed_at is None:
        raise EmailNotConfirmed(
            _(
                "Confirmez d’abord votre adresse électronique (%(email)s) avec le lien qui vous "
                "a été envoyé : tant qu’elle n’est pas confirmée, vous ne pouvez ni créer ni "
                "déposer de dossier."
            )
            % {"email": user.email}
        )
