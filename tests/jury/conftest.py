"""Fixtures shared by the jury's tests."""

from decimal import Decimal

import pytest

from jury.deliberation import workflow as wf
from tests.jury.factories import JuryFactory, preselected


@pytest.fixture
def published(staff):
    jury = JuryFactory()
    dossier = preselected(jury, title="Entrepôt de données RH", requested_amount=Decimal("80000"))
    wf.record_award(staff, dossier, decision="laureate", granted_amount=Decimal("50000"))
    wf.publish_results(staff, jury.call)
    dossier.refresh_from_db()
    return dossier
