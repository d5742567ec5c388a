"""What the browser tests do the same way: logging in through the login page."""

from django.urls import reverse
from playwright.sync_api import Page

from tests.base import PASSWORD


def log_in(page: Page, base_url: str, username: str) -> None:
    page.goto(base_url + reverse("login"))
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
