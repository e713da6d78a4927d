"""In the English interface, French content written by staff (laureates' titles, calls,
categories, administrations) is marked ``lang="fr"`` so that screen readers read it with a
French voice (RGAA 8.7); the translated interface around it is not."""

import pytest
from django.utils import translation

from tests.calls.html import texts_with_lang
from tests.jury.test_public_laureates import World

pytestmark = pytest.mark.django_db


def english(client, url):
    # The request activates English in this thread: restore the language after it.
    with translation.override(translation.get_language()):
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    content = response.content.decode()
    assert '<html lang="en"' in content
    return content


def by_class(name):
    return lambda tag, attrs: name in (attrs.get("class") or "").split()


def by_tag(name):
    return lambda tag, attrs: tag == name


def by_id(element_id):
    return lambda tag, attrs: attrs.get("id") == element_id


def test_laureates_list_marks_french_titles(client):
    world = World()
    content = english(client, "/laureats/")
    titles = texts_with_lang(content, by_class("fr-card__title"))
    assert ("ANAIS", "fr") in titles
    assert ("API Sécu", "fr") in titles
    assert all(lang == "fr" for _title, lang in titles)
    # The call's title is French; the interface's heading is not.
    calls = dict(texts_with_lang(content, by_id(f"call-{world.round1.pk}-title")))
    assert calls == {world.round1.title: "fr"}
    assert texts_with_lang(content, by_tag("h1")) == [("Laureates", "en")]


def test_laureate_page_marks_french_content(client):
    world = World()
    content = english(client, "/laureats/anais/")
    assert texts_with_lang(content, by_tag("h1")) == [("ANAIS", "fr")]
    assert texts_with_lang(content, by_id("laureate-subtitle"))[0][1] == "fr"
    assert texts_with_lang(content, by_id("laureate-category")) == [("Plateformes d’échange", "fr")]
    assert texts_with_lang(content, by_id("laureate-call")) == [(world.round1.title, "fr")]
    assert texts_with_lang(content, by_id("laureate-facts-title")) == [("At a glance", "en")]
