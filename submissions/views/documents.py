"""The dossier's PDF documents, for those who may see the dossier: its administration's
agents and, once submitted, the staff of its programme (jurors download theirs from the
jury's pages). A dossier never submitted has no such document: 404."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.views.decorators.http import require_safe

from submissions.documents import content
from submissions.documents.content import submitted_dossier_or_404
from submissions.documents.render import pdf_response


@login_required
@require_safe
def acknowledgement_pdf(request, pk):
    dossier = submitted_dossier_or_404(request.user, pk)
    return pdf_response(
        content.acknowledgement_pdf(dossier), f"accuse-de-reception-{dossier.reference}.pdf"
    )


@login_required
@require_safe
def dossier_pdf(request, pk):
    dossier = submitted_dossier_or_404(request.user, pk)
    return pdf_response(content.dossier_pdf(dossier), f"dossier-{dossier.reference}.pdf")
