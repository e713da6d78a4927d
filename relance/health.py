"""``/sante/``: the health of an app server for load balancers (django-health-check).

It checks the database, the cache, the file storage (writes, reads and deletes a small file)
and the task queue: 200 when every check passes, 500 otherwise; JSON with ``?format=json`` or
``Accept: application/json``.
"""

import dataclasses
from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from health_check.backends import HealthCheck
from health_check.exceptions import ServiceUnavailable
from health_check.views import HealthCheckView


@dataclasses.dataclass
class TaskQueueLag(HealthCheck):
    """The oldest task ready to run waits less than ``RELANCE_HEALTH_MAX_QUEUE_LAG`` seconds.

    A longer wait means that no worker runs, or too few for the load.
    """

    def check_status(self):
        from django_tasks_db.models import DBTaskResult

        oldest = DBTaskResult.objects.ready().order_by("enqueued_at").first()
        if oldest is None:
            return
        lag = timezone.now() - oldest.enqueued_at
        limit = timedelta(seconds=int(getattr(settings, "RELANCE_HEALTH_MAX_QUEUE_LAG", 300)))
        if lag > limit:
            raise ServiceUnavailable(
                f"the oldest ready task waits for {int(lag.total_seconds())} s "
                f"(more than {int(limit.total_seconds())} s): is a worker running?"
            )


health = HealthCheckView.as_view(
    checks=(
        "health_check.Database",
        "health_check.Cache",
        "health_check.Storage",
        "relance.health.TaskQueueLag",
    )
)
