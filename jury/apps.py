from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JuryConfig(AppConfig):
    name = "jury"
    verbose_name = _("Jury")

    def ready(self):
        # The published results, and a window's committee decisions, show on the call's own
        # page (calls.extensions).
        from calls.extensions import register_call_page_section
        from jury.results.views.public import CALL_RESULTS_SECTION, WINDOW_SECTION

        register_call_page_section(CALL_RESULTS_SECTION)
        register_call_page_section(WINDOW_SECTION)

        # Public pages follow the moment results last changed, cached for a few seconds:
        # whatever changes it forgets it.
        from jury.results.cache import connect_version_signals

        connect_version_signals()

        # The jury's numbers and next steps on the instruction pages (submissions.extensions).
        from jury.dashboard import FUNNEL, NEXT_STEPS
        from submissions.extensions import register_funnel_contribution, register_next_step_provider

        register_funnel_contribution(FUNNEL)
        register_next_step_provider(NEXT_STEPS)

        # The call editor locks the weight and scale of criteria already used to score.
        from calls import hooks
        from jury.scoring.call_usage import criteria_with_submitted_scores

        hooks.register_criterion_usage("jury", criteria_with_submitted_scores)

        # The call editor keeps an envelope above what the call's decisions commit.
        from jury.committee.envelope import committed_amount

        hooks.register_committed_amount("jury", committed_amount)

        # Reminders to jurors with evaluations due, run by the workers (relance.tasks).
        from datetime import timedelta

        from jury import reminders
        from relance.tasks import periodic

        periodic(timedelta(hours=1))(reminders.remind_jurors)
