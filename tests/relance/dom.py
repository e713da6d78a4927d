"""A small DOM built with the standard library's HTML parser, for assertions on rendered HTML."""

from __future__ import annotations

import re
from html.parser import HTMLParser

VOID = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "track",
    "wbr",
}


class Node:
    def __init__(self, tag: str, attrs: dict[str, str | None], parent: Node | None = None):
        self.tag = tag
        self.attrs = attrs
        self.parent = parent
        self.children: list[Node | str] = []

    def __repr__(self):
        attrs = " ".join(f'{k}="{v}"' for k, v in self.attrs.items())
        return f"<{self.tag} {attrs}>"

    @property
    def classes(self) -> set[str]:
        return set((self.attrs.get("class") or "").split())

    @property
    def id(self) -> str | None:
        return self.attrs.get("id")

    def get(self, name: str, default=None):
        return self.attrs.get(name, default)

    def tokens(self, name: str) -> list[str]:
        return (self.attrs.get(name) or "").split()

    def has(self, name: str) -> bool:
        return name in self.attrs

    def text(self) -> str:
        parts: list[str] = []

        def walk(node):
            for child in node.children:
                if isinstance(child, str):
                    parts.append(child)
                else:
                    walk(child)

        walk(self)
        return re.sub(r"\s+", " ", "".join(parts)).strip()

    def iter(self):
        for child in self.children:
            if isinstance(child, Node):
                yield child
                yield from child.iter()

    def find_all(self, tag: str | None = None, *, cls: str | None = None, **attrs) -> list[Node]:
        """Descendants matching a tag, classes and attributes (``for_="x"``, ``aria_invalid``)."""
        wanted = {name.rstrip("_").replace("_", "-"): value for name, value in attrs.items()}
        found = []
        for node in self.iter():
            if tag is not None and node.tag != tag:
                continue
            if cls is not None and not set(cls.split()) <= node.classes:
                continue
            if all(_matches(node, name, value) for name, value in wanted.items()):
                found.append(node)
        return found

    def find(self, tag: str | None = None, *, cls: str | None = None, **attrs) -> Node | None:
        found = self.find_all(tag, cls=cls, **attrs)
        return found[0] if found else None

    def one(self, tag: str | None = None, *, cls: str | None = None, **attrs) -> Node:
        found = self.find_all(tag, cls=cls, **attrs)
        assert len(found) == 1, f"expected one {tag} {cls} {attrs}, found {found}"
        return found[0]

    def by_id(self, element_id: str) -> Node | None:
        return next((node for node in self.iter() if node.id == element_id), None)

    def ancestors(self):
        node = self.parent
        while node is not None:
            yield node
            node = node.parent

    def closest(self, tag: str | None = None, *, cls: str | None = None) -> Node | None:
        for node in self.ancestors():
            if (tag is None or node.tag == tag) and (
                cls is None or set(cls.split()) <= node.classes
            ):
                return node
        return None

    def elements(self) -> list[Node]:
        return [child for child in self.children if isinstance(child, Node)]

    def first_element(self) -> Node | None:
        elements = self.elements()
        return elements[0] if elements else None

    def next_element(self) -> Node | None:
        """The next sibling element."""
        if self.parent is None:
            return None
        siblings = self.parent.elements()
        index = siblings.index(self)
        return siblings[index + 1] if index + 1 < len(siblings) else None


def _matches(node: Node, name: str, value) -> bool:
    # True only asks for the attribute to be present, whatever its value.
    if value is True:
        return name in node.attrs
    return node.attrs.get(name) == value


class _TreeBuilder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node("#root", {})
        self.current = self.root

    def handle_starttag(self, tag, attrs):
        node = Node(tag, dict(attrs), self.current)
        self.current.children.append(node)
        if tag not in VOID:
            self.current = node

    def handle_startendtag(self, tag, attrs):
        self.current.children.append(Node(tag, dict(attrs), self.current))

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        node = self.current
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self.current = node.parent

    def handle_data(self, data):
        self.current.children.append(data)


def parse(html: str | bytes) -> Node:
    if isinstance(html, bytes):
        html = html.decode()
    builder = _TreeBuilder()
    builder.feed(html)
    builder.close()
    return builder.root


def ids(root: Node) -> list[str]:
    return [node.id for node in root.iter() if node.id]
