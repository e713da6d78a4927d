"""Every open-data file of the demo, downloaded as the public downloads it, validated with
``frictionless`` against the Table Schema of its dataset in ``jury/results/schemas/``.

The test walks that folder: each ``<dataset>.schema.json`` must have its files in ``FILES``
(a schema without files fails), so a new schema is validated as soon as it is added. The SCDL
« subventions » schema's two custom checks, which Table Schema cannot state, are checked here:
every row names its beneficiary by SIRET or RNA number, and every SIRET has a valid key.
"""

import csv
import io
import json
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from frictionless import Resource, Schema
from stdnum.fr import siret

pytestmark = pytest.mark.django_db

SCHEMAS = Path(settings.BASE_DIR) / "jury" / "results" / "schemas"
# Schema file stem → the URL names of the files it describes, with their format.
FILES = {
    "laureats": [("jury:laureates_csv", "csv"), ("jury:laureates_json", "json")],
    "subventions": [("jury:grants_csv", "csv")],
    "rectificatifs": [("jury:corrections_csv", "csv"), ("jury:corrections_json", "json")],
}


def schema_paths():
    return sorted(SCHEMAS.glob("*.schema.json"))


def test_every_schema_has_its_files():
    stems = {path.name.removesuffix(".schema.json") for path in schema_paths()}
    assert stems == set(FILES)


def _download(client, url_name) -> bytes:
    response = client.get(reverse(url_name))
    assert response.status_code == 200
    return response.content


def _resource(content: bytes, fmt: str, schema: Schema, folder: Path) -> Resource:
    if fmt == "json":
        # An array of objects: frictionless reads it as inline rows keyed by field name.
        return Resource(data=json.loads(content), format="inline", schema=schema)
    (folder / "file.csv").write_bytes(content)
    return Resource(
        path="file.csv", basepath=str(folder), format="csv", encoding="utf-8", schema=schema
    )


@pytest.mark.parametrize("path", schema_paths(), ids=lambda path: path.name)
def test_demo_files_conform_to_their_schema(client, seeded, path, tmp_path):
    schema = Schema.from_descriptor(json.loads(path.read_text(encoding="utf-8")))
    for url_name, fmt in FILES[path.name.removesuffix(".schema.json")]:
        content = _download(client, url_name)
        report = _resource(content, fmt, schema, tmp_path).validate()
        errors = [error.message for task in report.tasks for error in task.errors]
        assert report.valid, (url_name, errors[:10])
        assert report.tasks[0].stats["rows"] > 0, url_name


def test_every_grant_names_its_beneficiary_by_a_valid_siret(client, seeded):
    rows = list(csv.DictReader(io.StringIO(_download(client, "jury:grants_csv").decode())))
    assert rows
    for row in rows:
        # SCDL 2.1.1 « one-of-required »: idBeneficiaire or rnaBeneficiaire.
        assert row["idBeneficiaire"] or row["rnaBeneficiaire"], row
        # « french-siret-value » on both identifiers.
        assert siret.is_valid(row["idBeneficiaire"]), row
        assert siret.is_valid(row["idAttribuant"]), row
        assert row["dispositifAide"] == "demo-france-relance-donnees-2021"


def test_the_laureate_without_siret_is_left_out_of_the_grants(client, seeded):
    from submissions import demo_data

    name = demo_data.ADMINISTRATIONS[demo_data.NO_SIRET].name
    grants = _download(client, "jury:grants_csv").decode()
    laureates = _download(client, "jury:laureates_csv").decode()
    assert name in laureates
    assert name not in grants
