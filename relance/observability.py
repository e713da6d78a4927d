"""Error reporting to a Sentry-compatible service (``SENTRY_DSN``), set up from the settings.

Only what helps fix a fault is sent: the exception and its stack, the route and the release.
No personal data (no user, no cookies, no query strings, which may hold a search); neither
the request bodies of our forms (dossiers, messages) nor the local variables of the failing
frames, which may hold them, are attached.
"""

from __future__ import annotations


def init_sentry(dsn: str, *, environment: str = "production", traces_sample_rate: float = 0.0):
    import sentry_sdk
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        data_collection={
            "user_info": False,
            "cookies": {"mode": "off"},
            "url_query_params": {"mode": "off"},
            "http_bodies": [],
            "stack_frame_variables": False,
            # SQL breadcrumbs keep the query, never its parameters (names, emails, content).
            "database_query_data": False,
        },
        traces_sample_rate=traces_sample_rate,
        integrations=[DjangoIntegration()],
    )
