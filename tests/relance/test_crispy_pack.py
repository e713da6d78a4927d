"""The crispy "dsfr" template pack renders every widget as DSFR markup, errors included."""

from __future__ import annotations

import datetime

import pytest
from crispy_forms.bootstrap import InlineRadios
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Button, Column, Fieldset, Layout, Row, Submit
from django import forms
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db.models.fields.files import FieldFile
from django.template import Context, Template

from relance.forms import ButtonGroup, CancelLink, DsfrFormHelper, DsfrSubmit
from tests.relance.dom import Node, ids, parse

TOPICS = [("data", "Données"), ("ia", "Intelligence artificielle"), ("web", "Web")]
SIZES = [("s", "Petit"), ("m", "Moyen"), ("l", "Grand")]
KINDS = [("", "Choisir"), ("a", "Administration centrale"), ("b", "Service déconcentré")]

# Every field, with the widget it exercises.
TEXT_LIKE = {
    "title": ("input", "text"),
    "description": ("textarea", None),
    "amount": ("input", "number"),
    "email": ("input", "email"),
    "start": ("input", "date"),
}
ALL_FIELDS = [*TEXT_LIKE, "kind", "accept", "topics", "size", "document"]
FIELDSET_FIELDS = {"topics", "size"}

# Data that puts every field in error while keeping what was typed or chosen.
BAD_DATA = {
    "title": "",
    "description": "Texte déjà saisi",
    "amount": "douze",
    "email": "pas-un-courriel",
    "start": "2024-02-30",
    "kind": "b",
    "topics": ["ia"],
    "size": "l",
}


class EveryWidgetForm(forms.Form):
    title = forms.CharField(label="Titre du projet", help_text="Un titre court.")
    description = forms.CharField(label="Description", widget=forms.Textarea, required=False)
    amount = forms.IntegerField(label="Montant demandé")
    email = forms.EmailField(label="Adresse électronique")
    start = forms.DateField(label="Date de début")
    kind = forms.ChoiceField(label="Type d’administration", choices=KINDS)
    accept = forms.BooleanField(label="J’atteste l’exactitude des informations")
    topics = forms.MultipleChoiceField(
        label="Thèmes",
        choices=TOPICS,
        widget=forms.CheckboxSelectMultiple,
        help_text="Cochez au moins deux thèmes.",
    )
    size = forms.ChoiceField(label="Taille du projet", choices=SIZES, widget=forms.RadioSelect)
    document = forms.FileField(label="Fiche projet", help_text="PDF, 10 Mo au plus.")

    def __init__(self, *args, layout=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = DsfrFormHelper(self, submit_label="Enregistrer", cancel_url="/retour/")
        if layout:
            self.helper.layout = Layout(
                Fieldset("Le projet", *TEXT_LIKE),
                "kind",
                "accept",
                "topics",
                "size",
                "document",
            )

    def clean_description(self):
        raise forms.ValidationError("La description est trop courte.")

    def clean_kind(self):
        raise forms.ValidationError("Ce type n’est pas éligible.")

    def clean_topics(self):
        raise forms.ValidationError("Cochez au moins deux thèmes.")

    def clean_size(self):
        raise forms.ValidationError("Cette taille n’est pas ouverte.")

    def clean(self):
        raise forms.ValidationError("Le dossier est incohérent.")


def render_tag(form) -> Node:
    html = Template("{% load crispy_forms_tags %}{% crispy form %}").render(Context({"form": form}))
    return parse(html)


def render_filter(form) -> Node:
    html = Template("{% load crispy_forms_filters %}{{ form|crispy }}").render(
        Context({"form": form})
    )
    return parse(html)


RENDERERS = pytest.mark.parametrize("render", [render_tag, render_filter], ids=["tag", "filter"])


def bad_form(**kwargs):
    form = EveryWidgetForm(data=BAD_DATA, files={}, **kwargs)
    assert not form.is_valid()
    assert set(form.errors) == {*ALL_FIELDS, "__all__"}
    return form


def group_of(root: Node, name: str) -> Node:
    return root.one(id=f"div_id_{name}")


# --- Unbound -------------------------------------------------------------------------------


@RENDERERS
def test_text_like_fields_are_dsfr_input_groups(render):
    root = render(EveryWidgetForm())
    for name, (tag, input_type) in TEXT_LIKE.items():
        group = group_of(root, name)
        assert "fr-input-group" in group.classes
        assert "fr-input-group--error" not in group.classes
        label = group.one("label", for_=f"id_{name}")
        assert "fr-label" in label.classes
        control = group.one(tag, id=f"id_{name}")
        assert "fr-input" in control.classes
        assert control.get("name") == name
        if input_type:
            assert control.get("type") == input_type
        assert not control.has("aria-invalid")


@RENDERERS
def test_select_is_a_dsfr_select_group(render):
    group = group_of(render(EveryWidgetForm()), "kind")
    assert "fr-select-group" in group.classes
    assert group.one("label", cls="fr-label", for_="id_kind")
    select = group.one("select", id="id_kind")
    assert "fr-select" in select.classes
    assert [o.get("value") for o in select.find_all("option")] == ["", "a", "b"]


@RENDERERS
def test_single_checkbox_is_followed_by_its_label(render):
    group = group_of(render(EveryWidgetForm()), "accept")
    assert "fr-checkbox-group" in group.classes
    checkbox = group.one("input", type="checkbox", id="id_accept")
    label = checkbox.next_element()
    assert label.tag == "label" and label.get("for") == "id_accept"
    assert "fr-label" in label.classes


@RENDERERS
@pytest.mark.parametrize(
    ("name", "input_type", "choices"),
    [("topics", "checkbox", TOPICS), ("size", "radio", SIZES)],
)
def test_choice_lists_are_dsfr_fieldsets(render, name, input_type, choices):
    fieldset = group_of(render(EveryWidgetForm()), name)
    assert fieldset.tag == "fieldset"
    assert "fr-fieldset" in fieldset.classes
    legend = fieldset.one("legend", cls="fr-fieldset__legend")
    assert fieldset.get("aria-labelledby") == legend.id
    options = fieldset.find_all("div", cls=f"fr-{input_type}-group")
    assert len(options) == len(choices)
    for index, (option, (value, text)) in enumerate(zip(options, choices, strict=True)):
        assert "fr-fieldset__element" in option.parent.classes
        control = option.one("input", type=input_type, name=name, value=value)
        assert control.id == f"id_{name}_{index}"
        assert option.one("label", cls="fr-label", for_=control.id).text() == text


@RENDERERS
def test_file_input_is_a_dsfr_upload_group(render):
    group = group_of(render(EveryWidgetForm()), "document")
    assert "fr-upload-group" in group.classes
    assert group.one("label", cls="fr-label", for_="id_document")
    control = group.one("input", type="file", id="id_document")
    assert "fr-upload" in control.classes


@RENDERERS
def test_hints_are_in_the_label_and_described(render):
    root = render(EveryWidgetForm())
    for name, container in [("title", "label"), ("document", "label"), ("topics", "legend")]:
        hint = root.one("span", cls="fr-hint-text", id=f"id_{name}_helptext")
        assert hint.parent.tag == container
        assert hint.text() == str(EveryWidgetForm.base_fields[name].help_text)
    # Single controls point at their hint.
    assert root.by_id("id_title").tokens("aria-describedby") == ["id_title_helptext"]
    assert root.by_id("id_document").tokens("aria-describedby") == ["id_document_helptext"]
    assert not root.by_id("id_email").has("aria-describedby")


@RENDERERS
def test_required_fields_are_marked(render):
    root = render(EveryWidgetForm())
    form = EveryWidgetForm()
    for name in ALL_FIELDS:
        caption = root.find("label", for_=f"id_{name}") or root.one(id=f"id_{name}_legend")
        marker = caption.find("span", cls="relance-required")
        if form.fields[name].required:
            assert marker is not None and marker.text() == "*", name
        else:
            assert marker is None, name
    assert root.by_id("id_title").has("required")
    assert not root.by_id("id_description").has("required")


@RENDERERS
def test_every_label_points_at_an_existing_control(render):
    root = render(EveryWidgetForm())
    labels = root.find_all("label")
    assert labels
    existing = set(ids(root))
    for label in labels:
        assert label.get("for") in existing, label
        assert root.by_id(label.get("for")).tag in ("input", "select", "textarea")


def test_crispy_tag_writes_the_form_fieldset_notice_and_buttons():
    root = render_tag(EveryWidgetForm())
    form = root.one("form")
    assert form.get("method") == "post"
    assert form.get("enctype") == "multipart/form-data"
    assert form.has("novalidate")
    notice = form.find("p", cls="fr-text--sm")
    assert notice.text() == "Les champs marqués d’un astérisque (*) sont obligatoires."

    fieldset = root.find_all("fieldset", cls="fr-fieldset")[0]
    assert fieldset.one("legend", cls="fr-fieldset__legend").text() == "Le projet"
    for name in TEXT_LIKE:
        assert fieldset.by_id(f"id_{name}") is not None

    group = root.one("ul", cls="fr-btns-group")
    submit, cancel = (item.first_element() for item in group.find_all("li"))
    assert submit.tag == "button" and submit.get("type") == "submit"
    assert submit.classes == {"fr-btn"}
    assert submit.text() == "Enregistrer"
    assert cancel.tag == "a" and cancel.get("href") == "/retour/"
    assert cancel.classes == {"fr-btn", "fr-btn--secondary"}


def test_crispy_filter_renders_fields_only():
    root = render_filter(EveryWidgetForm())
    assert root.find("form") is None
    assert root.find("button") is None
    assert root.find("p", cls="fr-text--sm") is None
    assert root.find("div", cls="fr-alert") is None


# --- Bound, with errors ----------------------------------------------------------------------


@RENDERERS
def test_error_summary_lists_non_field_errors_and_links_to_fields(render):
    alert = render(bad_form()).one("div", cls="fr-alert fr-alert--error")
    assert alert.get("role") == "alert"
    assert alert.one("h2", cls="fr-alert__title").text() == "Le formulaire contient des erreurs"
    assert "Le dossier est incohérent." in [p.text() for p in alert.find_all("p")]
    targets = [link.get("href") for link in alert.find_all("a")]
    assert len(targets) == len(ALL_FIELDS)
    root = render(bad_form())
    for target in targets:
        assert root.by_id(target.removeprefix("#")) is not None, target


@RENDERERS
def test_each_field_in_error_is_marked_and_described(render):
    root = render(bad_form())
    form = bad_form()
    existing = set(ids(root))
    group_error_class = {
        **dict.fromkeys(TEXT_LIKE, "fr-input-group--error"),
        "kind": "fr-select-group--error",
        "accept": "fr-checkbox-group--error",
        "topics": "fr-fieldset--error",
        "size": "fr-fieldset--error",
        "document": "fr-upload-group--error",
    }
    for name in ALL_FIELDS:
        group = group_of(root, name)
        assert group_error_class[name] in group.classes, name
        errors = root.one(id=f"id_{name}_error")
        messages = [p.text() for p in errors.find_all("p", cls="fr-error-text")]
        assert messages == list(form.errors[name]), name
        if name in FIELDSET_FIELDS:
            # A DSFR fieldset is labelled by its legend and its errors.
            assert group.tokens("aria-labelledby") == [f"id_{name}_legend", f"id_{name}_error"]
            controls = group.find_all("input")
        else:
            controls = [root.by_id(f"id_{name}")]
        for control in controls:
            assert control.get("aria-invalid") == "true", name
            if name not in FIELDSET_FIELDS:
                described_by = control.tokens("aria-describedby")
                assert f"id_{name}_error" in described_by, name
                assert set(described_by) <= existing, name
    for name in TEXT_LIKE:
        assert "fr-input--error" in root.by_id(f"id_{name}").classes


@RENDERERS
def test_entered_values_are_kept_when_redisplayed(render):
    root = render(bad_form())
    assert root.by_id("id_description").text() == "Texte déjà saisi"
    assert root.by_id("id_amount").get("value") == "douze"
    assert root.by_id("id_email").get("value") == "pas-un-courriel"
    assert root.by_id("id_start").get("value") == "2024-02-30"
    selected = [o.get("value") for o in root.by_id("id_kind").find_all("option", selected=True)]
    assert selected == ["b"]
    checked = [i.get("value") for i in group_of(root, "topics").find_all("input", checked=True)]
    assert checked == ["ia"]
    checked = [i.get("value") for i in group_of(root, "size").find_all("input", checked=True)]
    assert checked == ["l"]
    assert not root.by_id("id_accept").has("checked")


def test_layout_and_default_rendering_give_the_same_fields():
    with_layout = render_tag(bad_form())
    without_layout = render_tag(bad_form(layout=False))
    for name in ALL_FIELDS:
        assert group_of(with_layout, name).classes == group_of(without_layout, name).classes


def test_non_field_errors_alone_make_a_small_alert():
    class LoginLikeForm(forms.Form):
        email = forms.EmailField(label="Adresse électronique")

        def clean(self):
            raise forms.ValidationError("Identifiants incorrects.")

    form = LoginLikeForm(data={"email": "a@b.fr"})
    assert not form.is_valid()
    alert = render_filter(form).one("div", cls="fr-alert")
    assert alert.classes == {"fr-alert", "fr-alert--error", "fr-alert--sm", "fr-mb-4w"}
    assert alert.find("h2") is None
    assert alert.text() == "Identifiants incorrects."


# --- Widgets and layout objects ------------------------------------------------------------


def test_dates_render_as_native_pickers_with_iso_values():
    class DatesForm(forms.Form):
        day = forms.DateField(label="Jour")
        moment = forms.DateTimeField(label="Moment")

    form = DatesForm(
        initial={
            "day": datetime.date(2021, 3, 3),
            "moment": datetime.datetime(2021, 3, 3, 9, 30, tzinfo=datetime.UTC),
        }
    )
    root = render_filter(form)
    day = root.by_id("id_day")
    assert (day.get("type"), day.get("value")) == ("date", "2021-03-03")
    moment = root.by_id("id_moment")
    # 09:30 UTC is 10:30 in Paris in March.
    assert (moment.get("type"), moment.get("value")) == ("datetime-local", "2021-03-03T10:30")
    # The posted ISO value is accepted in French.
    assert DatesForm(data={"day": "2021-03-03", "moment": "2021-03-03T10:30"}).is_valid()


def test_current_file_is_named_and_can_be_removed(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    name = default_storage.save("pieces/fiche-projet.pdf", ContentFile(b"%PDF-1.4"))

    class AttachmentForm(forms.Form):
        document = forms.FileField(label="Fiche projet", required=False)

    form = AttachmentForm(initial={"document": FieldFile(None, _FakeField(), name)})
    group = group_of(render_filter(form), "document")
    assert "fiche-projet.pdf" in group.text()
    clear = group.one("input", type="checkbox", name="document-clear")
    assert group.one("label", for_=clear.id).text() == "Supprimer le fichier actuel"
    upload = group.one("input", type="file")
    assert not upload.has("value")
    # Ticking the box empties the field.
    cleared = AttachmentForm(data={"document-clear": "on"}, initial={"document": name})
    assert cleared.is_valid()
    assert cleared.cleaned_data["document"] is False


class _FakeField:
    """Just enough of a model FileField for a FieldFile outside a model."""

    storage = default_storage


def test_grid_and_button_layout_objects():
    class Form(forms.Form):
        first_name = forms.CharField(label="Prénom")
        last_name = forms.CharField(label="Nom")

    form = Form()
    form.helper = FormHelper()
    form.helper.layout = Layout(
        Row(Column("first_name"), Column("last_name", css_class="fr-col-12 fr-col-md-4")),
        ButtonGroup(DsfrSubmit("save", "Enregistrer"), CancelLink("/", "Retour")),
    )
    form.helper.add_input(Submit("go", "Valider", css_class="btn-lg"))
    form.helper.add_input(Button("other", "Autre"))
    root = render_tag(form)

    row = root.one("div", cls="fr-grid-row fr-grid-row--gutters")
    first, second = row.elements()
    assert first.classes == {"fr-col-12", "fr-col-md"}
    assert second.classes == {"fr-col-12", "fr-col-md-4"}
    assert first.by_id("id_first_name") is not None

    layout_group, inputs_group = root.find_all("ul", cls="fr-btns-group")
    buttons = [li.first_element() for li in layout_group.find_all("li")]
    assert [(b.tag, b.text()) for b in buttons] == [("button", "Enregistrer"), ("a", "Retour")]
    crispy_submit, crispy_button = (li.first_element() for li in inputs_group.find_all("li"))
    # Bootstrap classes are dropped; a plain Button is secondary.
    assert crispy_submit.classes == {"fr-btn"}
    assert crispy_button.classes == {"fr-btn", "fr-btn--secondary"}
    assert crispy_button.get("type") == "button"


def test_hidden_labels_stay_readable_by_screen_readers():
    form = EveryWidgetForm()
    form.helper.form_show_labels = False
    label = render_tag(form).one("label", for_="id_title")
    assert "fr-sr-only" in label.classes


def test_as_crispy_field_renders_one_group():
    html = Template("{% load crispy_forms_filters %}{{ form.email|as_crispy_field }}").render(
        Context({"form": bad_form()})
    )
    root = parse(html)
    group = group_of(root, "email")
    assert group.classes == {"fr-input-group", "fr-input-group--error"}
    assert root.by_id("id_email_error") is not None


def test_formset_renders_management_form_and_each_form():
    class LineForm(forms.Form):
        label = forms.CharField(label="Poste de dépense")

    formset = forms.formset_factory(LineForm, extra=2)()
    root = render_filter(formset)
    assert root.one("input", name="form-TOTAL_FORMS").get("value") == "2"
    assert root.by_id("div_id_form-0-label") is not None
    assert root.by_id("div_id_form-1-label") is not None


def test_inline_radios_and_multi_input_fields():
    class Form(forms.Form):
        size = forms.ChoiceField(label="Taille", choices=SIZES, widget=forms.RadioSelect)
        moment = forms.SplitDateTimeField(label="Rendez-vous")

    form = Form(data={"size": "m"})
    assert not form.is_valid()
    form.helper = FormHelper()
    form.helper.layout = Layout(InlineRadios("size"), "moment")
    root = render_tag(form)

    options = group_of(root, "size").find_all("div", cls="fr-fieldset__element")
    assert all("fr-fieldset__element--inline" in option.classes for option in options)

    # Several inputs, one label: a fieldset with a legend, never a label without target.
    fieldset = group_of(root, "moment")
    assert fieldset.tag == "fieldset"
    assert {"fr-fieldset", "fr-fieldset--error"} <= fieldset.classes
    assert fieldset.one("legend").text() == "Rendez-vous *"
    assert fieldset.tokens("aria-labelledby") == ["id_moment_legend", "id_moment_error"]
    assert [i.id for i in fieldset.find_all("input", cls="fr-input")] == [
        "id_moment_0",
        "id_moment_1",
    ]
    assert all(label.get("for") for label in root.find_all("label"))
