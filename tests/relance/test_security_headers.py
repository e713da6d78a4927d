"""Security headers on real responses: Content-Security-Policy (scripts by nonce only),
Permissions-Policy, HSTS, ``Cache-Control: no-store`` for signed-in users; and
``manage.py check --deploy`` with the README's production variables.
"""

from __future__ import annotations

import os
import re
import secrets
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

from tests.relance.dom import parse

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.django_db


def directives(response) -> dict[str, list[str]]:
    policy = response.headers["Content-Security-Policy"]
    parsed = {}
    for part in policy.split(";"):
        name, *values = part.split()
        parsed[name] = values
    return parsed


def assert_scripts_by_nonce_only(response):
    policy = directives(response)
    script_src = policy["script-src"]
    assert "'unsafe-inline'" not in script_src
    assert "'unsafe-eval'" not in script_src
    assert policy["default-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    nonces = [value for value in script_src if value.startswith("'nonce-")]
    scripts = parse(response.content.decode()).find_all("script")
    assert scripts, "the page loads the DSFR's scripts"
    for script in scripts:
        # Every script of the page, inline or not, carries the nonce the header allows.
        assert nonces == [f"'nonce-{script.get('nonce')}'"], script


def assert_permissions_policy(response):
    policy = response.headers["Permissions-Policy"]
    for feature in ("camera", "microphone", "geolocation", "payment"):
        assert f"{feature}=()" in policy


def test_anonymous_public_page_headers(client):
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert_scripts_by_nonce_only(response)
    assert_permissions_policy(response)
    assert "no-store" not in response.headers.get("Cache-Control", "")
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_each_response_has_its_own_nonce(client):
    first = directives(client.get(reverse("home")))["script-src"]
    second = directives(client.get(reverse("home")))["script-src"]
    assert first != second


def test_public_results_page_keeps_its_caching_for_anonymous_visitors(client):
    response = client.get(reverse("jury:laureates"))
    assert response.status_code == 200
    assert "max-age=60" in response.headers["Cache-Control"]
    assert_scripts_by_nonce_only(response)


def test_signed_in_pages_are_never_stored(client, user):
    client.force_login(user)
    for name in ("submissions:dossier_list", "jury:laureates", "home"):
        response = client.get(reverse(name))
        assert response.status_code == 200, name
        assert response.headers["Cache-Control"] == "private, no-store", name
        assert "Expires" not in response.headers
        assert_scripts_by_nonce_only(response)
        assert_permissions_policy(response)


def test_admin_pages_have_the_headers(client, superuser):
    client.force_login(superuser)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, no-store"
    assert_permissions_policy(response)
    policy = directives(response)
    assert "'unsafe-inline'" not in policy["script-src"]
    # The admin's scripts are files of the site: 'self' allows them without a nonce.
    for script in parse(response.content.decode()).find_all("script"):
        assert script.get("src", "").startswith("/static/"), script


def test_hsts_on_https_responses(client, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_HSTS_PRELOAD = True
    secure = client.get(reverse("home"), secure=True)
    assert secure.headers["Strict-Transport-Security"] == (
        "max-age=31536000; includeSubDomains; preload"
    )
    # Never on plain HTTP (a browser would ignore it there).
    assert "Strict-Transport-Security" not in client.get(reverse("home")).headers


def test_plain_http_is_redirected_except_the_health_check(client, settings, tmp_path):
    settings.SECURE_SSL_REDIRECT = True
    settings.MEDIA_ROOT = tmp_path
    response = client.get(reverse("home"))
    assert response.status_code == 301
    assert response.headers["Location"] == "https://testserver/"
    # Load balancers probe the application over plain HTTP.
    assert client.get(reverse("health")).status_code != 301


# Settings of a production process -----------------------------------------------------------


def readme_production_environment() -> dict[str, str]:
    """The variables of the README's production ``export``, with placeholder secrets."""
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Production", 1)[1]
    match = re.search(r"```sh\n(export .*?[^\\])\n", section, re.DOTALL)
    assert match, "the README's production section starts with an export command"
    words = shlex.split(match.group(1).replace("\\\n", " "))
    assert words[0] == "export"
    environ = {}
    for word in words[1:]:
        name, value = word.split("=", 1)
        environ[name] = value
    environ["SECRET_KEY"] = secrets.token_urlsafe(50)
    return {name: value.replace("…", "placeholder") for name, value in environ.items()}


def run_in_production(*args, **extra) -> subprocess.CompletedProcess:
    environ = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("SECURE_", "DJANGO_", "DATABASE_", "S3_", "EMAIL_", "REDIS_"))
    }
    environ.update(readme_production_environment(), DJANGO_SETTINGS_MODULE="relance.settings")
    environ.update(extra)
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=environ, capture_output=True, text=True
    )


def test_check_deploy_with_the_readme_production_variables_prints_no_warning():
    environ = readme_production_environment()
    assert environ["DEBUG"] == "0"
    result = run_in_production("manage.py", "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "WARNING" not in result.stderr + result.stdout
    assert "System check identified no issues" in result.stdout


SETTINGS_PROBE = (
    "import django; django.setup(); from django.conf import settings as s; "
    "print(s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SECURE_SSL_REDIRECT)"
)


def test_hsts_is_on_by_default_in_production_and_configurable():
    on = run_in_production("-c", SETTINGS_PROBE)
    assert on.returncode == 0, on.stderr
    assert on.stdout.split() == ["31536000", "True", "True"]
    off = run_in_production("-c", SETTINGS_PROBE, SECURE_HSTS_SECONDS="0", SECURE_SSL_REDIRECT="0")
    assert off.returncode == 0, off.stderr
    assert off.stdout.split() == ["0", "True", "False"]
    development = run_in_production("-c", SETTINGS_PROBE, DEBUG="1")
    assert development.stdout.split()[0] == "0"
