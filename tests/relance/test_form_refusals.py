"""A workflow's refusal shown on the form that asked for the action (``relance.forms``)."""

from __future__ import annotations

import pytest
from django import forms

from relance.forms import refusal_shown_on
from relance.workflow import WorkflowError


class _TitleForm(forms.Form):
    title = forms.CharField()


def test_a_refusal_becomes_the_forms_error_and_stops_the_rest_of_the_block():
    form = _TitleForm({"title": "Tiers-lieux"})
    assert form.is_valid()
    reached = []

    def close_call():
        raise WorkflowError("L’appel est clos depuis le 15 mars.")

    with refusal_shown_on(form):
        close_call()
        reached.append("redirected")
    assert reached == []
    assert form.non_field_errors() == ["L’appel est clos depuis le 15 mars."]
    # The typed value stays, to be shown again with the refusal.
    assert form["title"].value() == "Tiers-lieux"


def test_an_accepted_action_runs_the_whole_block_and_other_errors_are_not_swallowed():
    form = _TitleForm({"title": "Tiers-lieux"})
    assert form.is_valid()
    done = []
    with refusal_shown_on(form):
        done.append("saved")
        done.append("redirected")
    assert done == ["saved", "redirected"]
    assert form.errors == {}
    with pytest.raises(ZeroDivisionError), refusal_shown_on(form):
        1 / 0  # noqa: B018
    assert form.errors == {}
