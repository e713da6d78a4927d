"""The live API against its own OpenAPI description (schemathesis): every operation, with
generated parameters, never answers 5xx and every answer matches its documented schema.

Each operation's strategy is run through hypothesis here (schemathesis's pytest fixture
hook does not run under this pytest): the same checks as ``call_and_validate``."""

import pytest
import schemathesis
from django.core.cache import cache
from hypothesis import HealthCheck, given, settings

from tests.jury.stats_data import build, bulk_laureates

pytestmark = pytest.mark.django_db(transaction=True)

OPERATIONS = 7


@pytest.fixture
def api_schema(live_server, settings):
    cache.clear()
    settings.RELANCE_API_RATE = "100000/min"
    data = build()
    bulk_laureates(data.published, 3)
    return schemathesis.openapi.from_url(f"{live_server.url}/api/v1/openapi.json")


def test_every_operation_matches_its_description(api_schema):
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) == OPERATIONS
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
        def check(case):
            case.call_and_validate()

        check()
