from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SubmissionsConfig(AppConfig):
    name = "submissions"
    verbose_name = _("Dossiers")

    def ready(self):
        # The app's ``rules`` permissions are declared when their module is imported: do it
        # at start-up, so that no check depends on which module happened to be loaded first.
        # The call editor asks which categories hold dossiers and who holds drafts.
        from calls import hooks
        from submissions import (
            call_usage,
            permissions,  # noqa: F401
        )

        hooks.register_category_usage("submissions", call_usage.categories_holding_dossiers)
        hooks.register_draft_holders("submissions", call_usage.draft_holder_emails)

        # Periodic jobs, run by the workers (relance.tasks).
        from datetime import timedelta

        from relance.tasks import periodic
        from submissions import background_exports, jobs

        periodic(timedelta(days=1))(jobs.delete_stale_drafts)
        periodic(timedelta(hours=1))(jobs.remind_draft_holders)
        periodic(timedelta(hours=1))(jobs.remind_instructors)
        periodic(timedelta(hours=1))(background_exports.delete_expired_exports)

        # A ProConnect sign-in places the agent in the administration of its SIRET.
        from relance.proconnect import agent_signed_in
        from submissions.proconnect import place_agent

        agent_signed_in.connect(place_agent, dispatch_uid="submissions.proconnect.place_agent")
