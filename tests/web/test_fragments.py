"""Page parts rendered once per criteria version (webform/fragments.py): a new version's labels and texts
reach the form and the review page at once, a record that keeps its version keeps its own, and the slots
are filled with what the record holds, escaped."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from webform import fragments
from webform.fragments import Fragment

from .conftest import assessment_of, example_values, form_data, logged_in
from .test_criteria_versions import DEFAULT, demo_figures, new_version
from .test_review import accept_rest, act

OLD_LABEL = "Có người làm công tác bảo vệ trẻ em cấp xã"
NEW_LABEL = "Có cán bộ được phân công làm công tác bảo vệ trẻ em cấp xã"
OLD_TEXT = "Có bố trí người làm công tác bảo vệ trẻ em cấp xã"
NEW_TEXT = "Có bố trí cán bộ được phân công làm công tác bảo vệ trẻ em cấp xã"


def relabelled() -> bytes:
    """The default table with one input's label and one item's text reworded (scores unchanged)."""
    raw = DEFAULT
    for old, new in ((f"label: {OLD_LABEL}\n", f"label: {NEW_LABEL}\n"),
                     (f"text: {OLD_TEXT}\n", f"text: {NEW_TEXT}\n")):
        assert raw.count(old.encode()) == 1
        raw = raw.replace(old.encode(), new.encode())
    return raw


def test_a_new_version_reaches_the_cached_pages(app: Flask, admin: FlaskClient, officer: FlaskClient,
                                                reviewer: FlaskClient):
    demo_figures(app, officer)  # Ia Tơi submitted; Ia Đal and Ia Dom drafts
    toi = assessment_of(app).id
    assert act(app, reviewer, toi, "start_review").status_code == 302
    assert accept_rest(app, reviewer, toi).status_code == 302
    assert act(app, reviewer, toi, "verify").status_code == 302
    dal_officer = logged_in(app, "xa-iadal")
    dal = assessment_of(app, "23535")
    # Both pages rendered (and their fragments cached) under the version in force.
    form = dal_officer.get(f"/assessment/{dal.id}").text
    assert OLD_LABEL in form and OLD_TEXT in form and NEW_LABEL not in form
    assert OLD_LABEL in reviewer.get(f"/review/{toi}").text

    vid = new_version(app, admin, relabelled())
    r = admin.post(f"/admin/criteria/{vid}/activate", data={"effective_from": "01/01/2022", "confirm": "1"})
    assert r.status_code == 302

    # The draft moved to the new version: its form reads the new words, in the same process.
    form = dal_officer.get(f"/assessment/{dal.id}").text
    assert NEW_LABEL in form and NEW_TEXT in form
    assert OLD_LABEL not in form and OLD_TEXT not in form
    # Sent for review under the new version, its review page reads them too ...
    dal = assessment_of(app, "23535")
    sent = dal_officer.post(f"/assessment/{dal.id}",
                            data=form_data(example_values("ia-dal-2022.yaml"), dal.version, action="submit"))
    assert sent.status_code == 302, sent.text[:300]
    page = reviewer.get(f"/review/{dal.id}").text
    assert NEW_LABEL in page and NEW_TEXT in page and OLD_LABEL not in page
    # ... while the verified record keeps its version, and its pages their words.
    for html in (reviewer.get(f"/review/{toi}").text, officer.get(f"/assessment/{toi}").text):
        assert OLD_LABEL in html and NEW_LABEL not in html


def test_slots_hold_what_the_record_holds_escaped(app: Flask, officer: FlaskClient):
    a = assessment_of(app)
    data = form_data(example_values(), a.version)
    data["s_children_under16"] = 'Sổ <hộ khẩu> & "sổ khai sinh"'
    data["v_c1_officer"] = ""
    assert officer.post(f"/assessment/{a.id}", data=data).status_code == 302
    html = officer.get(f"/assessment/{a.id}").text
    assert 'value="Sổ &lt;hộ khẩu&gt; &amp; &#34;sổ khai sinh&#34;"' in html
    assert "<hộ khẩu>" not in html
    # An unanswered yes/no question: "Chưa trả lời" is the checked choice, and only that one.
    field = html.split('id="f-c1_officer"', 1)[1].split("</div>", 1)[0]
    assert field.count("checked") == 1 and 'value="" checked' in field
    # Typing errors come back in their fields, marked invalid, with what was typed.
    bad = form_data(example_values(), assessment_of(app).version, action="preview")
    bad["v_children_under16"] = "12<b>"
    page = officer.post(f"/assessment/{a.id}", data=bad)
    assert page.status_code == 400
    field = page.text.split('id="f-children_under16"', 1)[0].rsplit("<div", 1)[1] + page.text.split(
        'id="f-children_under16"', 1)[1].split("</div>", 1)[0]
    assert 'class="field has-error"' in field and 'aria-invalid="true"' in field
    assert 'value="12&lt;b&gt;"' in field


def test_fragment_fill_and_optional_parts():
    frag = Fragment("<p>\x00a|1\x00</p>\x00?x|1\x00<b>\x00b|1\x00</b>\x00/x|1\x00<i>\x00c|\x00</i>")
    assert frag.fill({"a|1": "A", "?x|1": True, "b|1": "B", "c|": "C"}) == "<p>A</p><b>B</b><i>C</i>"
    # A part left out needs no value for its slots.
    assert frag.fill({"a|1": "A", "?x|1": False, "c|": "C"}) == "<p>A</p><i>C</i>"
    with pytest.raises(KeyError):
        frag.fill({"a|1": "A", "?x|1": True, "c|": "C"})  # a slot without a value is an error, not blank
    with pytest.raises(ValueError):
        Fragment("\x00?x|1\x00never closed")


def test_fragments_are_cached_per_criteria_version_and_variant(app: Flask):
    with app.test_request_context():
        fragments.clear()
        one = fragments.fragment("assessment/_team_value.html", "hash-a", (True,))
        assert fragments.fragment("assessment/_team_value.html", "hash-a", (True,)) is one
        assert fragments.fragment("assessment/_team_value.html", "hash-b", (True,)) is not one
        assert fragments.fragment("assessment/_team_value.html", "hash-a", (False,)) is not one
        # A set built in memory has no content hash: rendered each time, never cached under a shared key.
        assert fragments.fragment("assessment/_team_value.html", None, (True,)) is not (
            fragments.fragment("assessment/_team_value.html", None, (True,)))
        for n in range(fragments.MAX_FRAGMENTS + 5):  # bounded: the oldest go first
            fragments.fragment("assessment/_team_value.html", f"h{n}", ())
        assert len(fragments._cache) == fragments.MAX_FRAGMENTS
        assert fragments.fragment("assessment/_team_value.html", "hash-a", (True,)) is not one
