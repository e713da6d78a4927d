"""The public API: what each operation answers, and that it shows nothing the public pages
do not (unpublished, future, private results; refused dossiers; internal notes)."""

import json
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from calls.models import Call
from jury.committee import workflow as committee
from jury.models import Deliberation
from tests.factories import CallFactory, CategoryFactory, CriterionFactory, ProgrammeFactory
from tests.jury.stats_data import SECRETS, build, bulk_laureates
from tests.jury.window_public_data import decided_window

pytestmark = pytest.mark.django_db

API = "/api/v1"


@pytest.fixture(autouse=True)
def fresh_throttle(settings):
    # Each test starts with an empty request history for its address.
    cache.clear()
    settings.RELANCE_API_RATE = "1000/min"


@pytest.fixture
def data():
    return build()


def get(client, path, **params):
    response = client.get(f"{API}{path}", params)
    return response


def body(response):
    return json.loads(response.content)


def test_urls_live_under_api_v1():
    assert reverse("jury:api:laureates") == "/api/v1/laureates"
    assert reverse("jury:api:openapi-json") == "/api/v1/openapi.json"
    assert reverse("jury:api:openapi-view") == "/api/v1/docs/"


def test_laureates_are_the_published_ones_only(client, data):
    response = get(client, "/laureates")
    assert response.status_code == 200
    page = body(response)
    assert page["count"] == 2
    titles = {item["title"] for item in page["items"]}
    assert titles == {award.dossier.title for award in data.laureates}
    text = response.content.decode()
    for secret in SECRETS:
        assert secret not in text, secret
    assert "Projet non retenu" not in text


def test_unpublished_laureate_never_appears_until_published(client, data):
    unpublished = data.others["unpublished"]
    assert body(get(client, "/laureates", call=unpublished.slug)) == {"items": [], "count": 0}
    assert "LAUREAT-NON-PUBLIE" not in get(client, "/laureates").content.decode()
    Call.objects.filter(pk=unpublished.pk).update(
        results_published_at=timezone.now() - timedelta(minutes=1)
    )
    page = body(get(client, "/laureates", call=unpublished.slug))
    assert [item["title"] for item in page["items"]] == ["LAUREAT-NON-PUBLIE"]


def test_laureate_fields(client, data):
    signed = data.laureates[0]
    page = body(get(client, "/laureates", q="signé"))
    (item,) = page["items"]
    assert item["reference"] == signed.dossier.reference
    assert item["subtitle"] == "Un sous-titre"
    assert item["programme"] == "france-relance"
    assert item["call"] == "appel-1"
    assert item["category"] == "Données"
    assert item["granted_amount"] == "50000.00"
    assert item["administration"]["name"] == "Direction centrale"
    assert item["administration"]["kind"] == {"code": "central", "label": "Administration centrale"}
    assert item["administration"]["ministry"]["name"] == "Intérieur"
    assert item["committee_session_date"] is None
    assert item["published_at"].endswith(("+01:00", "+02:00"))
    assert item["url"].startswith("http://testserver/laureats/")


def test_amounts_hidden_when_the_deliberation_withholds_them(client, data):
    Deliberation.objects.filter(jury=data.jury).update(publish_amounts=False)
    page = body(get(client, "/laureates"))
    assert {item["granted_amount"] for item in page["items"]} == {None}


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"q": "signé"}, {"Projet lauréat signé"}),
        ({"q": "opérateur"}, {'=HYPERLINK("http://exemple.org")'}),
        ({"category": "Algorithmes"}, {'=HYPERLINK("http://exemple.org")'}),
        ({"administration_kind": "central"}, {"Projet lauréat signé"}),
        (
            {"programme": "france-relance"},
            {"Projet lauréat signé", '=HYPERLINK("http://exemple.org")'},
        ),
        (
            {"call": "appel-1", "administration_kind": "operator"},
            {'=HYPERLINK("http://exemple.org")'},
        ),
        ({"administration_kind": "local_authority"}, set()),
    ],
)
def test_laureate_filters(client, data, params, expected):
    response = get(client, "/laureates", **params)
    assert response.status_code == 200
    assert {item["title"] for item in body(response)["items"]} == expected


def test_filter_by_ministry(client, data):
    ministry = data.laureates[1].dossier.administration.ministry
    page = body(get(client, "/laureates", ministry=ministry.pk))
    assert [item["administration"]["ministry"]["id"] for item in page["items"]] == [ministry.pk]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"programme": "inconnu"}, "programme"),
        ({"call": "appel-inexistant"}, "call"),
        ({"category": "Aucune"}, "category"),
        ({"ministry": 999999}, "ministry"),
        ({"q": "a\x00b"}, "q"),
    ],
)
def test_values_no_published_laureate_has_match_nothing(client, data, params, field):
    response = get(client, "/laureates", **params)
    assert response.status_code == 200
    assert body(response) == {"items": [], "count": 0}


@pytest.mark.parametrize(
    "params",
    [
        {"administration_kind": "planet"},
        {"ministry": "abc"},
        {"page": 0},
        {"page_size": 201},
        {"programme": "a b"},
        {"lang": "de"},
        {"q": "x" * 201},
    ],
)
def test_malformed_parameters_answer_422(client, data, params):
    response = get(client, "/laureates", **params)
    assert response.status_code == 422
    assert body(response)["detail"]


def test_pagination(client, data):
    bulk_laureates(data.published, 7)
    first = body(get(client, "/laureates", page_size=4))
    second = body(get(client, "/laureates", page_size=4, page=3))
    assert first["count"] == second["count"] == 9
    assert len(first["items"]) == 4
    assert len(second["items"]) == 1
    beyond = body(get(client, "/laureates", page_size=4, page=50))
    assert beyond["items"] == []


def count_queries(client, path):
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        response = get(client, path, page_size=200)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("path", ["/laureates", "/calls", "/programmes", "/statistics"])
def test_constant_queries_at_two_sizes(client, data, path):
    small = count_queries(client, path)
    bulk_laureates(data.published, 60)
    for number in range(2, 8):
        call = CallFactory(programme=ProgrammeFactory(), number=number)
        CategoryFactory(call=call)
        CriterionFactory(call=call)
    assert count_queries(client, path) == small


def test_calls(client, data):
    call = data.published
    CriterionFactory(call=call, label="Pérennité", weight="2.00", scale_max=5)
    page = body(get(client, "/calls"))
    slugs = [item["slug"] for item in page["items"]]
    assert call.slug in slugs
    assert data.others["private_call"].slug not in slugs
    item = body(get(client, f"/calls/{call.slug}"))
    assert item["status"] == {"code": "results_published", "label": "Résultats publiés"}
    assert item["kind"]["code"] == "round"
    assert {"Données", "Algorithmes"} <= {c["name"] for c in item["categories"]}
    assert {"label": "Pérennité", "description": "", "weight": "2", "scale_max": 5} in [
        {k: c[k] for k in ("label", "description", "weight", "scale_max")} for c in item["criteria"]
    ]
    assert item["decisions_published_at"] is not None
    future = body(get(client, f"/calls/{data.others['future'].slug}"))
    # Scheduled results are not public yet.
    assert future["decisions_published_at"] is None
    assert future["status"]["code"] == "closed"


def test_draft_and_private_calls_answer_404(client, data):
    draft = CallFactory(programme=data.programme, published_at=None)
    for slug in (draft.slug, data.others["private_call"].slug, "inexistant"):
        response = get(client, f"/calls/{slug}")
        assert response.status_code == 404
        assert body(response)["detail"] == "Aucun appel publié ne porte cet identifiant."


def test_calls_filtered_by_programme_and_status(client, data):
    page = body(get(client, "/calls", programme="france-relance", status="results_published"))
    assert [item["slug"] for item in page["items"]] == [data.published.slug]


def test_programmes(client, data):
    page = body(get(client, "/programmes"))
    assert [item["slug"] for item in page["items"]] == ["france-relance"]
    programme = body(get(client, "/programmes/france-relance"))
    assert data.published.slug in programme["calls"]
    assert data.others["private_call"].slug not in programme["calls"]
    hidden = ProgrammeFactory(is_public=False, slug="cache")
    CallFactory(programme=hidden)
    assert get(client, "/programmes/cache").status_code == 404


def test_statistics(client, data):
    (stats,) = body(get(client, "/statistics"))["items"]
    assert stats["call"] == "appel-1"
    funnel = {step["code"]: step["value"] for step in stats["funnel"]}
    assert funnel["laureates"] == 2
    assert funnel["heard"] == 2
    assert stats["amounts"]["granted"] == "80000.50"
    assert body(get(client, "/calls/appel-1/statistics")) == stats
    for slug in (data.others["unpublished"].slug, data.others["future"].slug):
        assert get(client, f"/calls/{slug}/statistics").status_code == 404


def test_labels_follow_lang_then_accept_language(client, data):
    path = f"{API}/calls/{data.published.slug}"
    english = body(client.get(path, {"lang": "en"}))
    assert english["status"]["label"] == "Results published"
    header = client.get(path, HTTP_ACCEPT_LANGUAGE="en")
    assert body(header)["status"]["label"] == "Results published"
    assert header["Content-Language"] == "en"
    # ``lang`` wins over the header.
    french = body(client.get(path, {"lang": "fr"}, HTTP_ACCEPT_LANGUAGE="en"))
    assert french["status"]["label"] == "Résultats publiés"
    stats = body(client.get(f"{API}/calls/appel-1/statistics", {"lang": "en"}))
    assert stats["funnel"][0]["label"] == "Applications submitted"


def test_conditional_get_answers_304_until_results_change(client, data):
    first = get(client, "/laureates")
    etag = first["ETag"]
    again = client.get(f"{API}/laureates", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again.content == b""
    # Another language is another representation.
    assert client.get(f"{API}/laureates?lang=en", HTTP_IF_NONE_MATCH=etag).status_code == 200
    Call.objects.filter(pk=data.others["unpublished"].pk).update(
        results_published_at=timezone.now()
    )
    changed = client.get(f"{API}/laureates", HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert body(changed)["count"] == 3


def test_call_etag_follows_its_edits(client, data):
    path = f"{API}/calls/{data.published.slug}"
    etag = client.get(path)["ETag"]
    assert client.get(path, HTTP_IF_NONE_MATCH=etag).status_code == 304
    call = Call.objects.get(pk=data.published.pk)
    call.title = "Appel n° 1 (titre corrigé)"
    call.save()
    answer = client.get(path, HTTP_IF_NONE_MATCH=etag)
    assert answer.status_code == 200
    assert body(answer)["title"] == "Appel n° 1 (titre corrigé)"


def test_cors_for_public_reads_without_credentials(client, data):
    response = client.get(f"{API}/laureates", HTTP_ORIGIN="https://exemple.org")
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in response
    assert "ETag" in response["Access-Control-Expose-Headers"]
    preflight = client.options(
        f"{API}/laureates",
        HTTP_ORIGIN="https://exemple.org",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="if-none-match",
    )
    assert preflight.status_code == 200
    assert "GET" in preflight["Access-Control-Allow-Methods"]
    assert "POST" not in preflight["Access-Control-Allow-Methods"]
    # The rest of the site is not opened to other origins.
    page = client.get(reverse("jury:laureates"), HTTP_ORIGIN="https://exemple.org")
    assert "Access-Control-Allow-Origin" not in page


def test_writes_are_refused(client, data):
    for method in (client.post, client.put, client.delete):
        assert method(f"{API}/laureates").status_code == 405


def test_throttle_per_address_answers_429_in_json(client, data, settings):
    settings.RELANCE_API_RATE = "3/min"
    for _ in range(3):
        assert get(client, "/programmes").status_code == 200
    refused = get(client, "/programmes")
    assert refused.status_code == 429
    answer = body(refused)
    assert answer["detail"].startswith("Trop de requêtes")
    assert int(refused["Retry-After"]) == answer["retry_after"] > 0
    # Another address is not held back.
    assert client.get(f"{API}/programmes", REMOTE_ADDR="10.0.0.9").status_code == 200
    english = client.get(f"{API}/calls?lang=en")
    assert body(english)["detail"].startswith("Too many requests")


def test_openapi_describes_every_operation(client):
    schema = body(client.get(f"{API}/openapi.json"))
    assert schema["openapi"].startswith("3.")
    assert set(schema["paths"]) == {
        f"{API}/programmes",
        f"{API}/programmes/{{slug}}",
        f"{API}/calls",
        f"{API}/calls/{{slug}}",
        f"{API}/laureates",
        f"{API}/statistics",
        f"{API}/calls/{{slug}}/statistics",
    }
    assert all(set(ops) == {"get"} for ops in schema["paths"].values())


def test_docs_page_uses_the_site_layout_and_its_own_files(client):
    response = client.get(f"{API}/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Documentation de l’API</h1>" in html
    assert "cdn" not in html.lower()
    assert "/static/ninja/swagger-ui-bundle.js" in html
    nonce = response.headers["Content-Security-Policy"]
    assert "script-src 'self' 'nonce-" in nonce


def test_window_laureates_by_published_session_only(client):
    decided = decided_window()
    page = body(get(client, "/laureates", call="guichet-des-tests"))
    assert [item["title"] for item in page["items"]] == ["Projet retenu en mars"]
    (item,) = page["items"]
    assert item["committee_session_date"] == "2021-03-15"
    assert item["granted_amount"] == "40000.00"
    everything = get(client, "/laureates")
    assert [item["title"] for item in body(everything)["items"]] == ["Projet retenu en mars"]
    for hidden in ("PROJET-REFUSE-EN-MARS", "MOTIF-DU-REFUS"):
        assert hidden not in everything.content.decode()
    window = body(get(client, "/calls/guichet-des-tests"))
    assert window["kind"] == {"code": "continuous", "label": "Guichet en continu"}
    assert window["decisions_published_at"] is not None
    stats = body(get(client, "/calls/guichet-des-tests/statistics"))
    funnel = {step["code"]: step["value"] for step in stats["funnel"]}
    assert (funnel["laureates"], funnel["refused"]) == (1, 1)
    # Publishing the April session through its workflow makes its laureate public.
    etag = everything["ETag"]
    committee.publish_session(decided.w.staff, decided.april)
    fresh = client.get(f"{API}/laureates", HTTP_IF_NONE_MATCH=etag)
    assert fresh.status_code == 200
    assert {item["title"] for item in body(fresh)["items"]} == {
        "Projet retenu en mars",
        "Projet décidé en avril",
    }
