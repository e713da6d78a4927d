"""Real SMTP servers on the loopback for the tests: one that never answers, one that works."""

from __future__ import annotations

import socket
from contextlib import contextmanager
from email import message_from_bytes, policy

from aiosmtpd.controller import Controller


class Recorder:
    """aiosmtpd handler keeping every message it accepted."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append((sorted(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"


@contextmanager
def silent_smtp_server(port: int = 0):
    """A TCP port that accepts connections (in the kernel's backlog) and never says a word."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", port))
        sock.listen(64)
        yield sock.getsockname()[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def smtp_server(port: int | None = None):
    """A working SMTP server (aiosmtpd) on ``port`` (a free one by default)."""
    recorder = Recorder()
    recorder.port = port or free_port()
    controller = Controller(recorder, hostname="127.0.0.1", port=recorder.port)
    controller.start()
    try:
        yield recorder
    finally:
        controller.stop()


def smtp_settings(settings, port: int, timeout: int = 1) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_TIMEOUT = timeout
