"""Helpers for the tests of the Django admin: form data as displayed, audit entries."""

from django.contrib.contenttypes.models import ContentType
from django.forms import MultiWidget
from django.urls import reverse

from relance.models import AuditEntry


def url(model, view, *args):
    meta = model._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_{view}", args=args)


def _add_value(data, key, field, value):
    if isinstance(field.widget, MultiWidget):
        parts = value if isinstance(value, list) else field.widget.decompress(value)
        for i, (widget, part) in enumerate(zip(field.widget.widgets, parts, strict=False)):
            data[f"{key}_{i}"] = "" if part is None else widget.format_value(part) or ""
    elif isinstance(value, bool):
        if value:
            data[key] = "on"
    else:
        data[key] = "" if value is None else value


def _add_form(data, form):
    for name, field in form.fields.items():
        value = form[name].value()
        _add_value(data, form.add_prefix(name), field, value)
        if field.show_hidden_initial:
            # Fields with a callable default also send their initial value, as a browser does.
            _add_value(data, form.add_initial_prefix(name), field, value)


def change_form_data(response):
    """The POST data of an admin add or change form as displayed (main form and inlines)."""
    data = {}
    _add_form(data, response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        _add_form(data, formset.management_form)
        for form in formset.forms:
            _add_form(data, form)
    return data


def audit_entries(target=None, *, model=None, action=None):
    """Audit entries about ``target`` (or about any row of ``model``), oldest first."""
    model = model or type(target)
    entries = AuditEntry.objects.filter(
        target_type=ContentType.objects.get_for_model(model, for_concrete_model=True)
    ).select_related("actor")
    if target is not None:
        entries = entries.filter(target_id=str(target.pk))
    if action is not None:
        entries = entries.filter(action=action)
    return list(entries.order_by("at", "pk"))


def bulk_delete(client, model, objects):
    """POST the « delete selected » action, confirmed, on ``objects``."""
    return client.post(
        url(model, "changelist"),
        {
            "action": "delete_selected",
            "_selected_action": [obj.pk for obj in objects],
            "post": "yes",
        },
    )


def offers_bulk_delete(client, model):
    response = client.get(url(model, "changelist"))
    assert response.status_code == 200
    return 'value="delete_selected"' in response.content.decode()
