"""Texts built from user input fit their columns: emails and exports at the longest input.

Every field a form accepts is filled to its maximum length; every email template is rendered
and queued with those rows, and the staff exports are built from them.
"""

from datetime import date, time, timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from relance import notifications
from relance.models import OutgoingEmail
from submissions import exports
from submissions.models import Dossier, DossierState
from tests.factories import (
    AdministrationFactory,
    CallFactory,
    CategoryFactory,
    DossierFactory,
    MinistryFactory,
    ProgrammeFactory,
    StaffFactory,
    agent_of,
)

pytestmark = pytest.mark.django_db


def longest(model, name, char="é"):
    return char * model._meta.get_field(name).max_length


@pytest.fixture
def longest_rows():
    from calls.models import Call, Programme
    from submissions.models import Administration, Ministry

    programme = ProgrammeFactory(title=longest(Programme, "title"))
    call = CallFactory(programme=programme, title=longest(Call, "title"))
    ministry = MinistryFactory(name=longest(Ministry, "name"))
    administration = AdministrationFactory(ministry=ministry, name=longest(Administration, "name"))
    dossier = DossierFactory(
        call=call,
        administration=administration,
        category=CategoryFactory(call=call, name="c" * 255),
        reference=longest(Dossier, "reference", "R"),
        title=longest(Dossier, "title"),
        subtitle=longest(Dossier, "subtitle"),
        contact_name=longest(Dossier, "contact_name"),
    )
    return {
        "programme": programme,
        "call": call,
        "administration": administration,
        "dossier": dossier,
    }


def test_a_dossier_with_the_longest_title_is_submitted(client, longest_rows):
    dossier = longest_rows["dossier"]
    agent = agent_of(dossier.administration)
    client.force_login(agent)

    response = client.post(reverse("submissions:dossier_submit", kwargs={"pk": dossier.pk}))

    assert response.status_code == 302
    assert Dossier.objects.get(pk=dossier.pk).state == DossierState.SUBMITTED
    email = OutgoingEmail.objects.get(topic="acknowledgement")
    assert len(email.subject) <= OutgoingEmail._meta.get_field("subject").max_length
    assert email.subject.startswith(f"[Relance] Accusé de réception du dossier {dossier.reference}")
    assert email.subject.endswith("…")
    assert dossier.title in email.body  # the body keeps the whole title


def subject_templates():
    root = Path(settings.BASE_DIR) / "templates"
    return sorted(
        str(path.relative_to(root))[: -len("_subject.txt")]
        for path in root.glob("*/emails/*_subject.txt")
    )


@pytest.mark.parametrize("prefix", subject_templates())
def test_every_email_fits_its_columns_at_the_longest_input(prefix, longest_rows):
    from calls.models import ProgrammeRole
    from jury.models import HearingSession, HearingSlot, Jury, JuryMember
    from submissions.models import MembershipRequest

    dossier, call = longest_rows["dossier"], longest_rows["call"]
    staff = StaffFactory()
    jury = Jury.objects.create(call=call, name="j" * 200)
    member = JuryMember.objects.create(
        jury=jury, user=staff, public_name="m" * 200, title="t" * 255, affiliation="a" * 255
    )
    session = HearingSession(
        jury=jury,
        date=date(2021, 3, 3),
        place="p" * 255,
        starts_at=time(9),
        ends_at=time(18),
        slot_minutes=30,
    )
    now = timezone.now()
    dossier.registered_by = staff
    slot = HearingSlot(session=session, dossier=dossier, starts_at=now, ends_at=now)
    context = {
        **{"dossier": dossier, "call": call, "administration": dossier.administration},
        "programme": longest_rows["programme"],
        "role": ProgrammeRole(
            programme=longest_rows["programme"], user=staff, role="manager", granted_by=staff
        ),
        "account": staff,
        "membership_request": MembershipRequest(
            user=staff, administration=dossier.administration, message="x" * 1000
        ),
        "agent": staff,
        "member": member,
        "jury": jury,
        "session": session,
        "slot": slot,
        "rows": [{"slot": slot, "conflicted": False}],
        "breaks": [],
        "before": now,
        "after": now + timedelta(days=3),
        "submitted_at": now,
        "is_update": True,
        "message": "x" * 5000,
    }

    email = notifications.queue(prefix, ["destinataire@exemple.gouv.fr"], context)

    email.refresh_from_db()
    assert 0 < len(email.subject) <= OutgoingEmail._meta.get_field("subject").max_length


def test_the_staff_exports_take_the_longest_input(longest_rows):
    dossier = longest_rows["dossier"]
    queryset = Dossier.objects.filter(pk=dossier.pk)
    assert dossier.title in exports.export(queryset, "csv").decode("utf-8")
    for fmt in ("xlsx", "ods"):
        assert exports.export(queryset, fmt)
