"""Small readers of rendered HTML for assertions (no third-party parser needed)."""

from __future__ import annotations

import re
from html import unescape
from html.parser import HTMLParser

VOID = {"br", "img", "input", "hr", "meta", "link", "source", "wbr", "area", "col", "base"}


class _Collector(HTMLParser):
    """Collects the text of elements matching a predicate on (tag, attrs)."""

    def __init__(self, predicate):
        super().__init__(convert_charrefs=True)
        self.predicate = predicate
        self.stack: list[tuple[str, int | None]] = []
        self.texts: list[list[str]] = []

    def handle_starttag(self, tag, attrs):
        if tag in VOID:
            if tag == "br":
                self.handle_data(" ")
            return
        index = None
        if self.predicate(tag, dict(attrs)):
            self.texts.append([])
            index = len(self.texts) - 1
        self.stack.append((tag, index))

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        while self.stack:
            open_tag, _ = self.stack.pop()
            if open_tag == tag:
                break

    def handle_data(self, data):
        for _, index in self.stack:
            if index is not None:
                self.texts[index].append(data)


def _texts(content, predicate) -> list[str]:
    html = content.decode() if isinstance(content, bytes) else content
    parser = _Collector(predicate)
    parser.feed(html)
    return [collapse("".join(parts)) for parts in parser.texts]


def collapse(text: str) -> str:
    # ASCII whitespace only: no-break spaces are meaningful (« 100 000 € »).
    return re.sub(r"[ \t\n\r\f\v]+", " ", text).strip(" \t\n\r\f\v")


def text_by_id(content, element_id: str) -> str:
    """The text of the element with this id (whitespace collapsed)."""
    found = _texts(content, lambda tag, attrs: attrs.get("id") == element_id)
    assert found, f"no element with id={element_id!r}"
    return found[0]


def texts_of(content, tag: str, within_id: str | None = None) -> list[str]:
    """The texts of every ``tag`` element, optionally inside the element with ``within_id``."""
    html = content.decode() if isinstance(content, bytes) else content
    if within_id is not None:
        html = _outer_html_by_id(html, within_id)
    return _texts(html, lambda t, attrs: t == tag)


def _outer_html_by_id(html: str, element_id: str) -> str:
    start = html.find(f'id="{element_id}"')
    assert start != -1, f"no element with id={element_id!r}"
    start = html.rfind("<", 0, start)
    tag = re.match(r"<(\w+)", html[start:]).group(1)
    depth = 0
    for match in re.finditer(rf"<(/?){tag}\b[^>]*>", html[start:]):
        depth += -1 if match.group(1) else 1
        if depth == 0:
            return html[start : start + match.end()]
    raise AssertionError(f"unclosed element with id={element_id!r}")


def h1_count(content) -> int:
    html = content.decode() if isinstance(content, bytes) else content
    return len(re.findall(r"<h1[\s>]", html))


def page_title(content) -> str:
    html = content.decode() if isinstance(content, bytes) else content
    match = re.search(r"<title>(.*?)</title>", html, re.S)
    assert match, "no <title>"
    return collapse(unescape(match.group(1)))


class _LangCollector(HTMLParser):
    """Collects (text, language) of elements matching a predicate on (tag, attrs): the
    language is the ``lang`` of the element or of its nearest ancestor that has one."""

    def __init__(self, predicate):
        super().__init__(convert_charrefs=True)
        self.predicate = predicate
        self.stack: list[tuple[str, str | None, int | None]] = []
        self.found: list[tuple[list[str], str | None]] = []

    def handle_starttag(self, tag, attrs):
        if tag in VOID:
            return
        attrs = dict(attrs)
        lang = attrs.get("lang") or (self.stack[-1][1] if self.stack else None)
        index = None
        if self.predicate(tag, attrs):
            self.found.append(([], lang))
            index = len(self.found) - 1
        self.stack.append((tag, lang, index))

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        while self.stack:
            open_tag, _lang, _index = self.stack.pop()
            if open_tag == tag:
                break

    def handle_data(self, data):
        for _tag, _lang, index in self.stack:
            if index is not None:
                self.found[index][0].append(data)


def texts_with_lang(content, predicate) -> list[tuple[str, str | None]]:
    """(text, language) of each element matching ``predicate(tag, attrs)``."""
    html = content.decode() if isinstance(content, bytes) else content
    parser = _LangCollector(predicate)
    parser.feed(html)
    return [(collapse("".join(parts)), lang) for parts, lang in parser.found]
