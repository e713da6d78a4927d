"""Uploads on an S3-compatible bucket (django-storages), against a real S3 server (moto's).

The settings select S3 when S3_BUCKET is set (``relance.settings.s3_storage``); the
objects stay private and downloads are streamed through the permission-checked view.
"""

import socket

import boto3
import pytest
from django.urls import reverse
from moto.server import ThreadedMotoServer

from relance.settings import s3_storage
from submissions.models import Attachment
from tests.factories import (
    AdministrationFactory,
    CallFactory,
    CategoryFactory,
    DossierFactory,
    UserFactory,
    agent_of,
)
from tests.submissions.sample_files import docx_bytes, upload

pytestmark = pytest.mark.django_db

BUCKET = "relance-pieces"
CREDENTIALS = {"S3_ACCESS_KEY_ID": "test-key", "S3_SECRET_ACCESS_KEY": "test-secret"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def s3_endpoint():
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def bucket(s3_endpoint, settings):
    client = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        region_name="eu-west-3",
        aws_access_key_id="test-key",
        aws_secret_access_key="test-secret",
    )
    client.create_bucket(
        Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-west-3"}
    )
    settings.STORAGES = {
        **settings.STORAGES,
        "default": s3_storage(
            {
                "S3_BUCKET": BUCKET,
                "S3_ENDPOINT_URL": s3_endpoint,
                "S3_REGION": "eu-west-3",
                "S3_PREFIX": "media",
                **CREDENTIALS,
            }
        ),
    }
    yield client
    for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        client.delete_object(Bucket=BUCKET, Key=item["Key"])
    client.delete_bucket(Bucket=BUCKET)


def test_settings_select_s3_only_when_a_bucket_is_named():
    options = s3_storage({"S3_BUCKET": "b", "S3_ENDPOINT_URL": "https://s3.example"})
    assert options["BACKEND"] == "storages.backends.s3.S3Storage"
    assert options["OPTIONS"]["bucket_name"] == "b"
    assert options["OPTIONS"]["endpoint_url"] == "https://s3.example"
    assert options["OPTIONS"]["default_acl"] == "private"
    assert options["OPTIONS"]["file_overwrite"] is False


def test_upload_lands_in_the_bucket_and_downloads_are_permission_checked(
    bucket, client, django_capture_on_commit_callbacks
):
    call = CallFactory()
    administration = AdministrationFactory()
    agent = agent_of(administration)
    dossier = DossierFactory(
        call=call,
        category=CategoryFactory(call=call),
        administration=administration,
        created_by=agent,
    )
    client.force_login(agent)
    pieces = reverse("submissions:dossier_attachments", kwargs={"pk": dossier.pk})
    response = client.post(
        pieces, {"file": upload("Devis.docx", docx_bytes()), "description": "Devis"}
    )
    assert response.status_code == 302
    attachment = Attachment.objects.get()

    # In the bucket, under the prefix, private.
    key = f"media/{attachment.file.name}"
    stored = bucket.get_object(Bucket=BUCKET, Key=key)
    assert stored["Body"].read() == docx_bytes()
    grants = bucket.get_object_acl(Bucket=BUCKET, Key=key)["Grants"]
    assert all("AllUsers" not in str(grant.get("Grantee")) for grant in grants)

    download = reverse(
        "submissions:attachment_download",
        kwargs={"pk": dossier.pk, "attachment_pk": attachment.pk},
    )
    response = client.get(download)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == docx_bytes()  # streamed from S3
    assert response["Content-Disposition"].startswith("attachment;")

    client.force_login(UserFactory())  # an agent of another administration
    assert client.get(download).status_code == 404
    client.logout()
    assert client.get(download).status_code in (302, 404)

    client.force_login(agent)
    delete = reverse(
        "submissions:attachment_delete",
        kwargs={"pk": dossier.pk, "attachment_pk": attachment.pk},
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(delete).status_code == 302
    assert bucket.list_objects_v2(Bucket=BUCKET).get("KeyCount") == 0
