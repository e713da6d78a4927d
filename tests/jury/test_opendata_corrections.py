"""Published corrections in open data (« rectificatifs »), each laureate's update date, and
« Résultats mis à jour le » on the public pages."""

import csv
import io
import json
import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.http import http_date
from frictionless import Resource, Schema

from calls.models import Call
from jury.deliberation import corrections
from jury.deliberation import workflow as wf
from jury.models import Deliberation, ResultAmendment, ResultCorrection
from submissions.models import DossierState
from tests.factories import AdministrationFactory, CategoryFactory, DossierFactory
from tests.jury.factories import JuryFactory, preselected

pytestmark = pytest.mark.django_db
K = ResultAmendment.Kind
OFFICIAL = date(2021, 4, 12)
CORRECTION_KEYS = [
    "appel_slug",
    "appel",
    "date_rectificatif",
    "reference_acte",
    "date_publication",
    "type_modification",
    "reference",
    "identifiant_laureat",
    "titre",
    "avant",
    "apres",
    "motif",
]
SCHEMAS = Path(settings.BASE_DIR) / "jury" / "results" / "schemas"


def published_call(staff, title, n=3):
    """A round with ``n`` published laureates (30 000 € each) in two categories."""
    jury = JuryFactory(call__envelope=Decimal("500000"), call__title=title)
    call = jury.call
    data, tools = (
        CategoryFactory(call=call, name="Données"),
        CategoryFactory(call=call, name="Outils"),
    )
    dossiers = [
        preselected(jury, category=data, title=f"{title} — projet {i}") for i in range(1, n + 1)
    ]
    for dossier in dossiers:
        wf.record_award(staff, dossier, decision="laureate", granted_amount=Decimal("30000"))
    wf.publish_results(staff, call)
    call.refresh_from_db()
    return call, dossiers, tools


@pytest.fixture
def world(staff):
    call, (one, two, three), tools = published_call(staff, "Appel n° 1")
    other = AdministrationFactory(name="Direction reprise")
    correction = corrections.create_correction(
        staff,
        call,
        official_date=OFFICIAL,
        reason="Décision modificative du jury.",
        act_reference="Décision n° 2021-042",
    )
    corrections.plan_change(staff, correction, K.REMOVE_LAUREATE, three)
    corrections.plan_change(
        staff, correction, K.CORRECT_TITLE, two, title="Entrepôt unifié", subtitle="v2"
    )
    corrections.plan_change(staff, correction, K.CHANGE_AMOUNT, one, granted_amount="25000")
    corrections.plan_change(staff, correction, K.MOVE_CATEGORY, one, category=tools)
    corrections.plan_change(staff, correction, K.CHANGE_ADMINISTRATION, one, administration=other)
    return {
        "call": call,
        "one": one,
        "two": two,
        "three": three,
        "titles": {d.pk: d.title for d in (one, two, three)},
        "other": other,
        "correction": correction,
    }


def publish(staff, world):
    corrections.publish_correction(staff, world["correction"])


def get(client, name, *args):
    response = client.get(reverse(name, args=args))
    assert response.status_code == 200
    return response


def csv_rows(client, name):
    text = get(client, name).content.decode("utf-8")
    return list(csv.DictReader(io.StringIO(text)))


def json_rows(client, name):
    return json.loads(get(client, name).content.decode("utf-8"))


def test_every_change_of_a_published_correction_is_a_row(client, staff, world):
    # A draft is not public.
    assert csv_rows(client, "jury:corrections_csv") == []
    assert json_rows(client, "jury:corrections_json") == []
    publish(staff, world)
    response = get(client, "jury:corrections_csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Access-Control-Allow-Origin"] == "*"
    header = next(csv.reader(io.StringIO(response.content.decode())))
    assert header == CORRECTION_KEYS
    rows = csv_rows(client, "jury:corrections_csv")
    assert [row["type_modification"] for row in rows] == [
        "remove_laureate",
        "correct_title",
        "change_amount",
        "move_category",
        "change_administration",
    ]
    call, one, three = world["call"], world["one"], world["three"]
    published_at = ResultCorrection.objects.get().published_at
    for row in rows:
        assert row["appel_slug"] == call.slug
        assert row["appel"] == "Appel n° 1"
        assert row["date_rectificatif"] == "2021-04-12"
        assert row["reference_acte"] == "Décision n° 2021-042"
        assert row["date_publication"] == timezone.localtime(published_at).isoformat(
            timespec="seconds"
        )
        assert row["motif"] == "Décision modificative du jury."
    removed, renamed, amount, category, administration = rows
    assert removed["reference"] == three.reference
    assert removed["titre"] == world["titles"][three.pk]
    assert removed["identifiant_laureat"] == three.award.slug != ""
    assert (removed["avant"], removed["apres"]) == ("lauréat", "non lauréat")
    assert renamed["titre"] == "Entrepôt unifié"
    assert renamed["avant"] == world["titles"][world["two"].pk] + " — " + world["two"].subtitle
    assert renamed["apres"] == "Entrepôt unifié — v2"
    assert (amount["avant"], amount["apres"]) == ("30000.00", "25000.00")
    assert (category["avant"], category["apres"]) == ("Données", "Outils")
    assert administration["avant"] == one.administration.name
    assert administration["apres"] == "Direction reprise"

    data = json_rows(client, "jury:corrections_json")
    assert [list(row) for row in data] == [CORRECTION_KEYS] * 5
    assert data[2]["avant"] == "30000.00"
    assert data == [dict(row) for row in rows]  # nothing in this world a spreadsheet runs


def test_amounts_stay_hidden_when_the_jury_does_not_publish_them(client, staff, world):
    Deliberation.objects.filter(jury__call=world["call"]).update(publish_amounts=False)
    publish(staff, world)
    amount = json_rows(client, "jury:corrections_json")[2]
    assert amount["type_modification"] == "change_amount"
    assert (amount["avant"], amount["apres"]) == (None, None)
    assert "30000" not in get(client, "jury:corrections_csv").content.decode()


def test_a_removed_laureate_leaves_the_laureates_files_and_stays_in_the_corrections(
    client, staff, world
):
    three = world["three"]
    assert three.reference in get(client, "jury:laureates_csv").content.decode()
    publish(staff, world)
    three.refresh_from_db()
    assert three.state == DossierState.NOT_SELECTED
    assert three.reference not in get(client, "jury:laureates_csv").content.decode()
    assert three.reference not in {
        row["reference"] for row in json_rows(client, "jury:laureates_json")
    }
    removed = [
        row
        for row in csv_rows(client, "jury:corrections_csv")
        if row["reference"] == three.reference
    ]
    assert [row["type_modification"] for row in removed] == ["remove_laureate"]
    assert three.reference in get(client, "jury:corrections_json").content.decode()


def test_update_date_of_each_laureate(client, staff, world):
    published_on = timezone.localtime(world["call"].results_published_at).date().isoformat()
    before = {row["reference"]: row for row in json_rows(client, "jury:laureates_json")}
    assert {row["date_mise_a_jour"] for row in before.values()} == {published_on}
    publish(staff, world)
    # A later correction touching another laureate only dates that one.
    later = corrections.create_correction(
        staff, world["call"], official_date=date(2021, 5, 3), reason="Second rectificatif."
    )
    corrections.plan_change(staff, later, K.CHANGE_AMOUNT, world["two"], granted_amount="20000")
    corrections.publish_correction(staff, later)
    by_reference = {row["reference"]: row for row in json_rows(client, "jury:laureates_json")}
    assert by_reference[world["one"].reference]["date_mise_a_jour"] == "2021-04-12"
    assert by_reference[world["two"].reference]["date_mise_a_jour"] == "2021-05-03"
    assert world["three"].reference not in by_reference
    csv_by_reference = {row["reference"]: row for row in csv_rows(client, "jury:laureates_csv")}
    assert csv_by_reference[world["one"].reference]["date_mise_a_jour"] == "2021-04-12"
    assert set(csv_by_reference[world["one"].reference]) == set(before[world["one"].reference])


def test_an_untouched_laureate_keeps_its_publication_date(client, staff, world):
    other_call, (untouched, *_rest), _tools = published_call(staff, "Appel n° 2", n=1)
    publish(staff, world)
    row = next(
        row
        for row in json_rows(client, "jury:laureates_json")
        if row["reference"] == untouched.reference
    )
    assert (
        row["date_mise_a_jour"]
        == timezone.localtime(other_call.results_published_at).date().isoformat()
    )


def test_laureates_json_stays_a_list_and_says_when_it_changed(client, staff, world):
    publish(staff, world)
    response = get(client, "jury:laureates_json")
    assert isinstance(json.loads(response.content), list)
    correction = ResultCorrection.objects.get()
    assert response["Last-Modified"] == http_date(correction.published_at.timestamp())
    assert get(client, "jury:corrections_json")["Last-Modified"] == response["Last-Modified"]


def test_files_conform_to_their_schemas(client, staff, world, tmp_path):
    publish(staff, world)
    for stem, files in {
        "rectificatifs": ["jury:corrections_csv", "jury:corrections_json"],
        "laureats": ["jury:laureates_csv", "jury:laureates_json"],
    }.items():
        schema = Schema.from_descriptor(
            json.loads((SCHEMAS / f"{stem}.schema.json").read_text(encoding="utf-8"))
        )
        for name in files:
            content = get(client, name).content
            if name.endswith("json"):
                resource = Resource(data=json.loads(content), format="inline", schema=schema)
            else:
                (tmp_path / "file.csv").write_bytes(content)
                resource = Resource(
                    path="file.csv", basepath=str(tmp_path), format="csv", schema=schema
                )
            report = resource.validate()
            errors = [error.message for task in report.tasks for error in task.errors]
            assert report.valid, (name, errors[:5])


def test_open_data_page_offers_the_corrections(client, staff, world):
    publish(staff, world)
    page = get(client, "jury:open_data").content.decode()
    assert 'data-dataset="rectificatifs"' in page
    assert f'href="{reverse("jury:corrections_csv")}"' in page
    assert f'href="{reverse("jury:corrections_json")}"' in page
    assert "<code>type_modification</code>" in page
    assert "<code>date_mise_a_jour</code>" in page


def test_other_methods_are_refused(client):
    assert client.post(reverse("jury:corrections_csv")).status_code == 405
    assert client.post(reverse("jury:corrections_json")).status_code == 405


def test_a_hidden_calls_corrections_are_not_listed(client, staff, world):
    publish(staff, world)
    Call.objects.filter(pk=world["call"].pk).update(is_public=False)
    assert json_rows(client, "jury:corrections_json") == []


UPDATED = re.compile(
    r'<p class="[^"]*results-updated"[^>]*>Résultats mis à jour le '
    r'<time datetime="2021-04-12">12 avril 2021</time> — <a href="([^"]+)">'
)


def test_pages_show_the_official_date_with_the_history(client, staff, world):
    call, one = world["call"], world["one"]
    laureate_url = reverse("jury:laureate", args=[one.award.slug])
    pages = [
        reverse("jury:laureates"),
        laureate_url,
        reverse("calls:detail", args=[call.slug]),
        reverse("jury:statistics"),
    ]
    for url in pages:
        assert "results-updated" not in client.get(url).content.decode(), url
    publish(staff, world)
    history = reverse("jury:results_history", args=[call.slug])
    for url in pages:
        content = client.get(url).content.decode()
        assert UPDATED.findall(content) == [history], url
    # The official date replaces the technical « Mis à jour le ».
    assert "Mis à jour le" not in client.get(reverse("jury:laureates")).content.decode()
    assert 'id="laureate-updated"' not in client.get(laureate_url).content.decode()
    call_page = client.get(reverse("calls:detail", args=[call.slug])).content.decode()
    assert 'id="results-updated"' in call_page


def _corrected(staff, title):
    call, (dossier, *_rest), _tools = published_call(staff, title, n=2)
    correction = corrections.create_correction(
        staff, call, official_date=OFFICIAL, reason="Rectificatif."
    )
    corrections.plan_change(
        staff, correction, K.CORRECT_TITLE, dossier, title=f"{title} corrigé", subtitle=""
    )
    corrections.publish_correction(staff, correction)


@pytest.mark.parametrize(
    "url",
    [
        "jury:laureates",
        "jury:statistics",
        "jury:corrections_csv",
        "jury:laureates_json",
        "jury:open_data",
    ],
)
def test_constant_queries_whatever_the_number_of_corrected_calls(
    client, staff, url, django_assert_max_num_queries
):
    from django.core.cache import cache

    _corrected(staff, "Appel A")
    cache.clear()
    with django_assert_max_num_queries(60) as small:
        assert client.get(reverse(url)).status_code == 200
    for title in ("Appel B", "Appel C", "Appel D"):
        _corrected(staff, title)
    cache.clear()
    with django_assert_max_num_queries(len(small.captured_queries)):
        content = client.get(reverse(url)).content.decode()
    if url in ("jury:laureates", "jury:statistics"):
        assert content.count('<time datetime="2021-04-12">') == 4


def test_a_windows_correction_shows_on_its_page_and_in_the_files(client):
    from jury.committee import workflow as committee
    from tests.jury import window_data as wd

    w = wd.window(envelope=Decimal("120000"))
    accepted, _ = wd.submitted(w)
    wd.proposed(w, accepted)
    march = wd.session(w)
    for item in wd.on_agenda(w, march, accepted):
        committee.follow_proposal(w.staff, item)
    committee.publish_session(w.staff, march)
    march.refresh_from_db()
    row = json_rows(client, "jury:laureates_json")[0]
    assert row["date_mise_a_jour"] == timezone.localtime(march.published_at).date().isoformat()
    correction = corrections.create_correction(
        w.staff, w.call, official_date=OFFICIAL, reason="Erreur de saisie."
    )
    corrections.plan_change(
        w.staff, correction, K.CORRECT_TITLE, accepted, title="Nouveau titre", subtitle=""
    )
    corrections.publish_correction(w.staff, correction)
    assert json_rows(client, "jury:laureates_json")[0]["date_mise_a_jour"] == "2021-04-12"
    (change,) = json_rows(client, "jury:corrections_json")
    assert change["apres"] == "Nouveau titre"
    page = client.get(reverse("calls:detail", args=[w.call.slug])).content.decode()
    assert 'id="window-results-updated"' in page
    assert UPDATED.findall(page) == [reverse("jury:results_history", args=[w.call.slug])]


def test_a_dossier_added_by_a_correction_is_dated_by_it(client, staff, world):
    registered = DossierFactory(
        call=world["call"],
        state=DossierState.SUBMITTED,
        submitted_at=timezone.now(),
        registered_by=staff,
        registered_at=timezone.now(),
        received_via="email",
        requested_amount=Decimal("50000"),
        title="Dossier reçu par courrier",
    )
    corrections.plan_change(
        staff, world["correction"], K.ADD_LAUREATE, registered, granted_amount="10000"
    )
    publish(staff, world)
    by_reference = {row["reference"]: row for row in json_rows(client, "jury:laureates_json")}
    assert by_reference[registered.reference]["date_mise_a_jour"] == "2021-04-12"
    added = csv_rows(client, "jury:corrections_csv")[-1]
    assert (added["type_modification"], added["avant"], added["apres"]) == (
        "add_laureate",
        "non lauréat",
        "lauréat",
    )
