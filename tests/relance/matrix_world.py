"""The world of the role × URL matrix (``test_url_matrix``): one of every object a URL names,
and one account per role, signed in.

Programme P (the tests' default programme) has a closed round whose two dossiers (of
administrations A and B, of different ministries) were preselected, heard on a published
hearing day, scored and decided, with results published: A's is a laureate, B's is not
selected. Its jury has a juror and a juror in conflict with A's dossier. An open round of P
holds A's draft (with an attachment) and A's dossier waiting for additions; another round of
P is being prepared. P's continuous window has A's dossier, proposed by its instructor, on the
agenda of a committee session. An agent of a local authority asks to join B. Programme Q has
its own manager.
"""

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.files.base import ContentFile
from django.test import Client
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from calls.models import AdministrationKind, Call, ProgrammeRole, ProgrammeRoleKind
from jury.committee import workflow as committee
from jury.deliberation import corrections
from jury.deliberation import workflow as deliberation
from jury.hearings import publication as hearing_publication
from jury.hearings import workflow as hearings
from jury.models import AgendaItem, Award, HearingSlot
from jury.review_models import RapporteurAssignment
from submissions import administrations as directory
from submissions import instruction, workflow
from submissions.demarches import secrets as demarches_secrets
from submissions.models import (
    DemarcheImport,
    DemarcheLink,
    Dossier,
    DossierExport,
    DossierState,
    Membership,
    Proposal,
)
from tests.factories import (
    AdministrationFactory,
    CallFactory,
    CategoryFactory,
    ContinuousCallFactory,
    CriterionFactory,
    DossierFactory,
    ProgrammeFactory,
    StaffFactory,
    UserFactory,
    agent_of,
    default_programme,
)
from tests.jury.factories import (
    AwardFactory,
    ConflictFactory,
    DeliberationFactory,
    EvaluationFactory,
    ScoreFactory,
)
from tests.jury.hearing_data import create_session, hearing_setup
from tests.jury.jury_core_data import attach
from tests.submissions.sample_files import PDF_BYTES

S = DossierState

# Every role of the matrix, in the order its rows are reported.
ROLES = (
    "anonymous",
    "applicant",  # agent of administration A
    "other_applicant",  # agent of administration B (another ministry)
    "local_agent",  # agent of a local authority (not eligible), asking to join B
    "juror",
    "conflicted_juror",  # in conflict with A's dossier
    "instructor",  # of programme P
    "manager",  # of programme P
    "other_staff",  # manager of programme Q
    "superuser",  # staff and superuser, without a role in any programme
)


@dataclass
class World:
    users: dict  # role → user (anonymous: None)
    programme: object
    other_programme: object
    round: Call  # closed, results published
    open_round: Call
    draft_call: Call  # of P, being prepared: seen by nobody but P's managers
    jury: object
    member: object  # the juror's membership
    conflicted_member: object
    conflict: object
    rapporteur: object  # the juror, rapporteur of B's dossier (the jury works without phases)
    session: object
    slot: object
    laureate: Dossier  # A's dossier in ``round``
    not_selected: Dossier  # B's dossier in ``round``
    award: Award
    attachment: object  # of ``laureate``
    draft: Dossier  # A's draft in ``open_round``
    draft_attachment: object
    incomplete: Dossier  # A's dossier in ``open_round``, additions requested
    administration: object  # A
    other_administration: object  # B
    membership: Membership  # the applicant's, in A
    membership_request: object  # the local agent's, to join B
    instructor_role: ProgrammeRole
    window: Call  # P's continuous window
    committee_session: object  # of ``window``, unpublished
    agenda_item: object  # A's window dossier on its agenda
    export: DossierExport  # the instructor's export of ``round``, built, not expired
    ds_import: DemarcheImport  # a finished import of ``round``'s Démarches Simplifiées procedure
    correction: object  # a draft correction of ``round``'s published results
    sessions: dict  # role → the session key of its signed-in account
    password_reset: dict  # uidb64 and token of a real reset link (the applicant's)


def _attach(owner, dossier):
    return workflow.add_attachment(
        owner,
        dossier,
        file=ContentFile(PDF_BYTES),
        original_name="note.pdf",
        content_type="application/pdf",
        size=len(PDF_BYTES),
        sha256="0" * 64,
    )


def sign_in(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def build_world() -> World:
    now = timezone.now()
    programme = default_programme()
    manager = StaffFactory(programmes=[programme], programmes__role=ProgrammeRoleKind.MANAGER)
    instructor = StaffFactory(programmes=[programme])
    other_programme = ProgrammeFactory(title="Autre programme", slug="autre-programme")
    CallFactory(programme=other_programme, slug="appel-autre-programme")
    other_staff = StaffFactory(
        programmes=[other_programme], programmes__role=ProgrammeRoleKind.MANAGER
    )

    # The round: two preselected dossiers of A and B, a juror and a juror in conflict.
    setup = hearing_setup(2, n_members=2)
    jury, (laureate, not_selected) = setup.jury, setup.dossiers
    member, conflicted_member = setup.members
    round_ = jury.call
    administration, other_administration = laureate.administration, not_selected.administration
    membership = Membership.objects.get(administration=administration)
    applicant = membership.user
    other_applicant = Membership.objects.get(administration=other_administration).user
    attachment = attach(laureate)  # preselected: no longer through the applicant's workflow
    conflict = ConflictFactory(member=conflicted_member, dossier=laureate)

    # Heard on a published day, scored, decided, published.
    session = create_session(instructor, jury)
    hearings.generate_schedule(instructor, session)
    hearing_publication.publish_schedule(instructor, session)
    criteria = [CriterionFactory(call=round_, order=i) for i in range(2)]
    evaluation = EvaluationFactory(member=member, dossier=laureate)
    for criterion in criteria:
        ScoreFactory(evaluation=evaluation, criterion=criterion)
    DeliberationFactory(jury=jury, publish_amounts=True)
    rapporteur = RapporteurAssignment.objects.create(
        member=member, dossier=not_selected, assigned_by=instructor
    )
    AwardFactory(dossier=laureate, recorded_by=instructor)
    AwardFactory(
        dossier=not_selected,
        decision=Award.Decision.NOT_SELECTED,
        granted_amount=None,
        recorded_by=instructor,
    )
    Call.objects.filter(pk=round_.pk).update(
        opens_at=now - timedelta(days=90), closes_at=now - timedelta(days=60)
    )
    round_.refresh_from_db()
    deliberation.publish_results(manager, round_)

    # The open round: A's draft and A's dossier waiting for additions.
    open_round = CallFactory(programme=programme, slug="appel-ouvert")
    category = CategoryFactory(call=open_round)
    draft = DossierFactory(call=open_round, administration=administration, category=category)
    draft_attachment = _attach(applicant, draft)
    incomplete = DossierFactory(
        call=open_round,
        administration=administration,
        category=category,
        state=S.INCOMPLETE,
        submitted_at=now - timedelta(days=2),
    )

    draft_call = CallFactory(programme=programme, slug="appel-en-preparation", published_at=None)

    # The continuous window: A's dossier, proposed, on an unpublished session's agenda.
    window = ContinuousCallFactory(programme=programme, slug="guichet", instruction_days=30)
    window_dossier = DossierFactory(
        call=window,
        administration=administration,
        category=CategoryFactory(call=window),
        state=S.SUBMITTED,
        submitted_at=now - timedelta(days=3),
        requested_amount=Decimal("50000.00"),
    )
    instruction.record_proposal(
        instructor, window_dossier, proposal=Proposal.ACCEPT, amount="50000"
    )
    committee_session = committee.create_session(instructor, window, date=now.date())
    committee.add_to_agenda(instructor, committee_session, [window_dossier])

    local_agent = agent_of(AdministrationFactory(kind=AdministrationKind.LOCAL_AUTHORITY))
    membership_request, _created = directory.request_membership(
        local_agent, other_administration, message="Bonjour"
    )

    export = DossierExport(
        call=round_,
        requested_by=instructor,
        fmt="xlsx",
        filename="relance-export.xlsx",
        status=DossierExport.Status.READY,
        rows_total=2,
        rows_done=2,
        finished_at=now,
        expires_at=now + timedelta(days=1),
    )
    export.file.save(export.filename, ContentFile(b"PK"), save=True)
    ds_link = DemarcheLink.objects.create(
        call=round_,
        procedure_number=61234,
        token_encrypted=demarches_secrets.encrypt("jeton-du-monde"),
        mapping={"title": "Titre du projet"},
        connected_by=instructor,
    )
    ds_import = DemarcheImport.objects.create(
        link=ds_link, requested_by=instructor, status=DemarcheImport.Status.DONE
    )

    users = {
        "anonymous": None,
        "applicant": applicant,
        "other_applicant": other_applicant,
        "local_agent": local_agent,
        "juror": member.user,
        "conflicted_juror": conflicted_member.user,
        "instructor": instructor,
        "manager": manager,
        "other_staff": other_staff,
        "superuser": UserFactory(is_staff=True, is_superuser=True),
    }
    assert set(users) == set(ROLES)
    # Once for all: signing in moves ``last_login``, which the reset token below depends on.
    sessions = {role: sign_in(user) for role, user in users.items() if user is not None}
    return World(
        users=users,
        programme=programme,
        other_programme=other_programme,
        round=round_,
        open_round=open_round,
        draft_call=draft_call,
        jury=jury,
        member=member,
        conflicted_member=conflicted_member,
        conflict=conflict,
        rapporteur=rapporteur,
        session=session,
        slot=HearingSlot.objects.get(session=session, dossier=laureate),
        laureate=Dossier.objects.get(pk=laureate.pk),
        not_selected=Dossier.objects.get(pk=not_selected.pk),
        award=Award.objects.get(dossier=laureate),
        attachment=attachment,
        draft=draft,
        draft_attachment=draft_attachment,
        incomplete=incomplete,
        administration=administration,
        other_administration=other_administration,
        membership=membership,
        membership_request=membership_request,
        instructor_role=ProgrammeRole.objects.get(programme=programme, user=instructor),
        window=window,
        committee_session=committee_session,
        agenda_item=AgendaItem.objects.get(dossier=window_dossier),
        export=export,
        ds_import=ds_import,
        correction=corrections.create_correction(
            instructor, round_, official_date=timezone.localdate(), reason="Erreur matérielle."
        ),
        sessions=sessions,
        password_reset={
            "uidb64": urlsafe_base64_encode(force_bytes(applicant.pk)),
            "token": default_token_generator.make_token(applicant),
        },
    )
