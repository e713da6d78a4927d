"""Every URL of the site, replayed for every role, GET and POST, on real objects.

``MATRIX`` has one row per named route of ``relance.urls`` (every app, the accounts, the
admin's entry points). A row says who gets past the view's decorator (``outer``) and who is
let in on the row's object (``inner``), and what those let in get; the expected status of
every other role follows from the guard: anonymous visitors are sent to the login page, other
accounts get 404 (the admin: its login page, 403 for staff without the model's rights), a
POST-only route answers 405 to a GET once past the decorator. Nothing but a POST let in and
answered by a redirect may write: a refusal, a GET, a form shown again with its errors must
leave every table as it was (``Writes``: no audit entry, no email, no row anywhere).

``test_every_route_has_a_row`` walks the resolver: a new route without its row here fails
the suite, and so does a row naming a route that is gone. Left out, because Django guards
them itself behind the same check as their model's changelist (which has its row): the
admin's add, change, delete and history views of each model, and its catch-all.

The world (``tests.relance.matrix_world``) is built once for the module, its accounts signed
in once. The requests that must write nothing run together and are checked at once (each
again alone if something was written, to name it); each of the others runs in a savepoint
rolled back after it. Statuses are what is read here, thousands of them: the URLconf is the
site's with bare 403 and 404 answers (``tests.relance.matrix_urls``), sessions are in signed
cookies.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from calls.models import Call
from jury.models import ConflictOfInterest
from submissions.models import PreselectionDecision
from tests.relance.matrix_world import ROLES, build_world
from tests.submissions.test_directory_permissions import STAFF_POSTS as DIRECTORY_POSTS

pytestmark = [
    pytest.mark.django_db,
    # A paginated list in no set order may show a row twice and another never.
    pytest.mark.filterwarnings("error::django.core.paginator.UnorderedObjectListWarning"),
]

ALL = frozenset(ROLES)
SIGNED_IN = ALL - {"anonymous"}
STAFF = frozenset({"instructor", "manager", "other_staff", "superuser"})
AGENTS = SIGNED_IN - STAFF  # signed-in accounts outside the instruction team
PROGRAMME_STAFF = frozenset({"instructor", "manager"})
JURORS = frozenset({"juror", "conflicted_juror"})


@dataclass(frozen=True)
class Guard:
    login: str  # the login page's URL name
    outsider: str | int  # a role the decorator refuses: "login" or a status
    refused: int  # a role past the decorator but not let in on the object


APP = Guard(login="login", outsider=404, refused=404)
ADMIN = Guard(login="admin:login", outsider="login", refused=403)


@dataclass(frozen=True)
class Row:
    outer: frozenset | None  # past the view's decorator; None: no sign-in needed
    inner: frozenset  # let in on this row's object
    kwargs: Callable = lambda w: {}
    query: str = ""
    data: dict | Callable = field(default_factory=dict)  # what a POST sends
    get: int = 200  # the status of a role let in
    post: int = 200
    per_role: dict = field(default_factory=dict)  # role → (get, post), for some roles let in
    post_only: bool = False  # ``require_POST`` under the decorator: GET → 405 before lookup
    get_only: bool = False  # a view that only has ``get``: POST → 405 before lookup
    guard: Guard = APP
    refused: int | None = None  # instead of the guard's
    read_only: bool = False  # nobody's request writes anything
    unchanged: frozenset = frozenset()  # let in and redirected, but the workflow refused

    def expect(self, role, method) -> tuple[str | int, bool]:
        """The expected outcome (a status, or "login") and whether it is a refusal."""
        if self.outer is not None and role == "anonymous":
            return "login", True
        if self.outer is not None and role not in self.outer:
            return self.guard.outsider, True
        if (method == "get" and self.post_only) or (method == "post" and self.get_only):
            return 405, True
        if role not in self.inner:
            return self.refused or self.guard.refused, True
        get, post = self.per_role.get(role, (self.get, self.post))
        return (get if method == "get" else post), False

    def may_write(self, role, method) -> bool:
        """Only a POST let in and answered by a redirect may have changed something: a GET,
        a refusal, a page shown again (a form's errors, a workflow's refusal) write nothing."""
        status, refused = self.expect(role, method)
        return not (refused or self.read_only or status != 302 or role in self.unchanged)


def public(**kw):
    return Row(outer=None, inner=ALL, read_only=True, **kw)


def signed_in(**kw):
    return Row(outer=SIGNED_IN, inner=SIGNED_IN, **kw)


def agent(inner=AGENTS, **kw):
    """``submissions.request_membership``: signed in, outside the instruction team."""
    return Row(outer=AGENTS, inner=inner, **kw)


def applicant(owner="applicant", **kw):
    """A dossier of the ``owner``'s administration (A, unless said): its agents only."""
    return Row(outer=SIGNED_IN, inner=frozenset({owner}), **kw)


def juror(inner=JURORS, **kw):
    return Row(outer=SIGNED_IN, inner=inner, **kw)


def staff(inner=STAFF, **kw):
    return Row(outer=STAFF, inner=inner, **kw)


def programme_staff(**kw):
    """``calls.instruct`` on programme P: its instructors and managers."""
    return staff(inner=PROGRAMME_STAFF, **kw)


def manager(**kw):
    """``calls.manage`` on programme P."""
    return staff(inner=frozenset({"manager"}), **kw)


def admin_site(**kw):
    """The admin site's own pages: any staff account."""
    return Row(outer=STAFF, inner=STAFF, guard=ADMIN, **kw)


def admin_model(**kw):
    """A model's admin pages: the superuser (nobody has model rights in this world)."""
    return Row(outer=STAFF, inner=frozenset({"superuser"}), guard=ADMIN, **kw)


# Kwargs of the routes, from the world ---------------------------------------------------------


def _round(w):
    return {"call_slug": w.round.slug}


def _session(w):
    return {**_round(w), "session_id": w.session.pk}


def _slot(w):
    return {**_session(w), "slot_id": w.slot.pk}


def _member(w):
    return {**_round(w), "member_pk": w.member.pk}


def _conflict(w):
    return {**_round(w), "conflict_pk": w.conflict.pk}


def _juror_dossier(w):
    return {"jury_id": w.jury.pk, "pk": w.laureate.pk}


def _manager_call(w):
    return {"slug": w.programme.slug, "call_slug": w.open_round.slug}


def _window(w):
    return {"call_slug": w.window.slug}


def _committee_session(w):
    return {**_window(w), "session_id": w.committee_session.pk}


def _agenda_item(w):
    return {**_committee_session(w), "item_id": w.agenda_item.pk}


def _pk(name):
    return lambda w: {"pk": getattr(w, name).pk}


def _extension(w):
    closes = w.open_round.closes_at + timedelta(days=10)
    return {"closes_on": closes.date().isoformat(), "closes_time": "18:00", "reason": "Grève"}


def _reminders(w):
    return {
        "juror_days_before": "4",
        "juror_repeat_days": "2",
        "draft_first_days": "7",
        "draft_second_days": "2",
        "instructor_waiting_days": "5",
    }


def _conflict_lift(w):
    return {f"lift-{w.conflict.pk}-reason": "Lien rompu"}


# Staff's actions on A's dossier waiting for additions, as its page sends them, and the
# status they answer: additions are requested already, so the page says so again.
DOSSIER_ACTIONS = {
    "instruction_request_additions": ({"complements-message": "Complétez."}, 200),
    "instruction_message": ({"message-body": "Bonjour"}, 302),
    "instruction_note": ({"note-body": "Note"}, 302),
    "instruction_decision": (
        {"decision-decision": PreselectionDecision.NOT_PRESELECTED, "decision-reason": "Non"},
        302,
    ),
    "instruction_clear_decision": ({}, 302),
}
MEMBER = {
    "email": "nouvelle.experte@exemple.gouv.fr",
    "public_name": "Nouvelle experte",
    "affiliation_kind": "public",
    "role": "member",
}
NON_MEMBERS = SIGNED_IN - {"applicant", "other_applicant"}
# The directory's pages whose POST (``DIRECTORY_POSTS``) is saved.
DIRECTORY_SAVED = {
    "administration_member_remove",
    "ministry_create",
    "ministry_edit",
    "membership_request_approve",
    "membership_request_refuse",
}

ROUTES: dict[str, Row] = {
    # relance: home, legal pages, accounts, languages, health.
    "home": public(),
    "accessibility": public(),
    "legal": public(),
    "privacy": public(),
    "login": public(),
    "logout": public(get=405, post=302),
    "password_reset": public(),
    "password_reset_done": public(post=405),
    "password_reset_confirm": public(kwargs=lambda w: w.password_reset, get=302, post=302),
    "password_reset_complete": public(post=405),
    "password_change": signed_in(),
    "password_change_done": signed_in(post=405),
    "set_language": public(get=302, post=302, data={"language": "en", "next": "/"}),
    "javascript-catalog": public(post=405),
    "health": public(post=405),
    # ProConnect (not configured here: the sign-in is not offered), confirming an address.
    "oidc_authentication_init": public(get=404, post=405),
    "oidc_authentication_callback": public(get=404, post=405),
    "proconnect_logged_out": public(),
    "email_confirm": public(kwargs=lambda w: {"uidb64": "x", "token": "y"}),
    "email_confirmation_resend": signed_in(post_only=True, post=302),
    # calls: public pages, programmes' teams, the calls their managers prepare.
    "calls:list": public(post=405),
    "calls:detail": public(kwargs=lambda w: {"slug": w.round.slug}, post=405),
    "calls:staff_programmes": staff(),
    "calls:staff_programme_team": staff(
        inner=PROGRAMME_STAFF | {"superuser"},
        kwargs=lambda w: {"slug": w.programme.slug},
        data={"email": "nouvel.agent@exemple.gouv.fr", "first_name": "A", "role": "instructor"},
        post=302,
        # An instructor reads the team, and may change nothing of it.
        per_role={"instructor": (200, 404)},
    ),
    "calls:staff_role_change": staff(
        inner=PROGRAMME_STAFF | {"superuser"},
        kwargs=lambda w: {"slug": w.programme.slug, "role_pk": w.instructor_role.pk},
        data={"role": "manager"},
        post_only=True,
        post=302,
        # Only the superuser appoints managers.
        unchanged=PROGRAMME_STAFF,
    ),
    "calls:staff_role_revoke": staff(
        inner=PROGRAMME_STAFF | {"superuser"},
        kwargs=lambda w: {"slug": w.programme.slug, "role_pk": w.instructor_role.pk},
        post_only=True,
        post=302,
        unchanged=frozenset({"instructor"}),
    ),
    "calls:staff_programme_open_data": manager(
        kwargs=lambda w: {"slug": w.programme.slug},
        data={"aid_scheme_id": "dispositif-pirate"},
        post=302,
    ),
    "calls:staff_programme_calls": manager(kwargs=lambda w: {"slug": w.programme.slug}),
    "calls:staff_call_create": manager(
        kwargs=lambda w: {"slug": w.programme.slug}, data={"title": "Appel pirate"}
    ),
    "calls:staff_call_edit": manager(kwargs=_manager_call, data={"title": "Appel pirate"}),
    "calls:staff_call_duplicate": manager(kwargs=_manager_call, data={"title": "Appel pirate"}),
    "calls:staff_call_check": manager(kwargs=_manager_call),
    "calls:staff_call_publish": manager(
        # Already published: the workflow says so, and nothing changes.
        kwargs=_manager_call,
        get=405,
        post=302,
        unchanged=frozenset({"manager"}),
    ),
    "calls:staff_call_extend": manager(kwargs=_manager_call, data=_extension, post=302),
    "calls:staff_call_reminders": manager(kwargs=_manager_call, data=_reminders, post=302),
    # submissions: applicants' dossiers.
    "submissions:dossier_list": signed_in(),
    "submissions:dossier_create": signed_in(
        kwargs=lambda w: {"call_slug": w.open_round.slug},
        data=lambda w: {
            "administration": w.administration.pk,
            "title": "Projet pirate",
            "token": "0b6f1c0e-5a43-4d8e-9a53-1c7d9a1c2b3e",
        },
        post=302,
        # Accounts without an eligible administration read why, and may not post; B's agent
        # may not file for A.
        per_role=dict.fromkeys(NON_MEMBERS, (200, 403)) | {"other_applicant": (200, 200)},
    ),
    "submissions:dossier_detail": applicant(kwargs=_pk("laureate")),
    "submissions:dossier_edit": applicant(
        kwargs=lambda w: {"pk": w.draft.pk, "section": "projet"},
        data=lambda w: {"version": w.draft.version, "title": "Titre détourné"},
        post=302,
    ),
    "submissions:dossier_attachments": applicant(
        kwargs=_pk("draft"), data={"description": "Intrus"}
    ),
    "submissions:attachment_download": Row(
        # The dossier's agents, and the staff of its programme once it was submitted.
        outer=SIGNED_IN,
        inner=frozenset({"applicant"}) | PROGRAMME_STAFF,
        kwargs=lambda w: {"pk": w.laureate.pk, "attachment_pk": w.attachment.pk},
        read_only=True,
    ),
    "submissions:attachment_delete": applicant(
        kwargs=lambda w: {"pk": w.draft.pk, "attachment_pk": w.draft_attachment.pk},
        post_only=True,
        post=302,
    ),
    "submissions:dossier_submit": applicant(kwargs=_pk("draft"), post=302),
    "submissions:dossier_acknowledgement": applicant(kwargs=_pk("laureate")),
    # The PDF documents of a submitted dossier: its agents and its programme's staff.
    "submissions:acknowledgement_pdf": Row(
        outer=SIGNED_IN,
        inner=frozenset({"applicant"}) | PROGRAMME_STAFF,
        kwargs=_pk("laureate"),
        read_only=True,
        get_only=True,
    ),
    "submissions:dossier_pdf": Row(
        outer=SIGNED_IN,
        inner=frozenset({"applicant"}) | PROGRAMME_STAFF,
        kwargs=_pk("laureate"),
        read_only=True,
        get_only=True,
    ),
    "submissions:dossier_complete": applicant(
        kwargs=_pk("incomplete"), data={"reply": "Voici"}, post=302
    ),
    "submissions:dossier_withdraw": applicant(
        kwargs=_pk("draft"), data={"reason": "Retrait"}, post=302
    ),
    "submissions:dossier_resubmit": applicant(
        # B's dossier, not retained, copied into the open round.
        owner="other_applicant",
        kwargs=lambda w: {"pk": w.not_selected.pk, "call_slug": w.open_round.slug},
        post_only=True,
        post=302,
    ),
    # submissions: agents' administrations and requests to join one.
    "submissions:my_administrations": agent(),
    "submissions:join_search": agent(query="?q=direction"),
    "submissions:join_request": agent(
        kwargs=_pk("administration"),
        data={"message": "Bonjour"},
        post=302,
        # Already a member: sent back to their administrations.
        per_role={"applicant": (302, 302)},
        unchanged=frozenset({"applicant"}),
    ),
    "submissions:join_cancel": agent(
        inner=frozenset({"local_agent"}),
        kwargs=_pk("membership_request"),
        post_only=True,
        post=302,
    ),
    "submissions:leave_administration": agent(
        inner=frozenset({"applicant"}), kwargs=_pk("administration"), post=302
    ),
    # submissions: instruction of a call's dossiers, preselection.
    "submissions:instruction_home": staff(),
    "submissions:instruction_call": programme_staff(kwargs=_round, query="?etat=submitted"),
    "submissions:instruction_bulk_decision": programme_staff(
        kwargs=lambda w: {"call_slug": w.open_round.slug},
        data=lambda w: {
            "dossiers": [w.incomplete.pk],
            "decision": PreselectionDecision.NOT_PRESELECTED,
            "reason": "Non",
        },
        post_only=True,
        post=302,
    ),
    "submissions:instruction_register_outside": programme_staff(
        kwargs=_round, data=lambda w: {"reception-administration": w.administration.pk}
    ),
    # The Démarches Simplifiées import of a call; a POST with no action only shows the page.
    "submissions:instruction_ds": programme_staff(kwargs=_round),
    "submissions:instruction_ds_import": programme_staff(
        kwargs=lambda w: {"pk": w.ds_import.pk}, get_only=True
    ),
    "submissions:instruction_publish": programme_staff(kwargs=_round),
    "submissions:instruction_export": programme_staff(
        kwargs=lambda w: {"call_slug": w.round.slug, "fmt": "csv"}
    ),
    # A background export: the staff member who asked for it, while staff of its programme.
    **{
        f"submissions:{name}": staff(
            inner=frozenset({"instructor"}), kwargs=lambda w: {"pk": w.export.pk}
        )
        for name in ("instruction_export_status", "instruction_export_download")
    },
    "submissions:instruction_dossier": programme_staff(kwargs=_pk("incomplete")),
    **{
        f"submissions:{name}": programme_staff(
            kwargs=_pk("incomplete"), data=data, post_only=True, post=status
        )
        for name, (data, status) in DOSSIER_ACTIONS.items()
    },
    # submissions: the directory of administrations, shared by every programme's staff.
    **{
        f"submissions:{name}": staff(
            kwargs={
                "administration_detail": _pk("administration"),
                "administration_edit": _pk("administration"),
                "administration_member_remove": lambda w: {
                    "pk": w.administration.pk,
                    "membership_pk": w.membership.pk,
                },
                "ministry_edit": lambda w: {"pk": w.administration.ministry_id},
                "membership_request": _pk("membership_request"),
                "membership_request_approve": _pk("membership_request"),
                "membership_request_refuse": _pk("membership_request"),
                "membership_request_assign": _pk("membership_request"),
            }.get(name, lambda w: {}),
            data=data,
            post_only=name
            in (
                "membership_request_approve",
                "membership_request_refuse",
                "membership_request_assign",
            ),
            post=302 if name in DIRECTORY_SAVED else 200,
        )
        for name, data in DIRECTORY_POSTS.items()
    },
    # submissions: instruction of a window's dossier (here a round's: refused as a proposal).
    "submissions:instruction_assign_instructor": programme_staff(
        kwargs=_pk("incomplete"),
        data={"instructor-instructor": ""},
        post_only=True,
        post=302,
    ),
    "submissions:instruction_due_date": programme_staff(
        kwargs=_pk("incomplete"),
        data={"due-due_on": "2030-01-01", "due-reason": "Pièces attendues"},
        post_only=True,
        post=302,
    ),
    "submissions:instruction_proposal": programme_staff(
        kwargs=_pk("incomplete"),
        data={"proposal-proposal": "refuse", "proposal-reason": "Hors champ"},
        post_only=True,
        post=200,
    ),
    # jury: a window's committee sessions.
    "jury:committee_sessions": programme_staff(kwargs=_window),
    "jury:committee_session": programme_staff(kwargs=_committee_session),
    "jury:committee_session_edit": programme_staff(
        kwargs=_committee_session, post_only=True, post=302
    ),
    "jury:committee_session_delete": programme_staff(
        kwargs=_committee_session, post_only=True, post=302
    ),
    "jury:committee_agenda_add": programme_staff(kwargs=_committee_session, post_only=True),
    "jury:committee_agenda_remove": programme_staff(kwargs=_agenda_item, post_only=True, post=302),
    "jury:committee_follow": programme_staff(kwargs=_agenda_item, post_only=True, post=302),
    "jury:committee_decision": programme_staff(kwargs=_agenda_item, post_only=True),
    "jury:committee_hearing": programme_staff(kwargs=_agenda_item, post_only=True),
    # Undecided: the publication is refused, and says why.
    "jury:committee_publish": programme_staff(
        kwargs=_committee_session, post=302, unchanged=PROGRAMME_STAFF
    ),
    # jury: the juror's pages.
    "jury:juror_home": juror(),
    "jury:juror_dossier_list": juror(kwargs=lambda w: {"jury_id": w.jury.pk}),
    # A's dossier: not for the juror in conflict with it.
    "jury:juror_dossier": juror(
        inner=frozenset({"juror"}),
        kwargs=_juror_dossier,
        # The deliberation is closed: nothing is saved, the page says why.
        post=302,
        unchanged=frozenset({"juror"}),
    ),
    "jury:juror_conflict": juror(
        inner=frozenset({"juror"}),
        kwargs=_juror_dossier,
        data={"kind": ConflictOfInterest.Kind.SAME_ADMINISTRATION, "comment": "Ancien poste"},
        post=302,
    ),
    "jury:juror_evaluations": juror(inner=frozenset({"juror"}), kwargs=_juror_dossier),
    "jury:juror_attachment": juror(
        inner=frozenset({"juror"}),
        kwargs=lambda w: {**_juror_dossier(w), "attachment_pk": w.attachment.pk},
        read_only=True,
    ),
    "jury:juror_dossier_pdf": juror(
        inner=frozenset({"juror"}), kwargs=_juror_dossier, read_only=True, get_only=True
    ),
    "jury:juror_hearings": juror(kwargs=lambda w: {"jury_id": w.jury.pk}),
    # The decision letter of the published laureate: its agents and its programme's staff.
    "jury:decision_letter": Row(
        outer=SIGNED_IN,
        inner=frozenset({"applicant"}) | PROGRAMME_STAFF,
        kwargs=_pk("laureate"),
        read_only=True,
        get_only=True,
    ),
    # The round's jury works without phases: the bid is refused, and the page says why.
    "jury:juror_bid": juror(
        inner=frozenset({"juror"}),
        kwargs=_juror_dossier,
        data={"preference": "wish"},
        post_only=True,
        post=302,
        unchanged=frozenset({"juror"}),
    ),
    # The jury's opinion on B's dossier, by its rapporteur; the results are published: the
    # page says the opinion no longer changes, nothing is saved.
    "jury:juror_opinion": juror(
        inner=frozenset({"juror"}),
        kwargs=lambda w: {"jury_id": w.jury.pk, "pk": w.not_selected.pk},
        data={"text": "Avis du jury", "version": "0"},
    ),
    # jury: staff pages of the round's jury.
    "jury:staff_jury": programme_staff(kwargs=_round),
    "jury:staff_jury_publish": programme_staff(
        kwargs=_round, data={"published": "1"}, post_only=True, post=302
    ),
    "jury:staff_member_add": programme_staff(kwargs=_round, data=MEMBER, post=302),
    "jury:staff_member_edit": programme_staff(kwargs=_member, data=MEMBER, post=302),
    "jury:staff_member_remove": programme_staff(kwargs=_member, post=302),
    "jury:staff_conflict_add": programme_staff(
        kwargs=_member,
        data=lambda w: {"dossier": w.not_selected.pk, "kind": "other", "comment": "Lien"},
        post=302,
    ),
    "jury:staff_conflict_lift": programme_staff(
        kwargs=_conflict, data=_conflict_lift, post_only=True, post=302
    ),
    "jury:staff_conflict_confirm": programme_staff(kwargs=_conflict, post_only=True, post=302),
    "jury:staff_conflicts_suggest": programme_staff(kwargs=_round, post_only=True, post=302),
    "jury:review": programme_staff(
        kwargs=_round, data={"action": "configure", "rapporteurs": "2"}, post=302
    ),
    # No member chosen: refused, the page says why.
    "jury:review_assign": programme_staff(
        kwargs=_round, post_only=True, post=302, unchanged=PROGRAMME_STAFF
    ),
    # Without phases, rapporteurs are not changed: refused, the page says why.
    "jury:review_unassign": programme_staff(
        kwargs=lambda w: {**_round(w), "assignment_pk": w.rapporteur.pk},
        post_only=True,
        post=302,
        unchanged=PROGRAMME_STAFF,
    ),
    "jury:progress": programme_staff(kwargs=_round),
    "jury:progress_csv": programme_staff(kwargs=_round),
    "jury:opinions": programme_staff(kwargs=_round, get_only=True),
    # Published: the opinion no longer changes, the page says why.
    "jury:opinion": programme_staff(
        kwargs=lambda w: {**_round(w), "dossier_id": w.laureate.pk},
        data={"text": "Avis du jury", "version": "0", "approve": "1"},
    ),
    "jury:hearing_sessions": programme_staff(kwargs=_round, post=400),
    "jury:hearing_session": programme_staff(kwargs=_session, post=400),
    # Already published: regenerating needs a confirmation.
    "jury:hearing_generate": programme_staff(kwargs=_session, post_only=True, post=400),
    "jury:hearing_slot": programme_staff(kwargs=_slot, post=400),
    "jury:hearing_absent": programme_staff(
        kwargs=_slot, data={"absent": "1"}, post_only=True, post=302
    ),
    "jury:hearing_publish": programme_staff(kwargs=_session, data={"confirm": "1"}, post=400),
    "jury:hearing_print": programme_staff(kwargs=_session),
    "jury:hearing_csv": programme_staff(kwargs=_session),
    "jury:ranking": programme_staff(kwargs=_round),
    "jury:ranking_export": programme_staff(kwargs=lambda w: {**_round(w), "fmt": "csv"}),
    "jury:deliberation": programme_staff(kwargs=_round, data={"action": "close"}, post=400),
    "jury:deliberation_dossier": programme_staff(
        kwargs=lambda w: {**_round(w), "dossier_id": w.laureate.pk},
        data={"action": "clear"},
        post=400,
    ),
    "jury:deliberation_publish": programme_staff(kwargs=_round, post=400),
    # A form posted empty, an unknown action: shown again with the error, nothing written.
    "jury:corrections": programme_staff(kwargs=_round, post=400),
    "jury:correction": programme_staff(
        kwargs=lambda w: {**_round(w), "pk": w.correction.pk}, post=400
    ),
    # The call's laureates not yet publishable in the grants file: read only.
    "jury:staff_opendata": programme_staff(kwargs=_round, get_only=True),
    # jury: public results, statistics, open data.
    "jury:laureates": public(),
    "jury:laureate": public(kwargs=lambda w: {"slug": w.award.slug}),
    "jury:statistics": public(),
    "jury:results_history": public(kwargs=lambda w: {"slug": w.round.slug}, post=405),
    "jury:open_data": public(),
    "jury:laureates_csv": public(),
    "jury:laureates_json": public(),
    "jury:grants_csv": public(),
    "jury:calls_json": public(),
    "jury:corrections_csv": public(get_only=True),
    "jury:corrections_json": public(get_only=True),
    # The public API: read-only, the same for everyone; any other method answers 405.
    # Its root answers 404 (the documentation page is at docs/).
    "jury:api:api-root": public(get=404, post=404),
    "jury:api:openapi-json": public(get_only=True),
    "jury:api:openapi-view": public(get_only=True),
    "jury:api:programmes": public(get_only=True),
    "jury:api:programme": public(get_only=True, kwargs=lambda w: {"slug": w.programme.slug}),
    "jury:api:calls": public(get_only=True),
    "jury:api:call": public(get_only=True, kwargs=lambda w: {"slug": w.round.slug}),
    "jury:api:laureates": public(get_only=True),
    "jury:api:all_statistics": public(get_only=True),
    "jury:api:call_statistics": public(get_only=True, kwargs=lambda w: {"slug": w.round.slug}),
    # The admin's own pages. Signed-in accounts outside the staff are sent to its login page.
    "admin:index": admin_site(),
    # Staff are sent on to the index; the others see the form (and why they cannot go on).
    "admin:login": public(per_role=dict.fromkeys(STAFF, (302, 200))),
    "admin:logout": public(get=302, post=302, per_role=dict.fromkeys(STAFF, (405, 302))),
    "admin:password_change": admin_site(),
    "admin:password_change_done": admin_site(get_only=True),
    "admin:jsi18n": admin_site(get_only=True),
    "admin:app_list": admin_model(kwargs=lambda w: {"app_label": "submissions"}, refused=404),
    "admin:autocomplete": admin_model(
        query="?app_label=submissions&model_name=administration&field_name=ministry&term=M",
        get_only=True,
    ),
    "admin:view_on_site": admin_model(
        kwargs=lambda w: {
            "content_type_id": ContentType.objects.get_for_model(Call).pk,
            "object_id": w.draft_call.pk,
        },
        get=302,
        post=302,
        read_only=True,
    ),
    "admin:auth_user_password_change": admin_model(
        kwargs=lambda w: {"id": w.users["applicant"].pk}
    ),
    **{
        f"admin:submissions_{model}_{view}": admin_model(post_only=view == "process_import")
        for model in ("ministry", "administration")
        for view in ("import", "process_import", "export")
    },
}

# Every model of the admin, by its changelist: the entry point of its pages. A new model
# admin fails ``test_every_route_has_a_row`` until it is named here.
ADMIN_MODELS = [
    "relance_user",
    "auth_group",
    "relance_auditentry",
    "dsfr_dsfrconfig",
    "relance_outgoingemail",
    "django_tasks_database_dbtaskresult",
    "relance_periodicjob",
    "calls_programme",
    "calls_call",
    "calls_category",
    "calls_criterion",
    "submissions_ministry",
    "submissions_administration",
    "submissions_membership",
    "submissions_membershiprequest",
    "submissions_dossier",
    "submissions_budgetline",
    "submissions_attachment",
    "submissions_dossiermessage",
    "submissions_internalnote",
    "submissions_preselectionpublication",
    "jury_jury",
    "jury_jurymember",
    "jury_conflictofinterest",
    "jury_hearingsession",
    "jury_hearingslot",
    "jury_evaluation",
    "jury_deliberation",
    "jury_award",
    "jury_resultamendment",
    "jury_committeesession",
    "axes_accessattempt",
    "axes_accessfailurelog",
    "axes_accesslog",
]
# Django's own views of each model, behind the same guard as its changelist.
ADMIN_OBJECT_VIEWS = ("add", "change", "delete", "history")

MATRIX = ROUTES | {f"admin:{model}_changelist": admin_model() for model in ADMIN_MODELS}


def site_routes(patterns=None, namespace=None):
    """``(namespace, name)`` of every route of the site's URLconf (``name`` None if unnamed)."""
    for pattern in get_resolver("relance.urls").url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace
            if pattern.namespace:
                inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from site_routes(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern):
            yield namespace, pattern.name


def is_admin_internal(name) -> bool:
    models = {f"{m._meta.app_label}_{m._meta.model_name}" for m in admin.site._registry}
    match = re.fullmatch(r"admin:(.+)_(\w+)", name)
    return bool(match and match[1] in models and match[2] in ADMIN_OBJECT_VIEWS)


def test_every_route_has_a_row():
    # Every route is named but the admin's catch-all and its redirects from an object's
    # address to its change page.
    unnamed = {namespace for namespace, name in site_routes() if name is None}
    assert unnamed == {"admin"}, f"routes without a name (in {unnamed - {'admin'}}): name them"
    routes = {f"{ns}:{name}" if ns else name for ns, name in site_routes() if name is not None}
    missing = sorted(name for name in routes - set(MATRIX) if not is_admin_internal(name))
    assert not missing, "\n".join(f"route {n} has no row in the permission matrix" for n in missing)
    assert not set(MATRIX) - routes, f"rows for routes that do not exist: {set(MATRIX) - routes}"


# Replaying the matrix -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    """The world, committed to nothing: one transaction for the module, rolled back."""
    media = tmp_path_factory.mktemp("media")
    urls = "tests.relance.matrix_urls"  # the same routes, with bare 403 and 404 answers
    # Sessions in signed cookies: one query less for each of thousands of requests.
    sessions = "django.contrib.sessions.backends.signed_cookies"
    # Thousands of refusals: their « Not Found » warnings would only bury a failure's report.
    requests_log = logging.getLogger("django.request")
    level = requests_log.level
    requests_log.setLevel(logging.ERROR)
    try:
        with (
            override_settings(
                MEDIA_ROOT=media,
                ROOT_URLCONF=urls,
                SESSION_ENGINE=sessions,
                # Every role asks the API from the same address: statuses, not the throttle.
                RELANCE_API_RATE="100000/min",
            ),
            django_db_blocker.unblock(),
            transaction.atomic(),
        ):
            yield build_world()
            transaction.set_rollback(True)
    finally:
        requests_log.setLevel(level)


class Writes:
    """Rows inserted, updated or deleted by this transaction so far, per table (PostgreSQL
    counts the writes of rolled-back savepoints too: an undone write still shows)."""

    COUNTS = """
        SELECT array_agg(pg_stat_get_xact_tuples_inserted(t) + pg_stat_get_xact_tuples_updated(t)
            + pg_stat_get_xact_tuples_deleted(t) ORDER BY n)
        FROM unnest(%s::oid[]) WITH ORDINALITY AS tables(t, n)
    """

    def __init__(self):
        with connection.cursor() as cursor:
            cursor.execute("SELECT array_agg(relid), array_agg(relname) FROM pg_stat_user_tables")
            self.oids, self.names = cursor.fetchone()

    def now(self) -> list[int]:
        with connection.cursor() as cursor:
            cursor.execute(self.COUNTS, [self.oids])
            return cursor.fetchone()[0]

    def tables(self, before, after) -> list[str]:
        return sorted(name for name, b, a in zip(self.names, before, after, strict=True) if a != b)


def _clients(world) -> dict[str, Client]:
    clients = {}
    for role in ROLES:
        clients[role] = Client()
        if role in world.sessions:
            clients[role].cookies[settings.SESSION_COOKIE_NAME] = world.sessions[role]
    return clients


def _outcome(response, row) -> str | int:
    if response.status_code == 302:
        location = urlsplit(response["Location"])
        if location.path == reverse(row.guard.login) and "next=" in location.query:
            return "login"
    return response.status_code


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_route(world, name):
    row = MATRIX[name]
    url = reverse(name, kwargs=row.kwargs(world)) + row.query
    data = row.data(world) if callable(row.data) else row.data
    clients = _clients(world)
    writes = Writes()
    wrong = []

    def send(role, method):
        client = clients[role]
        return client.get(url) if method == "get" else client.post(url, data)

    def replay(role, method):
        outcome, (expected, _refused) = _outcome(send(role, method), row), row.expect(role, method)
        if outcome != expected:
            wrong.append(f"{role} {method.upper()}: {outcome}, expected {expected}")

    cells = [(role, method) for role in ROLES for method in ("get", "post")]
    quiet = [cell for cell in cells if not row.may_write(*cell)]
    # The requests that must write nothing, together, then checked at once.
    with transaction.atomic():
        before = writes.now()
        for cell in quiet:
            replay(*cell)
        written = writes.now() != before
        transaction.set_rollback(True)
    if written:
        # Which ones: each again, alone, on the world as it was.
        for role, method in quiet:
            with transaction.atomic():
                before = writes.now()
                send(role, method)
                if tables := writes.tables(before, writes.now()):
                    wrong.append(f"{role} {method.upper()}: wrote to {', '.join(tables)}")
                transaction.set_rollback(True)
    # Each of the others in a savepoint rolled back after it: the next sees the same world.
    for cell in cells:
        if cell not in quiet:
            with transaction.atomic():
                replay(*cell)
                transaction.set_rollback(True)
    assert not wrong, f"{name} ({url}):\n" + "\n".join(wrong)
