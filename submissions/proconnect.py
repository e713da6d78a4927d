"""What a ProConnect sign-in means for the agent's administration (``siret`` claim).

Connected to ``relance.proconnect.agent_signed_in`` at start-up; the placement itself is the
workflow function ``administrations.place_proconnect_agent``. The agent is told, on the page
they land on, what happened and what to do next.
"""

from __future__ import annotations

from django.contrib import messages
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _

from submissions import administrations as workflow
from submissions.models.directory import format_siret


def place_agent(sender, request, user, claims, **kwargs):
    placement = workflow.place_proconnect_agent(user, str(claims.get("siret") or ""))
    search_url = reverse("submissions:join_search")
    if placement.outcome == workflow.ATTACHED:
        messages.success(
            request,
            _(
                "Bienvenue : ProConnect indique que vous travaillez pour « %(name)s ». Votre "
                "compte y est rattaché, vous pouvez déposer ses dossiers."
            )
            % {"name": placement.administration.name},
        )
    elif placement.outcome == workflow.REQUESTED:
        messages.info(
            request,
            _(
                "ProConnect indique que vous travaillez pour « %(name)s ». Votre demande de "
                "rattachement est transmise à l’équipe d’instruction, qui vous répondra par "
                "courriel ; vous pourrez alors déposer les dossiers de cette administration."
            )
            % {"name": placement.administration.name},
        )
    elif placement.outcome == workflow.UNMATCHED:
        messages.warning(
            request,
            format_html(
                '{} <a href="{}">{}</a>',
                _(
                    "Aucune administration connue de Relance ne correspond au SIRET %(siret)s "
                    "transmis par ProConnect. Une demande de rattachement avec ce SIRET est "
                    "transmise à l’équipe d’instruction, qui identifiera votre administration et "
                    "vous répondra par courriel. Si vous la trouvez dans l’annuaire, vous pouvez "
                    "aussi demander votre rattachement vous-même."
                )
                % {"siret": format_siret(placement.siret)},
                search_url,
                _("Chercher mon administration"),
            ),
        )
    elif placement.outcome == workflow.NO_SIRET:
        messages.warning(
            request,
            format_html(
                '{} <a href="{}">{}</a>',
                _(
                    "ProConnect n’a pas transmis le SIRET de votre administration : cherchez-la "
                    "dans l’annuaire et demandez votre rattachement pour déposer ses dossiers."
                ),
                search_url,
                _("Chercher mon administration"),
            ),
        )
