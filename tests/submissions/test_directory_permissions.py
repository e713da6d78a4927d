"""Who may open the directory's URLs and the agents' membership pages, from the outside.

The routes are read from ``submissions.urls`` (every route under ``DIRECTORY_PREFIXES``), so a
new page cannot be added without its rows here. Staff pages: anonymous visitors log in; an
agent without an administration, a member of the administration concerned, another agent
and a superuser who is not staff get 404 (GET and POST) and nothing changes; instructors (and
a superuser who is staff) open every page. Agent pages: anonymous visitors log in;
instructors get 404; an agent opens their own pages and gets 404 on another agent's request
or on an administration they do not belong to. Being a superuser grants nothing by itself:
only the predicates decide.
"""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import resolve, reverse

from relance.models import AuditEntry, OutgoingEmail
from submissions import administrations as workflow
from submissions import urls as submissions_urls
from submissions.models import Administration, Membership, MembershipRequest, Ministry
from tests.factories import (
    AdministrationFactory,
    MinistryFactory,
    StaffFactory,
    UserFactory,
    agent_of,
)

pytestmark = pytest.mark.django_db

# The routes this matrix covers; tests/submissions/test_staff_permissions.py covers the other
# /instruction/ routes.
DIRECTORY_PREFIXES = ("instruction/administrations/", "instruction/rattachements/")
ACCOUNT_PREFIXES = ("compte/administrations/",)
R = MembershipRequest.Status


@pytest.fixture
def world():
    ministry = MinistryFactory(name="Ministère de la Culture")
    administration = AdministrationFactory(name="Secrétariat général", ministry=ministry)
    member = agent_of(administration, email="membre@culture.gouv.fr")
    newcomer = UserFactory(email="nouveau@culture.gouv.fr")
    membership_request, _ = workflow.request_membership(newcomer, administration, message="Bonjour")
    return {
        "ministry": ministry,
        "administration": administration,
        "member": member,
        "membership": Membership.objects.get(user=member),
        "newcomer": newcomer,
        "request": membership_request,
        "staff": StaffFactory(),
    }


def staff_pages(world) -> dict[str, str]:
    """Every staff route, by name, with the pages' query strings a user would send."""
    pk = {"pk": world["administration"].pk}
    return {
        "administration_list": reverse("submissions:administration_list")
        + "?q=secr%C3%A9tariat&type=central&page=1",
        "administration_create": reverse("submissions:administration_create"),
        "administration_detail": reverse("submissions:administration_detail", kwargs=pk),
        "administration_edit": reverse("submissions:administration_edit", kwargs=pk),
        "administration_member_remove": reverse(
            "submissions:administration_member_remove",
            kwargs={**pk, "membership_pk": world["membership"].pk},
        ),
        "ministry_list": reverse("submissions:ministry_list"),
        "ministry_create": reverse("submissions:ministry_create"),
        "ministry_edit": reverse("submissions:ministry_edit", kwargs={"pk": world["ministry"].pk}),
        "membership_requests": reverse("submissions:membership_requests") + "?statut=traitees",
        "membership_request": reverse(
            "submissions:membership_request", kwargs={"pk": world["request"].pk}
        ),
        "membership_request_approve": reverse(
            "submissions:membership_request_approve", kwargs={"pk": world["request"].pk}
        ),
        "membership_request_refuse": reverse(
            "submissions:membership_request_refuse", kwargs={"pk": world["request"].pk}
        ),
        "membership_request_assign": reverse(
            "submissions:membership_request_assign", kwargs={"pk": world["request"].pk}
        ),
    }


# What an instructor would post to each staff route (every route accepts a POST).
STAFF_POSTS = {
    "administration_list": {},
    "administration_create": {"name": "Intrus", "kind": "central"},
    "administration_detail": {},
    "administration_edit": {"name": "Renommée", "kind": "central"},
    "administration_member_remove": {},
    "ministry_list": {},
    "ministry_create": {"name": "Ministère intrus"},
    "ministry_edit": {"name": "Ministère renommé"},
    "membership_requests": {},
    "membership_request": {},
    "membership_request_approve": {},
    "membership_request_refuse": {"refus-reason": "Non"},
    "membership_request_assign": {"choix-administration": "1"},
}
POST_ONLY = {
    "membership_request_approve",
    "membership_request_refuse",
    "membership_request_assign",
}


def agent_pages(world) -> dict[str, str]:
    """Every agent route, by name, as the newcomer (no administration, one request) uses it."""
    return {
        "my_administrations": reverse("submissions:my_administrations"),
        "join_search": reverse("submissions:join_search") + "?q=secr%C3%A9tariat",
        "join_request": reverse(
            "submissions:join_request", kwargs={"pk": world["administration"].pk}
        ),
        "join_cancel": reverse("submissions:join_cancel", kwargs={"pk": world["request"].pk}),
        "leave_administration": reverse(
            "submissions:leave_administration", kwargs={"pk": world["administration"].pk}
        ),
    }


def state():
    """What a refused request must leave as it was."""
    return (
        list(Administration.objects.values_list("pk", "name", "acronym", "siret")),
        list(Ministry.objects.values_list("pk", "name")),
        list(Membership.objects.values_list("pk", flat=True)),
        list(MembershipRequest.objects.values_list("pk", "status")),
        AuditEntry.objects.count(),
        OutgoingEmail.objects.count(),
    )


def _routes(prefixes) -> set[str]:
    return {p.name for p in submissions_urls.urlpatterns if str(p.pattern).startswith(prefixes)}


def test_every_route_of_the_directory_and_the_account_is_in_the_matrix(world):
    assert set(staff_pages(world)) == _routes(DIRECTORY_PREFIXES) == set(STAFF_POSTS)
    assert set(agent_pages(world)) == _routes(ACCOUNT_PREFIXES)
    for name, url in {**staff_pages(world), **agent_pages(world)}.items():
        assert resolve(url.split("?")[0]).url_name == name


# Staff pages --------------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_the_login_page(client, world):
    login = reverse("login")
    before = state()
    for name, url in {**staff_pages(world), **agent_pages(world)}.items():
        response = client.get(url)
        assert response.status_code == 302, name
        location = urlsplit(response["Location"])
        assert location.path == login, name
        assert parse_qs(location.query)["next"] == [url], name
        response = client.post(url, STAFF_POSTS.get(name, {}))
        assert response.status_code == 302, name
        assert response["Location"].startswith(login), name
    assert state() == before


@pytest.mark.parametrize("who", ["newcomer", "member", "other_agent", "superuser_not_staff"])
def test_non_staff_get_404_on_staff_pages_and_change_nothing(client, world, who):
    user = {
        "newcomer": lambda: world["newcomer"],
        "member": lambda: world["member"],
        "other_agent": lambda: agent_of(AdministrationFactory()),
        "superuser_not_staff": lambda: UserFactory(is_superuser=True, is_staff=False),
    }[who]()
    client.force_login(user)
    before = state()
    for name, url in staff_pages(world).items():
        assert client.get(url).status_code == 404, name
        assert client.post(url, STAFF_POSTS[name]).status_code == 404, name
    assert state() == before


@pytest.mark.parametrize("who", ["staff", "superuser"])
def test_instructors_open_every_staff_page(client, world, who):
    user = world["staff"] if who == "staff" else UserFactory(is_staff=True, is_superuser=True)
    client.force_login(user)
    for name, url in staff_pages(world).items():
        status = client.get(url).status_code
        assert status == (405 if name in POST_ONLY else 200), (name, status)


def test_an_unknown_object_answers_404_to_staff(client, world):
    client.force_login(world["staff"])
    unknown = 987654
    for name, kwargs in [
        ("administration_detail", {"pk": unknown}),
        ("administration_edit", {"pk": unknown}),
        ("administration_member_remove", {"pk": unknown, "membership_pk": unknown}),
        # A membership of another administration is not reached through this one.
        (
            "administration_member_remove",
            {
                "pk": AdministrationFactory().pk,
                "membership_pk": world["membership"].pk,
            },
        ),
        ("ministry_edit", {"pk": unknown}),
        ("membership_request", {"pk": unknown}),
    ]:
        assert client.get(reverse(f"submissions:{name}", kwargs=kwargs)).status_code == 404, name
    for name in (
        "membership_request_approve",
        "membership_request_refuse",
        "membership_request_assign",
    ):
        url = reverse(f"submissions:{name}", kwargs={"pk": unknown})
        assert client.post(url, {"refus-reason": "Non"}).status_code == 404, name


# Agent pages --------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["staff", "superuser"])
def test_instructors_get_404_on_the_agent_pages(client, world, who):
    user = world["staff"] if who == "staff" else UserFactory(is_staff=True, is_superuser=True)
    client.force_login(user)
    before = state()
    for name, url in agent_pages(world).items():
        assert client.get(url).status_code == 404, name
        assert client.post(url, {"message": "Intrus"}).status_code == 404, name
    assert state() == before


def test_an_agent_without_administration_opens_the_join_pages(client, world):
    client.force_login(world["newcomer"])
    pages = agent_pages(world)
    for name in ("my_administrations", "join_search", "join_request"):
        assert client.get(pages[name]).status_code == 200, name
    # Not a member: nothing to leave. The cancellation is POST only.
    assert client.get(pages["leave_administration"]).status_code == 404
    assert client.get(pages["join_cancel"]).status_code == 405


def test_a_superuser_who_is_not_staff_is_an_agent_like_any_other(client, world):
    client.force_login(UserFactory(is_superuser=True, is_staff=False))
    pages = agent_pages(world)
    assert client.get(pages["my_administrations"]).status_code == 200
    assert client.get(pages["leave_administration"]).status_code == 404
    assert client.post(pages["join_cancel"]).status_code == 404


def test_another_agents_request_and_administration_answer_404(client, world):
    client.force_login(agent_of(AdministrationFactory()))
    pages = agent_pages(world)
    before = state()
    assert client.post(pages["join_cancel"]).status_code == 404
    assert client.get(pages["leave_administration"]).status_code == 404
    assert client.post(pages["leave_administration"]).status_code == 404
    assert state() == before


def test_a_member_opens_the_leave_page(client, world):
    client.force_login(world["member"])
    pages = agent_pages(world)
    assert client.get(pages["leave_administration"]).status_code == 200
    # Already a member: the request page sends back to the account, asking nothing.
    response = client.get(pages["join_request"])
    assert response.status_code == 302
    assert response["Location"] == reverse("submissions:my_administrations")


def test_unknown_objects_answer_404_to_agents(client, world):
    client.force_login(world["newcomer"])
    for name in ("join_request", "leave_administration"):
        assert client.get(reverse(f"submissions:{name}", kwargs={"pk": 987654})).status_code == 404
    url = reverse("submissions:join_cancel", kwargs={"pk": 987654})
    assert client.post(url).status_code == 404
