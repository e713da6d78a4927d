"""Every screen of every role, on the demonstration data, as users see it.

Each role (anonymous visitor, applicant agent, juror, instructor, programme manager) signs in
and follows the links of its own pages, from its entry points; one page per route is kept (the
first reached, by the first role reaching it), and each is looked at in French at 1280 px and
at 375 px and in English at 1280 px: no serious or critical axe-core violation, no page wider
than a phone's screen except inside a table region that scrolls and can take the keyboard
focus. One browser, one tab per role and language, several checks per page load.
"""

from __future__ import annotations

from io import StringIO
from urllib.parse import urljoin, urlsplit

import pytest
from django.urls import Resolver404, resolve, reverse
from playwright.sync_api import expect

from calls.demo import ROUND_1_SLUG
from jury.demo import JUROR_LOGIN
from relance import demo
from relance.demo import MANAGER_LOGIN, STAFF_LOGIN
from submissions.demo import APPLICANT_LOGIN
from tests.e2e.conftest import ARTIFACTS_DIR, PHONE_VIEWPORT, serious_axe_violations

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("transactional_db")]

DESKTOP = {"width": 1280, "height": 900}
# Each role's way in; the crawl follows the links from there.
ENTRY_POINTS = {
    "anonymous": ["/", "/accessibilite/", "/mentions-legales/", "/donnees-personnelles/"],
    "agent": ["/", "/dossiers/"],
    "juror": ["/", "/jury/"],
    "manager": ["/", "/instruction/", "/instruction/programmes/"],
    "instructor": ["/", "/instruction/"],
}
LOGINS = {
    "agent": APPLICANT_LOGIN,
    "juror": JUROR_LOGIN,
    "instructor": STAFF_LOGIN,
    "manager": MANAGER_LOGIN,
}
# Routes that answer with a file, leave the site or are Django's admin (its own test).
SKIPPED_ROUTE_WORDS = ("export", "csv", "json", "download", "attachment", "pdf", "file", "api")
SKIPPED_PATHS = ("/admin/", "/i18n/", "/jsi18n/", "/sante/", "/media/", "/static/")
MAX_PAGES_PER_ROLE = 40

# Elements reaching past the viewport outside of any scrolling container, and the scrolling
# containers that are not a focusable table region.
OVERFLOW_SCRIPT = """
() => {
  const width = document.documentElement.clientWidth;
  const problems = [];
  const describe = (el) => {
    const classes = typeof el.className === 'string' ? el.className.trim() : '';
    return el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
      (classes ? '.' + classes.split(/\\s+/).join('.') : '');
  };
  const scrolls = (el) => {
    const style = getComputedStyle(el);
    return ['auto', 'scroll'].includes(style.overflowX) && el.scrollWidth > el.clientWidth + 1;
  };
  if (document.documentElement.scrollWidth > width + 1) {
    for (const el of document.body.querySelectorAll('*')) {
      const rect = el.getBoundingClientRect();
      if (rect.width === 0 || rect.right <= width + 1) continue;
      let inside = false;
      for (let parent = el.parentElement; parent; parent = parent.parentElement) {
        if (scrolls(parent)) { inside = true; break; }
      }
      if (!inside) problems.push('wider than the screen: ' + describe(el));
      if (problems.length > 5) break;
    }
  }
  for (const el of document.body.querySelectorAll('*')) {
    if (!scrolls(el)) continue;
    const table = el.tagName === 'TABLE' || el.querySelector('table');
    if (!table || el.tabIndex < 0) {
      problems.push('scrolls without a focusable table region: ' + describe(el));
    }
  }
  return problems;
}
"""


def route_name(url: str) -> str | None:
    """The route a same-site page link leads to, or None for what is not a page to check."""
    parts = urlsplit(url)
    if any(parts.path.startswith(prefix) for prefix in SKIPPED_PATHS):
        return None
    try:
        match = resolve(parts.path)
    except Resolver404:
        return None
    name = match.view_name
    if any(word in name for word in SKIPPED_ROUTE_WORDS) or name in ("logout", "set_language"):
        return None
    return name


def open_tab(browser, live_server, errors, *, language="fr"):
    context = browser.new_context(base_url=live_server.url, locale="fr-FR", viewport=DESKTOP)
    if language != "fr":
        context.add_cookies(
            [{"name": "django_language", "value": language, "url": live_server.url}]
        )
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.on(
        "console",
        lambda message: (
            errors.append(f"{page.url}: console {message.type}: {message.text}")
            # A page outside the site's layout (the printable schedule) links no icon.
            if message.type == "error"
            and not (message.location or {}).get("url", "").endswith("/favicon.ico")
            else None
        ),
    )
    page.on("pageerror", lambda error: errors.append(f"{page.url}: page error: {error}"))
    return context, page


def sign_in(page, login):
    page.goto("/compte/connexion/")
    page.locator('input[name="username"]').fill(login.email)
    page.locator('input[name="password"]').fill(login.password)
    page.locator("main button[type=submit]").first.click()
    page.wait_for_url(lambda url: "/compte/connexion/" not in url)


def same_site_links(page, base) -> list[str]:
    hrefs = page.eval_on_selector_all(
        "a[href]:not([download])", "links => links.map(link => link.getAttribute('href'))"
    )
    links = []
    for href in hrefs:
        if not href or href.startswith(("#", "mailto:", "tel:", "javascript:")):
            continue
        url = urljoin(page.url, href).split("#")[0]
        if url.startswith(base):
            links.append(url[len(base) :] or "/")
    return links


def role_entry_points(role) -> list[str]:
    """The jury's staff screens of the first round, reached first by the manager (a crawl
    capped at MAX_PAGES_PER_ROLE would otherwise spend itself on the instruction pages)."""
    if role != "manager":
        return []
    names = ("deliberation", "ranking", "staff_jury", "hearing_sessions")
    return [reverse(f"jury:{name}", kwargs={"call_slug": ROUND_1_SLUG}) for name in names]


def crawl(page, live_server, role, done, reached) -> dict[str, str]:
    """One path per route reached from the role's entry points and not yet looked at with
    an earlier role: {route name: path}."""
    pages: dict[str, str] = {}
    queue = [*role_entry_points(role), *ENTRY_POINTS[role]]
    seen = set()
    while queue and len(pages) < MAX_PAGES_PER_ROLE:
        path = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        name = route_name(path)
        if name is None or name in pages or name in done:
            if name is not None:
                reached.add(name)
            continue
        response = page.goto(path)
        if response is None or response.status != 200:
            continue
        if "text/html" not in (response.headers.get("content-type") or ""):
            continue
        pages[name] = path
        reached.add(name)
        queue.extend(same_site_links(page, live_server.url))
    return pages


def look(page, problems, label, *, shots=None):
    for violation in serious_axe_violations(page):
        problems.append(f"{label}: {violation}")
        print(problems[-1])
    if shots is not None:
        page.screenshot(path=str(shots))


def test_every_page_of_every_role_is_accessible_and_fits_a_phone(browser, live_server):
    demo.load_all(StringIO())
    shots = ARTIFACTS_DIR / "every-page"
    shots.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    errors: list[str] = []
    checked: dict[str, list[str]] = {}
    reached: dict[str, set[str]] = {}
    for role in ENTRY_POINTS:
        context, page = open_tab(browser, live_server, errors)
        english, english_page = open_tab(browser, live_server, errors, language="en")
        if role in LOGINS:
            sign_in(page, LOGINS[role])
            sign_in(english_page, LOGINS[role])
        done = {n for names in checked.values() for n in names}
        reached[role] = set()
        pages = crawl(page, live_server, role, done, reached[role])
        checked[role] = sorted(pages)
        for name, path in pages.items():
            slug = f"{role}-{name.replace(':', '-')}"
            label = f"{role} {path} ({name})"
            page.set_viewport_size(DESKTOP)
            page.goto(path)
            page.wait_for_load_state("load")
            look(page, problems, f"{label} at 1280 px", shots=shots / f"{slug}-1280.png")
            page.set_viewport_size(PHONE_VIEWPORT)
            look(page, problems, f"{label} at 375 px", shots=shots / f"{slug}-375.png")
            for problem in page.evaluate(OVERFLOW_SCRIPT):
                problems.append(f"{label} at 375 px: {problem}")
                print(problems[-1])
            english_page.goto(path)
            english_page.wait_for_load_state("load")
            expect(english_page.locator("html")).to_have_attribute("lang", "en")
            look(english_page, problems, f"{label} in English")
        context.close()
        english.close()
    # The crawl did reach each role's own screens, not only the public ones.
    print({role: len(names) for role, names in checked.items()})
    assert "home" in checked["anonymous"]
    assert any(name.startswith("submissions:dossier") for name in reached["agent"]), reached
    assert any(name.startswith("jury:juror") for name in reached["juror"]), reached
    assert {"jury:deliberation", "jury:ranking"} <= reached["manager"], reached
    assert any(name.startswith("calls:staff") for name in reached["manager"]), reached
    assert "submissions:instruction_home" in reached["instructor"], reached
    assert not errors, "\n".join(errors)
    assert not problems, "\n".join(problems)
