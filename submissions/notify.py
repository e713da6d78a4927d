"""Who is told about a dossier or a membership request, and the links the emails carry (no
request at hand)."""

from __future__ import annotations

import logging

from django.urls import NoReverseMatch, reverse

from relance.notifications import absolute_url
from submissions.models import Membership

logger = logging.getLogger(__name__)


def applicant_recipients_by_dossier(dossiers) -> dict[int, list[str]]:
    """Per dossier: its administration's active agents, then the dossier's contact."""
    by_administration: dict[int, list[str]] = {}
    for administration_id, email in Membership.objects.filter(
        administration_id__in={d.administration_id for d in dossiers}, user__is_active=True
    ).values_list("administration_id", "user__email"):
        by_administration.setdefault(administration_id, []).append(email)
    return {
        d.pk: [*by_administration.get(d.administration_id, []), d.contact_email] for d in dossiers
    }


def applicant_recipients(dossier) -> list[str]:
    return applicant_recipients_by_dossier([dossier])[dossier.pk]


def dossier_link(dossier) -> str:
    """Absolute address of the applicant's dossier page."""
    try:
        return absolute_url(dossier.get_absolute_url())
    except NoReverseMatch:
        # Never let a missing page name roll back the decision the email reports.
        logger.warning("No URL for dossier %s; linking to the site root.", dossier.pk)
        return absolute_url("/")


def email_context(dossier, **extra) -> dict:
    return {
        "dossier": dossier,
        "call": dossier.call,
        "administration": dossier.administration,
        "dossier_url": dossier_link(dossier),
        "site_url": absolute_url(""),
        **extra,
    }


def membership_email_context(membership_request, **extra) -> dict:
    """What the emails about a membership request show: the agent's pages to go on from."""
    return {
        "membership_request": membership_request,
        "administration": membership_request.administration,
        "agent": membership_request.user,
        "account_url": absolute_url(reverse("submissions:my_administrations")),
        "dossiers_url": absolute_url(reverse("submissions:dossier_list")),
        "site_url": absolute_url(""),
        **extra,
    }
