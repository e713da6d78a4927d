"""Who may open the juror and staff jury URLs, from the outside.

Anonymous users are sent to the login page; everyone else who may not see a page gets 404:
applicants, jurors of another jury, a juror in conflict with the dossier, non-staff on the
staff pages (and staff on the juror pages, which are the members' own).
"""

from urllib.parse import quote

import pytest
from django.urls import reverse

from jury.models import ConflictOfInterest, Evaluation, Jury, JuryMember
from tests.factories import MembershipFactory, StaffFactory, UserFactory
from tests.jury.factories import ConflictFactory, EvaluationFactory, JuryMemberFactory
from tests.jury.jury_core_data import attach, form_data_for, jury_with_dossiers

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def setup():
    setup = jury_with_dossiers(2)
    setup.attachment = attach(setup.dossiers[0])
    setup.conflict = ConflictFactory(member=setup.other, dossier=setup.dossiers[0])
    return setup


def juror_urls(setup):
    jury, dossier = setup.jury, setup.dossiers[0]
    kw = {"jury_id": jury.pk, "pk": dossier.pk}
    return {
        "home": reverse("jury:juror_home"),
        "list": reverse("jury:juror_dossier_list", kwargs={"jury_id": jury.pk}),
        "dossier": reverse("jury:juror_dossier", kwargs=kw),
        "conflict": reverse("jury:juror_conflict", kwargs=kw),
        "evaluations": reverse("jury:juror_evaluations", kwargs=kw),
        "piece": reverse(
            "jury:juror_attachment", kwargs={**kw, "attachment_pk": setup.attachment.pk}
        ),
    }


DOSSIER_URLS = ("dossier", "conflict", "evaluations", "piece")


def staff_urls(setup):
    slug = setup.jury.call.slug
    member = setup.member.pk
    return {
        "jury": reverse("jury:staff_jury", kwargs={"call_slug": slug}),
        "publish": reverse("jury:staff_jury_publish", kwargs={"call_slug": slug}),
        "add": reverse("jury:staff_member_add", kwargs={"call_slug": slug}),
        "edit": reverse("jury:staff_member_edit", kwargs={"call_slug": slug, "member_pk": member}),
        "remove": reverse(
            "jury:staff_member_remove", kwargs={"call_slug": slug, "member_pk": member}
        ),
        "conflict_add": reverse(
            "jury:staff_conflict_add", kwargs={"call_slug": slug, "member_pk": member}
        ),
        "lift": reverse(
            "jury:staff_conflict_lift",
            kwargs={"call_slug": slug, "conflict_pk": setup.conflict.pk},
        ),
    }


def all_urls(setup):
    return {**juror_urls(setup), **{f"staff:{k}": v for k, v in staff_urls(setup).items()}}


def test_anonymous_is_sent_to_login(client, setup):
    for name, url in all_urls(setup).items():
        for method in (client.get, client.post):
            response = method(url)
            assert response.status_code == 302, (name, method)
            assert response["Location"] == f"{reverse('login')}?next={quote(url)}", name
    assert not ConflictOfInterest.objects.filter(lifted_at__isnull=False).exists()


def _assert_404_everywhere(client, urls):
    for name, url in urls.items():
        assert client.get(url).status_code == 404, name
        assert client.post(url, {"published": "1"}).status_code == 404, name


def test_applicant_gets_404_everywhere(client, setup):
    applicant = MembershipFactory(administration=setup.dossiers[0].administration).user
    client.force_login(applicant)
    _assert_404_everywhere(client, all_urls(setup))
    assert not Evaluation.objects.exists()
    setup.jury.refresh_from_db()
    assert not setup.jury.composition_published


def test_plain_user_gets_404_everywhere(client, setup):
    client.force_login(UserFactory())
    _assert_404_everywhere(client, all_urls(setup))


def test_juror_of_another_jury_gets_404(client, setup):
    stranger = JuryMemberFactory()
    client.force_login(stranger.user)
    urls = {k: v for k, v in all_urls(setup).items() if k != "home"}
    _assert_404_everywhere(client, urls)
    # Their own home page works, and does not list this jury.
    html = client.get(reverse("jury:juror_home")).content.decode()
    assert setup.jury.call.title not in html


def test_juror_cannot_reach_a_dossier_through_their_own_jury_id(client, setup):
    """A dossier of another jury, addressed with my jury's id, answers 404."""
    stranger = JuryMemberFactory()
    client.force_login(stranger.user)
    dossier = setup.dossiers[0]
    kw = {"jury_id": stranger.jury_id, "pk": dossier.pk}
    for name in ("juror_dossier", "juror_conflict", "juror_evaluations"):
        assert client.get(reverse(f"jury:{name}", kwargs=kw)).status_code == 404
    url = reverse("jury:juror_attachment", kwargs={**kw, "attachment_pk": setup.attachment.pk})
    assert client.get(url).status_code == 404


def test_conflicted_juror_gets_404_on_that_dossier_only(client, setup):
    client.force_login(setup.other.user)
    urls = juror_urls(setup)
    for name in DOSSIER_URLS:
        assert client.get(urls[name]).status_code == 404, name
        assert client.post(urls[name], form_data_for(setup)).status_code == 404, name
    assert not Evaluation.objects.exists()
    assert ConflictOfInterest.objects.count() == 1
    assert client.get(urls["home"]).status_code == 200
    assert client.get(urls["list"]).status_code == 200
    other = setup.dossiers[1]
    url = reverse("jury:juror_dossier", kwargs={"jury_id": setup.jury.pk, "pk": other.pk})
    assert client.get(url).status_code == 200


def test_lifted_conflict_gives_access_back(client, setup, staff):
    from jury.composition import workflow as composition

    composition.lift_conflict(staff, setup.conflict, reason="Erreur")
    client.force_login(setup.other.user)
    for name in DOSSIER_URLS:
        assert client.get(juror_urls(setup)[name]).status_code == 200, name


def test_juror_sees_juror_pages_but_not_staff_pages(client, setup):
    client.force_login(setup.member.user)
    for name, url in juror_urls(setup).items():
        assert client.get(url).status_code == 200, name
    _assert_404_everywhere(client, staff_urls(setup))
    assert JuryMember.objects.count() == 2


def test_staff_sees_staff_pages_but_not_juror_pages(client, setup):
    client.force_login(StaffFactory())
    for name, url in staff_urls(setup).items():
        if name not in ("publish", "lift"):
            assert client.get(url).status_code == 200, name
    # The juror screens are the members' own: staff who are not members get 404.
    urls = juror_urls(setup)
    for name in ("home", "list", *DOSSIER_URLS):
        assert client.get(urls[name]).status_code == 404, name


def test_staff_page_of_unknown_call_is_404(client):
    client.force_login(StaffFactory())
    assert (
        client.get(reverse("jury:staff_jury", kwargs={"call_slug": "inconnu"})).status_code == 404
    )
    assert not Jury.objects.exists()


def test_juror_never_sees_another_members_draft(client, setup):
    dossier = setup.dossiers[1]
    EvaluationFactory(
        member=setup.other, dossier=dossier, submitted_at=None, comment="Note secrète de Bruno"
    )
    EvaluationFactory(member=setup.member, dossier=dossier)
    client.force_login(setup.member.user)
    url = reverse("jury:juror_evaluations", kwargs={"jury_id": setup.jury.pk, "pk": dossier.pk})
    assert "Note secrète de Bruno" not in client.get(url).content.decode()
    # The scoring screen shows my evaluation only.
    page = client.get(
        reverse("jury:juror_dossier", kwargs={"jury_id": setup.jury.pk, "pk": dossier.pk})
    )
    assert "Note secrète de Bruno" not in page.content.decode()


def test_inactive_juror_is_refused(client, setup):
    user = setup.member.user
    client.force_login(user)
    user.is_active = False
    user.save()
    response = client.get(juror_urls(setup)["list"])
    assert response.status_code in (302, 404)
