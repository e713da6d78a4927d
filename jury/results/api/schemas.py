"""What the API answers: the same fields the public pages and open data show, nothing else.

Amounts are decimal strings in euros (``"75000.00"``) as in the open data; datetimes are
ISO 8601 in Paris time with their offset. Every ``*_label`` is in the language asked for.
"""

from datetime import date, datetime

from ninja import Schema
from pydantic import Field


class Error(Schema):
    detail: str = Field(description="Message lisible, dans la langue demandée.")


class Throttled(Error):
    retry_after: int | None = Field(description="Secondes à attendre avant de réessayer.")


class Invalid(Schema):
    detail: list[dict] = Field(description="Paramètres refusés : où, quoi, pourquoi.")


class Labelled(Schema):
    code: str
    label: str


class ProgrammeOut(Schema):
    slug: str
    title: str
    operator: str
    summary: str
    calls: list[str] = Field(description="Identifiants des appels publics du programme.")


class CategoryOut(Schema):
    name: str
    description: str


class CriterionOut(Schema):
    label: str
    description: str
    weight: str = Field(description="Pondération (nombre décimal en texte).")
    scale_max: int = Field(description="Note maximale.")


class CallOut(Schema):
    slug: str
    title: str
    programme: str = Field(description="Identifiant du programme.")
    kind: Labelled = Field(description="« round » (appel numéroté) ou « continuous ».")
    number: int | None
    is_demo: bool = Field(description="Appel de démonstration, pour essayer le service.")
    summary: str
    opens_at: datetime
    closes_at: datetime | None
    status: Labelled = Field(
        description="« upcoming », « open », « closed » ou « results_published »."
    )
    amount_ceiling: str | None = Field(description="Plafond du cofinancement demandé, en euros.")
    eligible_kinds: list[Labelled]
    categories: list[CategoryOut]
    criteria: list[CriterionOut]
    decisions_published_at: datetime | None = Field(
        description="Dernière publication de décisions (null tant qu’aucune n’est publiée)."
    )
    url: str


class MinistryOut(Schema):
    id: int
    name: str
    acronym: str


class AdministrationOut(Schema):
    name: str
    acronym: str
    kind: Labelled
    ministry: MinistryOut | None


class LaureateOut(Schema):
    reference: str
    title: str
    subtitle: str
    programme: str = Field(description="Identifiant du programme.")
    call: str = Field(description="Identifiant de l’appel.")
    category: str | None
    administration: AdministrationOut
    granted_amount: str | None = Field(
        description="Cofinancement accordé en euros ; null si le jury ne le publie pas."
    )
    published_at: datetime
    committee_session_date: date | None = Field(
        description="Guichet en continu : séance du comité qui a décidé."
    )
    url: str


class Step(Schema):
    code: str
    label: str
    value: int


class BreakdownOut(Schema):
    label: str
    dossiers: int
    laureates: int


class MonthOut(Schema):
    month: date
    label: str
    submitted: int
    decided: int


class AmountsOut(Schema):
    requested: str
    requested_by_laureates: str
    granted: str | None = Field(description="null si le jury ne publie pas les montants.")


class CallStatisticsOut(Schema):
    call: str = Field(description="Identifiant de l’appel.")
    programme: str
    funnel: list[Step] = Field(description="Du dépôt à la décision, dans l’ordre.")
    by_ministry: list[BreakdownOut]
    by_category: list[BreakdownOut]
    by_administration_kind: list[BreakdownOut]
    amounts: AmountsOut
    by_month: list[MonthOut] = Field(description="Guichet en continu : mois par mois.")
