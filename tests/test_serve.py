"""An editor previews with `certsite serve`: edits appear by themselves, errors show in the browser."""

from __future__ import annotations

import re
import signal
import subprocess
import sys

import pytest

from browser import chromium_browser
from conftest import PROJECT, announcement

FILE = "certifications/2024-01-10-acme-metals.md"


@pytest.fixture
def server(content):
    """`certsite serve` as its own process on a free port; yields its address, then stops it with Ctrl-C."""
    process = subprocess.Popen(
        [sys.executable, "-m", "certsite", "serve", "--content", str(content.root), "--port", "0", "--no-search", "--as-of", "2024-06-01"],
        cwd=PROJECT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    address = None
    for line in process.stdout:
        if match := re.search(r"Serving on (http://127\.0\.0\.1:\d+)/", line):
            address = match.group(1)
            break
    assert address, "certsite serve did not start"
    yield address
    process.send_signal(signal.SIGINT)  # what Ctrl-C sends
    rest = process.communicate(timeout=10)[0]
    assert process.returncode == 0 and "Stopped." in rest


def wait_for_text(page, selector: str, text: str, timeout: float = 15000) -> None:
    page.wait_for_function(
        "([selector, text]) => { const e = document.querySelector(selector); return e && e.textContent.includes(text); }",
        arg=[selector, text], timeout=timeout,
    )


def test_an_edit_reloads_the_open_page_with_the_new_content(content, server):
    with chromium_browser() as browser:
        page = browser.new_page()
        page.goto(f"{server}/certifications/2024-01-10-acme-metals/")
        assert page.locator("h1").inner_text() == "Acme Metals certified"
        content.announce("2024-01-10-acme-metals.md", announcement(**{"title: Acme Metals certified": "title: Acme Metals certified again"}))
        wait_for_text(page, "h1", "Acme Metals certified again")


def test_an_invalid_edit_shows_the_error_and_a_fix_recovers(content, server):
    with chromium_browser() as browser:
        page = browser.new_page()
        page.goto(f"{server}/entities/acme-metals-ltd/")
        content.announce("2024-01-10-acme-metals.md", announcement(**{'country: "NO"': "country: XX"}))
        wait_for_text(page, "h1", "The site could not be built")
        errors = page.locator(".build-errors").inner_text()
        assert f"{FILE}:7: error: 'XX' is not an ISO 3166-1 alpha-2 country code" in errors
        assert "country: XX" in errors  # the offending line is shown
        page.goto(f"{server}/")  # every page shows the errors, not a stale site
        assert page.locator("h1").inner_text() == "The site could not be built"
        content.announce("2024-01-10-acme-metals.md", announcement())
        wait_for_text(page, "h1", "Test Register")


def test_serve_answers_unknown_addresses_with_the_404_page(server):
    import urllib.error
    import urllib.request

    with pytest.raises(urllib.error.HTTPError) as error:
        urllib.request.urlopen(f"{server}/no/such/page/")
    assert error.value.code == 404
    assert b"Page not found" in error.value.read()
