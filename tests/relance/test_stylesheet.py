"""The site's own stylesheet parses as written: an unclosed block silently swallows every rule
after it (CSS closes it at the end of the file), so browsers would not say so."""

import re
from pathlib import Path

import tinycss2

STYLESHEETS = sorted((Path(__file__).resolve().parents[2] / "relance" / "static").rglob("*.css"))


def test_the_stylesheets_are_found():
    assert any(path.name == "relance.css" for path in STYLESHEETS)


def test_every_block_of_the_stylesheets_is_closed_and_every_rule_parses():
    for path in STYLESHEETS:
        text = path.read_text()
        code = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
        assert code.count("{") == code.count("}"), path
        rules = tinycss2.parse_stylesheet(text, skip_comments=True, skip_whitespace=True)
        errors = [rule for rule in rules if rule.type == "error"]
        assert not errors, (path, [e.message for e in errors])
