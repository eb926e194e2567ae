"""The reviewer's page of the shipped build in a real headless Chromium, opened from the file system.

It must load with no console error, and a reviewer must reach, from every
number the abstract prints, its trial rows in at most three clicks: here the
cell link of the number's row (one) and the cell's trials link (two), after
which the rows shown (their count, ids and file:line) are compared with
trials.parquet. A claim is followed the same way. Needs Debian's `chromium`
and `chromium-driver` (scripts/install-system-deps.sh installs them, as
`make test` runs it) and the `selenium` package of the test extra.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from conftest import load_config
from preservation.aggregate import cell_id, cell_keys, read_cell_sources
from preservation.manuscript import printed_by_section

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(
    not (CHROMIUM and CHROMEDRIVER),
    reason="Chromium and its driver not found: install the Debian packages chromium and chromium-driver "
    "(bash scripts/install-system-deps.sh, which `make test` runs)",
)
webdriver = pytest.importorskip("selenium.webdriver", reason="selenium not installed: pip install -e '.[test]'")
from selenium.webdriver.common.by import By  # noqa: E402


@pytest.fixture(scope="module")
def browser() -> Iterator[webdriver.Chrome]:
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,1000"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=webdriver.ChromeService(executable_path=CHROMEDRIVER))
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def page(built: Path) -> Path:
    return built / "paper" / "review.html"


@pytest.fixture(scope="module")
def trials(built: Path) -> pd.DataFrame:
    """trials.parquet of the build, each row with its cell id computed here from its keys (as rates.csv's are)."""
    keys = cell_keys(load_config()["aggregate_by"])
    table = pd.read_parquet(built / "data" / "processed" / "trials.parquet")
    table["cell"] = [cell_id(row, keys) for row in table[keys].to_dict("records")]
    return table


def open_page(browser: webdriver.Chrome, page: Path) -> None:
    browser.get(page.as_uri())
    browser.get_log("browser")  # only what this load logs is asserted on


def follow(browser: webdriver.Chrome, link) -> str:  # type: ignore[no-untyped-def]
    """Click a link within the page; the id it leads to, which must be the element now targeted and shown."""
    target = link.get_attribute("href").split("#", 1)[1]
    link.click()
    assert browser.execute_script("return location.hash") == f"#{target}"
    element = browser.find_element(By.ID, target)
    assert element.is_displayed()
    return target


def check_trial_rows(browser: webdriver.Chrome, cell: str, trials: pd.DataFrame) -> None:
    """The trials section now shown lists the cell's count and its first rows as trials.parquet holds them."""
    section = browser.find_element(By.ID, f"trials-{cell}")
    mine = trials[trials["cell"] == cell]
    assert re.search(rf"\b{len(mine)} trials?\b", section.text)
    rows = section.find_elements(By.CSS_SELECTOR, "tr")[1:]
    assert rows, f"no trial rows shown for cell {cell}"
    shown = [[td.text for td in row.find_elements(By.TAG_NAME, "td")] for row in rows]
    expected = [[str(number), row.trial_id, str(row.outcome), f"{row.source_file}:{row.source_line}"]
                for number, row in enumerate(mine.head(len(rows)).itertuples(), start=1)]
    assert shown == expected


def test_the_page_loads_from_the_file_system_with_no_console_error(browser: webdriver.Chrome, page: Path) -> None:
    browser.get(page.as_uri())
    errors = [entry for entry in browser.get_log("browser") if entry["level"] in ("SEVERE", "ERROR")]
    assert errors == []
    assert browser.title.startswith("Reviewer's page")
    assert browser.find_element(By.ID, "part-Abstract").is_displayed()


def test_every_abstract_number_reaches_its_trials_in_two_clicks(browser: webdriver.Chrome, page: Path, trials: pd.DataFrame, built: Path) -> None:
    """Every number of the abstract: its cell in one click, then its trial rows (or, for a figure published without n, its source)."""
    (abstract, *_) = printed_by_section((built / "paper" / "paper.typ").read_text(encoding="utf-8"))
    assert abstract.title == "Abstract"
    sources = read_cell_sources(str(built / "data" / "processed" / "cell_sources.parquet"))
    open_page(browser, page)
    rows = browser.find_elements(By.CSS_SELECTOR, "#part-Abstract tr")[1:]
    assert [row.find_element(By.CSS_SELECTOR, "a.number").text for row in rows] == list(abstract.names)
    reached = 0
    for index, name in enumerate(abstract.names):
        row = browser.find_elements(By.CSS_SELECTOR, "#part-Abstract tr")[1 + index]
        links = row.find_elements(By.CSS_SELECTOR, "a.cell")
        if not links:
            assert "from config" in row.text, f"{name} links to no cell and is not a setting"
            continue
        cell = follow(browser, links[0]).removeprefix("cell-")
        card = browser.find_element(By.ID, f"cell-{cell}")
        follow(browser, card.find_element(By.CSS_SELECTOR, f'a[href="#trials-{cell}"]'))
        if (trials["cell"] == cell).any():
            check_trial_rows(browser, cell, trials)
            reached += 1
        else:
            published = sources.loc[sources["cell"] == cell, "source"].tolist()
            assert published and all(source in card.text for source in published)
            assert "no trials (published without n)" in browser.find_element(By.ID, f"trials-{cell}").text
        browser.back()
        browser.back()
    assert reached >= 4  # o3's k/n and interval, with and without the instruction
    assert [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"] == []


def test_a_claim_leads_to_its_trial_rows(browser: webdriver.Chrome, page: Path, trials: pd.DataFrame) -> None:
    open_page(browser, page)
    claim = browser.find_element(By.ID, "claim-palisade-o3-default")
    assert "PASS" in claim.text
    cell = follow(browser, claim.find_element(By.CSS_SELECTOR, "a.cell")).removeprefix("cell-")
    follow(browser, browser.find_element(By.CSS_SELECTOR, f'#cell-{cell} a[href="#trials-{cell}"]'))
    check_trial_rows(browser, cell, trials)
    assert len(trials[trials["cell"] == cell]) == 100
