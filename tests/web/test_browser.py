"""The workspace in a real browser: Playwright drives Debian's chromium against a live `edc serve --demo` on SQLite
(the pages' backend behaviour is tested on both backends in test_pages.py; the browser adds the user's view).

One scenario follows the issue's story end to end; one shows site isolation in the pages. Every page visited is
saved as a screenshot (EDC_TEST_ARTIFACTS, default a pytest tmp folder; the paths are printed) and checked for
unlabelled form controls.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright
from server_process import edc_serve

from edc.demo.accounts import DEMO_PASSWORD

CHROMIUM = "/usr/bin/chromium"  # Debian's package (.ci/run installs it); Playwright downloads no browser here
STUDY = "relmacel"
_URLS: dict[str, str] = {}
UNLABELLED = """() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea, button')]
  .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label') && !(e.textContent || '').trim())
  .map(e => e.outerHTML.slice(0, 120))"""
#: Text below WCAG 2.1 AA contrast (4.5:1; 3:1 for large text) against the first opaque background behind it.
LOW_CONTRAST = """() => {
  const rgb = c => (c.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => [r, g, b].map(v => { v /= 255; return v <= 0.03928 ? v / 12.92
    : Math.pow((v + 0.055) / 1.055, 2.4); }).reduce((s, v, i) => s + v * [0.2126, 0.7152, 0.0722][i], 0);
  const behind = e => { for (; e; e = e.parentElement) { const c = rgb(getComputedStyle(e).backgroundColor);
    if (c.length === 3 || c[3] > 0) return c.slice(0, 3); } return [255, 255, 255]; };
  return [...document.querySelectorAll('body *')].filter(e => e.offsetParent !== null && [...e.childNodes]
      .some(n => n.nodeType === 3 && n.textContent.trim()) && !e.closest('svg'))
    .map(e => { const st = getComputedStyle(e), a = lum(rgb(st.color)), b = lum(behind(e));
      const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05), size = parseFloat(st.fontSize);
      const large = size >= 24 || (size >= 18.66 && Number(st.fontWeight) >= 700);
      return [ratio, large, e.tagName + ': ' + e.textContent.trim().slice(0, 40)]; })
    .filter(([ratio, large]) => ratio < (large ? 3 : 4.5)).map(([ratio, , what]) => ratio.toFixed(2) + ' ' + what);
}"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`edc serve --demo` on a fresh SQLite file, with one investigator restricted to a single site added."""
    folder = tmp_path_factory.mktemp("workspace")
    url = f"sqlite:///{folder / 'edc.sqlite'}"
    before = os.environ.get("EDC_ARGON2_PROFILE")
    os.environ["EDC_ARGON2_PROFILE"] = "test"  # hashing cost is not under test here
    try:
        with edc_serve("--demo", url=url, cwd=folder, startup_seconds=400) as base:
            _URLS[base] = url
            yield base
    finally:
        if before is None:
            os.environ.pop("EDC_ARGON2_PROFILE", None)
        else:
            os.environ["EDC_ARGON2_PROFILE"] = before


def _url_of(base: str) -> str:
    """The database URL of the live server at `base`."""
    return _URLS[base]


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = Path(os.environ.get("EDC_TEST_ARTIFACTS") or tmp_path_factory.mktemp("screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():  # a failure that says what to do, never a skip
        pytest.fail(f"the browser tests drive Debian's chromium at {CHROMIUM}: `apt-get install chromium` "
                    "(.ci/run installs it)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield launched
        launched.close()


def snap(page: Page, shots: Path, name: str) -> None:
    """Save the page and check its form controls are labelled (the accessibility smoke test)."""
    path = shots / f"{name}.png"
    page.screenshot(path=str(path), full_page=False)
    print(f"screenshot: {path}")
    assert page.evaluate(UNLABELLED) == [], name
    assert page.evaluate(LOW_CONTRAST) == [], name


def log_in(browser: Browser, base: str, username: str, password: str = DEMO_PASSWORD) -> Page:
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.goto(f"{base}/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    return page


def api_get(base: str, username: str, path: str, **params: Any) -> Any:
    token = httpx.post(f"{base}/api/v1/auth/token", json={"username": username, "password": DEMO_PASSWORD}).json()
    response = httpx.get(f"{base}/api/v1/studies/{path}", params=params,
                         headers={"Authorization": f"Bearer {token['token']}"}, timeout=60)
    assert response.status_code == 200, response.text
    return response.json()


def pending_event(base: str) -> tuple[str, str, str]:
    """(study, subject, aespid) of an adverse event awaiting the committee's verdict in the demo data."""
    for study in (STUDY, "rd0604", "cnct19", "ic19"):
        for level in api_get(base, "safety", f"{study}/escalation")["levels"]:
            for subject in level["subjects"]:
                for event in subject["events"]:
                    if event["awaiting"] == "committee verdict":
                        return study, subject["subject_number"], event["aespid"]
    raise AssertionError("the demo data has no event awaiting the committee")


def test_monitor_coordinator_and_safety_reviewer_work_through_the_workspace(server: str, browser: Browser,
                                                                           shots: Path) -> None:
    login = browser.new_page()
    login.goto(f"{server}/")
    expect(login.get_by_role("heading", name="Demo accounts")).to_be_visible()  # `edc serve --demo` opens here
    snap(login, shots, "01-login")

    # the keyboard alone logs in: the username field, Tab to the password, Enter submits
    login.get_by_label("Username").focus()
    login.keyboard.type("monitor")
    login.keyboard.press("Tab")
    assert login.evaluate("document.activeElement.type") == "password"
    login.keyboard.type(DEMO_PASSWORD)
    login.keyboard.press("Enter")
    expect(login.get_by_role("button", name="Log out")).to_be_visible()

    monitor = log_in(browser, server, "monitor")
    snap(monitor, shots, "02-studies")
    monitor.get_by_role("link", name=STUDY).click()
    expect(monitor.get_by_role("heading", name=f"{STUDY}: study overview")).to_be_visible()
    snap(monitor, shots, "03-overview")
    monitor.get_by_role("link", name="Subjects").click()
    snap(monitor, shots, "04-subjects")
    monitor.locator("tbody th a").first.click()
    expect(monitor.get_by_role("heading", name=re.compile("Casebook of"))).to_be_visible()
    snap(monitor, shots, "05-casebook")

    verify = monitor.get_by_role("button", name=re.compile("^Verify (?!visit)")).first
    label = verify.get_attribute("aria-label") or ""
    verify.click()
    expect(monitor.locator("td .ok").first).to_be_visible()
    assert monitor.get_by_role("button", name=label).count() < 100  # the page came back with the mark

    monitor.locator("details summary").first.click()
    monitor.locator("details textarea").first.fill("Please confirm against the source document.")
    monitor.locator("details").first.get_by_role("button", name="Raise query").click()
    expect(monitor.get_by_text("Please confirm against the source document.").first).to_be_visible()
    query_url = monitor.url
    assert re.search(r"/queries/\d+$", query_url), query_url
    snap(monitor, shots, "06-query-raised")

    coordinator = log_in(browser, server, "coordinator")
    coordinator.goto(query_url)
    coordinator.get_by_label("Answer: message").fill("Checked: the source says the same.")
    coordinator.get_by_role("button", name="Answer").click()
    expect(coordinator.get_by_text("Checked: the source says the same.")).to_be_visible()
    snap(coordinator, shots, "07-query-answered")

    monitor.goto(query_url)
    monitor.get_by_label("Close: message").fill("Thank you.")
    monitor.get_by_role("button", name="Close").click()
    expect(monitor.get_by_role("heading", name=re.compile("closed"))).to_be_visible()
    monitor.get_by_role("link", name="Queries").click()
    snap(monitor, shots, "08-query-inbox")

    study, subject, aespid = pending_event(server)
    safety = log_in(browser, server, "safety")
    safety.goto(f"{server}/workspace/{study}/escalation")
    snap(safety, shots, "09-escalation")
    form = safety.locator("form", has=safety.get_by_role("button", name=f"Adjudicate AE {aespid} of {subject}"))
    form.get_by_label("Verdict").select_option("NOT_DLT")
    form.get_by_label("Reason").fill("Resolved within 48 hours; not dose-limiting by the protocol.")
    form.get_by_role("button").click()
    expect(safety.get_by_role("heading", name=f"{study}: dose escalation")).to_be_visible()
    events = [e for level in api_get(server, "safety", f"{study}/escalation")["levels"] for s in level["subjects"]
              if s["subject_number"] == subject for e in s["events"] if e["aespid"] == aespid]
    assert [e["committee"] for e in events] == ["NOT_DLT"]
    snap(safety, shots, "10-adjudicated")


def test_another_sites_subject_is_not_found_in_the_pages(server: str, browser: Browser, shots: Path) -> None:
    subjects = api_get(server, "monitor", f"{STUDY}/subjects", limit=500)["items"]
    sites = sorted({s["site"] for s in subjects})
    assert len(sites) >= 2, sites
    mine = next(s["subject_number"] for s in subjects if s["site"] == sites[0])
    theirs = next(s["subject_number"] for s in subjects if s["site"] == sites[1])
    add = subprocess.run([sys.executable, "-m", "edc", "users", "add", "siteinv", "--full-name", "Site Investigator",
                          "--grant", f"investigator:{STUDY}:{sites[0]}", "--password-stdin"],
                         input="site investigator password\n", text=True, capture_output=True,
                         env={**os.environ, "EDC_DATABASE_URL": _url_of(server)})
    assert add.returncode == 0, add.stderr
    page = log_in(browser, server, "siteinv", "site investigator password")
    page.goto(f"{server}/workspace/{STUDY}/subjects")
    expect(page.get_by_role("link", name=mine)).to_be_visible()
    expect(page.get_by_role("link", name=theirs)).to_have_count(0)
    response = page.goto(f"{server}/workspace/{STUDY}/subjects/{theirs}")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", name="Not found")).to_be_visible()
    snap(page, shots, "11-other-site-not-found")
    missing = page.goto(f"{server}/workspace/{STUDY}/subjects/99-999")
    assert missing is not None and missing.status == 404
