# The browser fixtures (Debian's chromium through Playwright) for the dashboard's look.
from tests.browser.conftest import browser, page, screenshot_dir  # noqa: F401
