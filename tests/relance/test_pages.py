"""Legal pages linked from the footer: reachable, one h1, French, skip links, honest content."""

from __future__ import annotations

import itertools

import pytest
from django.urls import reverse

from tests.relance.dom import Node, parse

pytestmark = pytest.mark.django_db

FOOTER_PAGES = {
    "accessibility": "Déclaration d’accessibilité",
    "legal": "Mentions légales",
    "privacy": "Données personnelles",
}

HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}


def footer_links(client) -> dict[str, str]:
    root = parse(client.get(reverse("home")).content)
    footer = root.one("footer", id="footer")
    return {
        link.get("href"): link.text() for link in footer.find_all("a", cls="fr-footer__bottom-link")
    }


def get_page(client, name) -> Node:
    response = client.get(reverse(name))
    assert response.status_code == 200
    return parse(response.content)


def test_footer_links_every_legal_page(client):
    links = footer_links(client)
    assert set(links) == {reverse(name) for name in FOOTER_PAGES}
    assert links[reverse("accessibility")] == "Accessibilité : non conforme"


@pytest.mark.parametrize(("name", "title"), FOOTER_PAGES.items())
def test_legal_page_structure(client, name, title):
    root = get_page(client, name)
    assert root.one("html").get("lang") == "fr"
    assert [h.text() for h in root.find_all("h1")] == [title]
    assert root.one("title").text().startswith(f"{title} — ")

    # Skip links to the content, the menu and the footer, each with an existing target.
    skiplinks = root.one(cls="fr-skiplinks")
    targets = [link.get("href") for link in skiplinks.find_all("a")]
    assert targets == ["#content", "#fr-navigation", "#footer"]
    for target in targets:
        assert root.by_id(target.removeprefix("#")) is not None, target
    assert root.one("main", id="content").find("h1") is not None

    # Headings never skip a level.
    levels = [int(node.tag[1]) for node in root.one("main").iter() if node.tag in HEADINGS]
    assert levels[0] == 1
    assert all(b - a <= 1 for a, b in itertools.pairwise(levels)), levels
    assert levels.count(2) >= 4

    # What the operator must fill in is visibly marked.
    marks = [mark.text() for mark in root.one("main").find_all("mark")]
    assert any(text.startswith("[À compléter") for text in marks)


def section_texts(root: Node) -> dict[str, str]:
    """Text under each h2, up to the next h2."""
    sections: dict[str, list[str]] = {}
    current = None
    for node in root.one("main").iter():
        if node.tag == "h2":
            current = node.text()
            sections[current] = []
        elif current and node.tag in {"p", "li", "td"}:
            sections[current].append(node.text())
    return {title: " ".join(texts) for title, texts in sections.items()}


def test_accessibility_declaration(client):
    sections = section_texts(get_page(client, "accessibility"))
    assert "non conforme" in sections["État de conformité"]
    assert "RGAA" in sections["État de conformité"]
    assert (
        "À compléter : adresse électronique de contact"
        in sections["Retour d’information et contact"]
    )
    recourse = sections["Voies de recours"]
    assert "Défenseur des droits" in recourse
    assert "Libre réponse 71120, 75342 Paris CEDEX 07" in recourse


def test_legal_notice(client):
    root = get_page(client, "legal")
    sections = section_texts(root)
    assert "À compléter : nom de l’administration éditrice" in sections["Éditeur du service"]
    assert "À compléter : nom et fonction" in sections["Direction de la publication"]
    assert "À compléter : nom de l’hébergeur" in sections["Hébergement"]
    assert "licence etalab-2.0" in sections["Réutilisation des contenus"]
    licence = root.one("main").one(
        "a", href="https://github.com/etalab/licence-ouverte/blob/master/LO.md"
    )
    assert licence.text() == "licence etalab-2.0"
    assert root.one("main").find("a", href=reverse("accessibility")) is not None
    assert root.one("main").find("a", href=reverse("privacy")) is not None


def test_privacy_notice(client):
    sections = section_texts(get_page(client, "privacy"))
    assert "mission d’intérêt public" in sections["Base légale"]
    data = sections["Données traitées"]
    for category in ("Comptes des utilisateurs", "membres des jurys", "Journal des actions"):
        assert category in data
    assert "À compléter" in sections["Durées de conservation"]
    assert "délégué à la protection des données" in sections["Vos droits"]
    assert "À compléter" in sections["Vos droits"]
    cookies = sections["Cookies"]
    assert "sessionid" in cookies and "csrftoken" in cookies
    assert "Aucun outil de mesure d’audience" in cookies
