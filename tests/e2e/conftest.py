"""Browser tests: Playwright drives Debian's chromium against pytest-django's live server.

Never a downloaded browser: the executable is /usr/bin/chromium (apt package ``chromium``),
or ``CHROMIUM_PATH``; without it the tests are skipped, unless ``RELANCE_E2E_REQUIRED=1``
(set by CI) makes them fail. Every page fails its test on a console error or an uncaught script
error, so a missing static file or a broken script cannot go unnoticed.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; Django would otherwise refuse
# database access from the test code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ARTIFACTS_DIR = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str:
    return os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


@pytest.fixture(scope="session")
def browser():
    executable = chromium_path()
    if not Path(executable).exists():
        message = (
            f"No chromium at {executable}: install Debian's package (apt-get install chromium) "
            "or set CHROMIUM_PATH."
        )
        # CI (.ci/run) requires the browser tests; a developer machine may lack chromium.
        if os.environ.get("RELANCE_E2E_REQUIRED") == "1":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    """A fresh page on the live server; the test fails on any console or page error."""
    context = browser.new_context(
        base_url=live_server.url, locale="fr-FR", viewport={"width": 1280, "height": 900}
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    errors: list[str] = []
    page.on(
        "console",
        lambda message: (
            errors.append(f"console {message.type}: {message.text} ({message.location})")
            if message.type == "error"
            else None
        ),
    )
    page.on("pageerror", lambda error: errors.append(f"page error: {error}"))
    yield page
    context.close()
    assert not errors, "\n".join(errors)


@pytest.fixture
def screenshot(page, request):
    """Save a full-page screenshot under test-artifacts/ (git-ignored); return its path."""
    ARTIFACTS_DIR.mkdir(exist_ok=True)

    def take(name: str) -> Path:
        path = ARTIFACTS_DIR / f"{request.node.name}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


SERIOUS_IMPACTS = ("serious", "critical")
PHONE_VIEWPORT = {"width": 375, "height": 812}


def serious_axe_violations(page) -> list[str]:
    """axe-core's serious and critical violations on the page as it is now, one line each."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']} — "
        + ", ".join(" ".join(node["target"]) for node in violation["nodes"][:5])
        for violation in results.response["violations"]
        if violation["impact"] in SERIOUS_IMPACTS
    ]


@pytest.fixture
def check_screen(page, screenshot):
    """Look at the current page as users do: at 1280 px and at 375 px, each one screenshot
    (``<name>-1280.png``, ``<name>-375.png``) and no serious axe-core violation."""

    def check(name: str) -> list[Path]:
        desktop = page.viewport_size
        paths = []
        for width, viewport in (("1280", desktop), ("375", PHONE_VIEWPORT)):
            page.set_viewport_size(viewport)
            paths.append(screenshot(f"{name}-{width}"))
            violations = serious_axe_violations(page)
            assert not violations, f"{name} at {width} px:\n" + "\n".join(violations)
        page.set_viewport_size(desktop)
        return paths

    return check
