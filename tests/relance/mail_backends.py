"""Email backends for tests: one that always fails, as an unreachable SMTP server would."""

from django.core.mail.backends.base import BaseEmailBackend


class FailingBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        raise ConnectionRefusedError("serveur SMTP injoignable")
