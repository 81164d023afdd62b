"""The workspace's pages through the real application (Litestar's test client) on SQLite and PostgreSQL: the
session cookie, CSRF on every form, site isolation and the query workflow, each an API service call."""

from __future__ import annotations

from api_env import PASSWORD, STUDY, Api, records_path, screen, vitals
from workspace_client import browser

W = f"/workspace/{STUDY}"


def test_login_sets_a_strict_httponly_cookie_the_api_does_not_accept(api: Api) -> None:
    session = browser(api.client.app)
    refused = session.post("/workspace/login", {"username": "monitor", "password": "wrong"})
    assert refused.status_code == 401 and 'id="password-error"' in refused.text  # the error beside its field
    response = session.post("/workspace/login", {"username": "monitor", "password": PASSWORD, "next": W})
    assert response.status_code == 303 and response.headers["location"] == W
    cookie = response.headers["set-cookie"].lower()
    assert "edc_session=" in cookie and "httponly" in cookie and "samesite=strict" in cookie
    assert "path=/workspace" in cookie
    token = session.client.cookies.get("edc_session")
    assert token
    # the API reads the Authorization header only: the cookie (even sent to the API's path) opens nothing
    assert api.client.get("/api/v1/studies", headers={"cookie": f"edc_session={token}"}).status_code == 401
    assert session.get(W).status_code == 200
    assert session.post("/workspace/logout", {}).status_code == 303
    assert "Log in" in session.get(W).text  # the token is revoked: back to the login page
    assert api.client.get("/api/v1/studies", headers={"authorization": f"Bearer {token}"}).status_code == 401


def test_every_form_needs_the_csrf_token_and_the_api_needs_none(api: Api) -> None:
    number = screen(api)
    assert api.call("inv01", "POST", records_path(number, "SCR", "vital_signs"), json=vitals()).status_code == 201
    anonymous = browser(api.client.app)
    assert anonymous.post("/workspace/login", {"username": "monitor", "password": PASSWORD},
                          csrf=False).status_code == 403
    monitor = browser(api.client.app, "monitor", PASSWORD)
    monitor.get(f"{W}/subjects/{number}")
    form = {"visit": "SCR", "occurrence": "1", "form": "vital_signs", "seq": "1", "item": "", "text": "source?"}
    assert monitor.post(f"{W}/subjects/{number}/queries", form, csrf=False).status_code == 403
    assert monitor.post(f"{W}/subjects/{number}/queries", {**form, "_csrf_token": "0" * 64},
                        csrf=False).status_code == 403
    assert api.call("monitor", "GET", f"/api/v1/studies/{STUDY}/queries").json()["items"] == []
    # a bearer client posts JSON without any CSRF token, as before
    assert api.call("monitor", "POST", f"/api/v1/studies/{STUDY}/queries",
                    json={"subject": number, "visit": "SCR", "text": "API"}).status_code == 201


def test_another_sites_subject_is_not_found_exactly_like_a_missing_one(api: Api) -> None:
    mine, theirs = screen(api, "inv02", "02"), screen(api, "inv01", "01")
    inv02 = browser(api.client.app, "inv02", PASSWORD)
    listing = inv02.get(f"{W}/subjects")
    assert mine in listing.text and theirs not in listing.text
    other, missing = inv02.get(f"{W}/subjects/{theirs}"), inv02.get(f"{W}/subjects/99-999")
    assert other.status_code == missing.status_code == 404
    assert other.text.replace(theirs, "X") == missing.text.replace("99-999", "X")
    form = {"visit": "SCR", "occurrence": "1", "form": "", "seq": "1", "item": ""}
    inv02.get(f"{W}/subjects/{mine}")
    assert inv02.post(f"{W}/subjects/{theirs}/sdv", form).status_code == 403  # no SDV for an investigator
    overview = inv02.get(W)
    assert overview.status_code == 200 and ">01<" not in overview.text and ">02<" in overview.text
    assert inv02.get("/workspace/nostudy").status_code == 404
    admin = browser(api.client.app, "admin", PASSWORD)
    assert admin.get(f"{W}/subjects").status_code == 403  # an administrator sees no clinical data


def test_sdv_and_a_query_raised_answered_and_closed_through_the_pages(api: Api) -> None:
    number = screen(api)
    assert api.call("inv01", "POST", records_path(number, "SCR", "vital_signs"), json=vitals()).status_code == 201
    monitor = browser(api.client.app, "monitor", PASSWORD)
    listing = monitor.get(f"{W}/subjects", site="01")
    assert listing.status_code == 200 and number in listing.text
    assert number not in monitor.get(f"{W}/subjects", site="02").text
    book = monitor.get(f"{W}/subjects/{number}")
    assert book.status_code == 200 and "mmHg" in book.text  # values with their units
    sdv = {"visit": "SCR", "occurrence": "1", "form": "vital_signs", "seq": "1", "item": "sysbp"}
    assert monitor.follow(monitor.post(f"{W}/subjects/{number}/sdv", sdv)).status_code == 200
    progress = api.call("monitor", "GET", f"/api/v1/studies/{STUDY}/sdv/progress").json()
    assert [p["items_verified"] for p in progress if p["subject_number"] == number] == [1]
    empty = monitor.post(f"{W}/subjects/{number}/queries", {**sdv, "text": ""})
    assert empty.status_code == 422 and "text: required" in empty.text
    raised = monitor.post(f"{W}/subjects/{number}/queries", {**sdv, "text": "Please check the source."})
    thread = monitor.follow(raised)
    query_id = int(raised.headers["location"].rsplit("/", 1)[1])
    assert "Please check the source." in thread.text
    coordinator = browser(api.client.app, "coord01", PASSWORD)
    coordinator.get(f"{W}/queries/{query_id}")
    assert coordinator.post(f"{W}/queries/{query_id}/close", {"text": "no"}).status_code == 403
    assert coordinator.follow(coordinator.post(f"{W}/queries/{query_id}/answer", {"text": "Checked: 120."}))
    monitor.get(f"{W}/queries/{query_id}")
    monitor.follow(monitor.post(f"{W}/queries/{query_id}/close", {"text": "Thanks."}))
    closed = api.call("monitor", "GET", f"/api/v1/studies/{STUDY}/queries/{query_id}").json()
    assert closed["status"] == "closed" and [m["text"] for m in closed["messages"]][-2:] == ["Checked: 120.",
                                                                                             "Thanks."]
    again = monitor.post(f"{W}/queries/{query_id}/answer", {"text": "x"})
    assert again.status_code == 403  # a monitor never answers: the service's refusal, as the API's
    history = monitor.get(f"{W}/audit", subject=number)
    assert "sdv.mark" in history.text and "query" in history.text


def test_the_escalation_page_embeds_the_swimmer_plot_and_a_casebook_without_assessments_has_no_trajectory(
        api: Api) -> None:
    number = screen(api)
    safety = browser(api.client.app, "safety", PASSWORD)
    page = safety.get(f"{W}/escalation")
    assert page.status_code == 200
    figure = page.text.split('<figure class="plot" id="swimmer">', 1)
    assert len(figure) == 2 and figure[1].lstrip().startswith(("<?xml", "<svg"))  # the plots feature's SVG
    monitor = browser(api.client.app, "monitor", PASSWORD)
    book = monitor.get(f"{W}/subjects/{number}")
    assert book.status_code == 200 and 'id="trajectory"' not in book.text  # nothing assessed: nothing to draw
