"""English catalogue: complete, compiled, and actually used by the pages."""

import ast
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from tests.factories import CallFactory

PO_PATH = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES" / "django.po"
MO_PATH = PO_PATH.with_suffix(".mo")

KEY_STRINGS = {
    "Appels à projets": "Calls for projects",
    "Mes dossiers": "My applications",
    "Se connecter": "Sign in",
    "Accueil": "Home",
}


def parse_po(path):
    """Tiny .po parser: a list of dicts with flags, msgctxt, msgid, msgid_plural, msgstr[n]."""
    entries, entry, key = [], None, None

    def flush():
        if entry is not None and "msgid" in entry:
            entries.append(entry)

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#~"):
            continue
        if line.startswith("#"):
            if entry is not None and "msgid" in entry:
                flush()
                entry = None
            entry = entry or {"flags": set()}
            if line.startswith("#,"):
                entry["flags"].update(flag.strip() for flag in line[2:].split(","))
            continue
        if line.startswith('"'):
            entry[key] += ast.literal_eval(line)
            continue
        keyword, _, value = line.partition(" ")
        if keyword in ("msgctxt", "msgid") and entry is not None and "msgid" in entry:
            flush()
            entry = None
        entry = entry or {"flags": set()}
        key = keyword
        entry[key] = ast.literal_eval(value)
    flush()
    return entries


@pytest.fixture(scope="module")
def entries():
    return parse_po(PO_PATH)


def test_header_declares_english_and_is_not_fuzzy(entries):
    header = entries[0]
    assert header["msgid"] == ""
    assert "fuzzy" not in header["flags"]
    assert "Language: en\n" in header["msgstr"]
    assert "Plural-Forms: nplurals=2; plural=(n != 1);" in header["msgstr"]


def test_every_entry_is_translated_and_none_is_fuzzy(entries):
    messages = entries[1:]
    assert len(messages) > 100
    untranslated = [
        e["msgid"] for e in messages if not all(v for k, v in e.items() if k.startswith("msgstr"))
    ]
    fuzzy = [e["msgid"] for e in messages if "fuzzy" in e["flags"]]
    assert untranslated == []
    assert fuzzy == []


def test_placeholders_are_kept(entries):
    placeholder = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\{[^}]*\}\}|\{\w+\}")
    wrong = []
    for e in entries[1:]:
        for k, v in e.items():
            source = (
                e.get("msgid_plural", "")
                if k.startswith("msgstr[") and k != "msgstr[0]"
                else e["msgid"]
            )
            if k.startswith("msgstr") and sorted(placeholder.findall(v)) != sorted(
                placeholder.findall(source)
            ):
                wrong.append((e["msgid"], v))
    assert wrong == []


def test_compiled_catalogue_is_up_to_date(entries):
    """The committed .mo answers with the .po translations (run compilemessages if not)."""
    assert MO_PATH.exists()
    singles = [
        e
        for e in entries[1:]
        if "msgid_plural" not in e and "msgctxt" not in e and e["msgid"] != e["msgstr"]
    ]
    # 20 entries spread over the whole file, so every app is covered.
    sample = singles[:: max(1, len(singles) // 20)][:20]
    with translation.override("en"):
        stale = [e["msgid"] for e in sample if translation.gettext(e["msgid"]) != e["msgstr"]]
        for french, english in KEY_STRINGS.items():
            assert translation.gettext(french) == english
        assert translation.ngettext("%(counter)s appel", "%(counter)s appels", 2) == (
            "%(counter)s calls"
        )
    assert stale == []


@pytest.mark.django_db
def test_home_page_in_english_with_accept_language(client):
    response = client.get(reverse("home"), headers={"accept-language": "en"})
    content = response.content.decode()
    assert '<html lang="en"' in content
    assert "Calls for projects" in content
    assert "Sign in" in content
    assert "Se connecter" not in content


@pytest.mark.django_db
def test_language_switch_sets_cookie_and_call_page_follows(client):
    call = CallFactory()
    response = client.post(
        reverse("set_language"), {"language": "en", "next": call.get_absolute_url()}
    )
    assert response.status_code == 302
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    content = client.get(call.get_absolute_url()).content.decode()
    assert '<html lang="en"' in content
    assert "How to apply?" in content
    assert "Comment candidater ?" not in content


@pytest.mark.django_db
def test_french_stays_the_default(client):
    content = client.get(reverse("home")).content.decode()
    assert '<html lang="fr"' in content
    assert "Se connecter" in content


def test_every_audit_action_has_an_english_label():
    """The histories read these labels: the vocabulary is translated as a whole."""
    from relance.audit import AuditAction

    with translation.override("fr"):
        french = {action: str(action.label) for action in AuditAction}
    with translation.override("en"):
        untranslated = [a.value for a in AuditAction if str(a.label) == french[a]]
    assert untranslated == []


APPS = ("relance", "calls", "submissions", "jury")
GETTEXT_CALLS = {"_", "gettext", "gettext_lazy", "ngettext", "ngettext_lazy"}
TEMPLATE_TRANSLATE = re.compile(
    r"""\{%\s*(?:translate|trans)\s+("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')"""
)


def _source_messages():
    """(file, msgid) of every literal the code marks for translation: calls of the gettext
    functions in Python (read through the syntax tree, so docstrings don't count) and
    ``{% translate "…" %}`` in templates. Block translations are left to makemessages."""
    base = Path(settings.BASE_DIR)
    for app in APPS:
        for path in (base / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not isinstance(node, ast.Call) or not node.args:
                    continue
                name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
                first = node.args[0]
                literal = first.value if isinstance(first, ast.Constant) else None
                if name in GETTEXT_CALLS and isinstance(literal, str) and literal:
                    yield path.relative_to(base), literal
    template_dirs = [base / "templates"] + [base / app / "templates" for app in APPS]
    for path in (p for d in template_dirs for p in d.rglob("*.html")):
        for match in TEMPLATE_TRANSLATE.finditer(path.read_text(encoding="utf-8")):
            # Django doubles a template message's % before looking it up.
            yield path.relative_to(base), ast.literal_eval(match.group(1)).replace("%", "%%")


def test_every_marked_message_is_in_the_catalogue(entries):
    """A message added to the code but not to the catalogue would show in French on the
    English pages: every literal marked for translation has its entry."""
    known = {e["msgid"] for e in entries}
    missing = sorted(
        {(str(path), msgid) for path, msgid in _source_messages() if msgid not in known}
    )
    assert missing == []
