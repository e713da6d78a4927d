"""What the dossier's documents show, read in a fixed number of queries whatever the number
of sections, budget lines or attachments. Callers check access first."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.http import Http404
from django.utils import timezone
from django.utils.translation import get_language

from relance.audit import AuditAction
from relance.models import AuditEntry
from submissions.display import dossier_summary
from submissions.documents import digest
from submissions.documents.render import render_pdf
from submissions.models import Dossier
from submissions.permissions import get_dossier_or_404

# An acknowledgement is rendered once per content: its key holds the digest, so any change
# of the content gives a new document and the old one simply expires.
ACKNOWLEDGEMENT_CACHE_SECONDS = 60 * 60 * 24
# Everything a document prints, in one query with the dossier.
DOCUMENT_RELATED = ("call__programme", "administration__ministry", "registered_by", "created_by")
DOCUMENT_QUERYSET = Dossier.objects.select_related(*DOCUMENT_RELATED)


def submitted_dossier_or_404(user, pk) -> Dossier:
    """The dossier if ``user`` may see it (``submissions.see_dossier``) and it was submitted:
    a dossier never submitted has no document."""
    dossier = get_dossier_or_404(user, pk, "submissions.see_dossier", queryset=DOCUMENT_QUERYSET)
    if dossier.submitted_at is None:
        raise Http404
    return dossier


def submitter(dossier: Dossier):
    """Who submitted the dossier: the agent of the first « submit » entry of the audit log;
    for a dossier received outside the platform, the instructor who registered it."""
    if dossier.registered_by_id:
        return dossier.registered_by
    entry = (
        AuditEntry.objects.filter(
            target_type=ContentType.objects.get_for_model(Dossier),
            target_id=str(dossier.pk),
            action=AuditAction.SUBMIT,
        )
        .select_related("actor")
        .order_by("at", "pk")
        .first()
    )
    if entry is not None and entry.actor is not None:
        return entry.actor
    return dossier.created_by


def document_context(dossier: Dossier) -> dict:
    budget_lines = list(dossier.budget_lines.all())
    attachments = list(dossier.attachments.all())
    full = digest.content_digest(dossier, budget_lines, attachments)
    agent = submitter(dossier)
    return {
        "dossier": dossier,
        "call": dossier.call,
        "administration": dossier.administration,
        "submitter": agent,
        "budget_lines": budget_lines,
        "attachments": attachments,
        "digest": full,
        "short_digest": digest.short(full),
        "generated_at": timezone.now(),
    }


def acknowledgement_pdf(dossier: Dossier) -> bytes:
    context = document_context(dossier)
    key = f"documents:acknowledgement:{dossier.pk}:{context['digest']}:{get_language()}"
    content = cache.get(key)
    if content is None:
        content = render_pdf("submissions/documents/acknowledgement.html", context)
        cache.set(key, content, ACKNOWLEDGEMENT_CACHE_SECONDS)
    return content


def dossier_pdf(dossier: Dossier) -> bytes:
    context = document_context(dossier)
    context["summary"] = dossier_summary(dossier)
    return render_pdf("submissions/documents/dossier.html", context)
