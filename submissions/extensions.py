"""Extension points of the instruction pages (``/instruction/`` and each call's page).

``submissions`` counts what it knows of a call (dossiers by state, preselection decisions)
and says when the preselection is to be published. Apps above it add what only they know
without ``submissions`` importing them, each from its ``AppConfig.ready``:

- a :class:`FunnelContribution` adds numbers to every call's funnel (e.g. the jury's
  « Auditionnés »), and may add facts that are not shown but that next steps read;
- a :class:`NextStepProvider` names the call's next step once the preselection is done
  (e.g. « Constituer le jury »).

Both are read in registration order. A contribution loads the values of *all* the calls of
a page at once, in a number of queries that does not depend on how many calls or dossiers
there are; next-step providers only read those values (no query of their own).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class FunnelNumber:
    """One number of a call's funnel, as the instruction pages show it."""

    key: str
    # Short label (a column heading, a tile).
    label: str
    # What the number counts, in a sentence a civil servant reads next to it.
    definition: str
    # The key of the number it follows; empty: after every number of ``submissions``.
    after: str = ""
    # (call, values) -> the address of the screen listing what it counts, or "".
    url: Callable[[object, Mapping], str] | None = None


@dataclass(frozen=True)
class FunnelContribution:
    name: str
    # The numbers shown, in the order they are inserted.
    numbers: tuple[FunnelNumber, ...]
    # (calls, now) -> {call.pk: {key: value}}: the shown numbers plus any fact a next-step
    # provider reads. Every call of ``calls`` may be missing (all its values are then 0).
    values: Callable[[Sequence, object], Mapping[int, Mapping[str, int]]]


@dataclass(frozen=True)
class NextStep:
    """What the call's instructors have to do next, and the screen where they do it."""

    key: str
    label: str
    url: str
    # Where the call stands, in one sentence (e.g. « 12 dossiers sans décision »).
    detail: str = ""


@dataclass(frozen=True)
class NextStepProvider:
    name: str
    # (call, values) -> NextStep | None; ``values`` holds every number and fact of the call.
    next_step: Callable[[object, Mapping], NextStep | None]


_CONTRIBUTIONS: dict[str, FunnelContribution] = {}
_PROVIDERS: dict[str, NextStepProvider] = {}


def register_funnel_contribution(contribution: FunnelContribution) -> None:
    """Add (or replace, by name) numbers of the call funnel."""
    _CONTRIBUTIONS[contribution.name] = contribution


def register_next_step_provider(provider: NextStepProvider) -> None:
    """Add (or replace, by name) a source of next steps, asked after the preselection."""
    _PROVIDERS[provider.name] = provider


def funnel_contributions() -> tuple[FunnelContribution, ...]:
    return tuple(_CONTRIBUTIONS.values())


def next_step_providers() -> tuple[NextStepProvider, ...]:
    return tuple(_PROVIDERS.values())
