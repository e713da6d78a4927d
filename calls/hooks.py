"""What the apps above ``calls`` tell it about a call's use, without ``calls`` importing them.

``calls`` knows nothing of dossiers or evaluations; the call editor still has to know which
categories hold dossiers, which criteria scored submitted evaluations, and who holds drafts
in a call, and what its decisions commit on its envelope. Each app above registers the answer
it knows from its ``AppConfig.ready`` (by name, so that registering again replaces):
``submissions`` the categories and the drafts, ``jury`` the criteria and the committed
amount. With nothing registered, nothing is in use.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from decimal import Decimal

# name -> (call) -> ids of the call's categories holding dossiers
_CATEGORY_USAGE: dict[str, Callable] = {}
# name -> (call) -> ids of the call's criteria scored by submitted evaluations
_CRITERION_USAGE: dict[str, Callable] = {}
# name -> (call) -> email addresses of the agents holding a draft in the call
_DRAFT_HOLDERS: dict[str, Callable] = {}
# name -> (call) -> the amount the call's recorded decisions commit on its envelope
_COMMITTED: dict[str, Callable] = {}


def register_category_usage(name: str, used_ids: Callable[..., Iterable[int]]) -> None:
    _CATEGORY_USAGE[name] = used_ids


def register_criterion_usage(name: str, used_ids: Callable[..., Iterable[int]]) -> None:
    _CRITERION_USAGE[name] = used_ids


def register_draft_holders(name: str, emails: Callable[..., Iterable[str]]) -> None:
    _DRAFT_HOLDERS[name] = emails


def register_committed_amount(name: str, committed: Callable[..., Decimal]) -> None:
    _COMMITTED[name] = committed


def categories_in_use(call) -> set[int]:
    """Ids of ``call``'s categories that hold dossiers: they cannot be renamed or deleted."""
    return {pk for used in _CATEGORY_USAGE.values() for pk in used(call)}


def criteria_in_use(call) -> set[int]:
    """Ids of ``call``'s criteria scored in submitted evaluations: weight and scale stay."""
    return {pk for used in _CRITERION_USAGE.values() for pk in used(call)}


def draft_holder_emails(call) -> list[str]:
    """Who to tell when ``call``'s closing moves: the agents holding a draft in it."""
    return sorted({email for emails in _DRAFT_HOLDERS.values() for email in emails(call) if email})


def committed_amount(call) -> Decimal:
    """What ``call``'s decisions already commit: its envelope cannot go below it."""
    return sum((committed(call) for committed in _COMMITTED.values()), Decimal(0))
