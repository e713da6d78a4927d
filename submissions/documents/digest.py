"""The digest of a dossier's content: SHA-256 of one canonical serialisation.

Everything the administration filed is in it (the fields of the form, the budget lines, the
attachments by name, size and their own SHA-256), nothing the workflow sets (state,
instruction, dates), so the digest changes exactly when the filed content does.
"""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal

from submissions.models import DOSSIER_CONTENT_FIELDS, Dossier

# Shown on documents: enough to compare two copies by eye; the full digest is printed too.
SHORT_LENGTH = 16


def _value(value):
    if isinstance(value, Decimal):
        # « 1000 » and « 1000.00 » are the same amount.
        return format(value.quantize(Decimal("0.01")), "f")
    return value if value is not None else ""


def canonical_content(dossier: Dossier, budget_lines, attachments) -> bytes:
    """The dossier's content as canonical JSON (sorted keys, no spaces, UTF-8)."""
    fields = {
        name: _value(getattr(dossier, "category_id" if name == "category" else name))
        for name in DOSSIER_CONTENT_FIELDS
    }
    content = {
        "call": dossier.call_id,
        "reference": dossier.reference,
        "administration": dossier.administration_id,
        "fields": fields,
        "budget": [
            {"label": line.label, "nature": line.nature, "amount": _value(line.amount)}
            for line in sorted(budget_lines, key=lambda line: (line.order, line.pk))
        ],
        "attachments": sorted(
            ({"name": a.original_name, "size": a.size, "sha256": a.sha256} for a in attachments),
            key=lambda a: (a["sha256"], a["name"]),
        ),
    }
    return json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def content_digest(dossier: Dossier, budget_lines, attachments) -> str:
    return hashlib.sha256(canonical_content(dossier, budget_lines, attachments)).hexdigest()


def short(digest: str) -> str:
    """« 3f2a 9c01 77be 0d45 »: the digest's start, grouped for reading aloud."""
    head = digest[:SHORT_LENGTH]
    return " ".join(head[i : i + 4] for i in range(0, len(head), 4))
