"""Group robot addresses cannot reach into the server's network (issue 17, finding 7),
and the robots' access tokens and signing secrets are sealed at rest.

No test touches the network: names are answered by a local resolver stub
(socket.getaddrinfo) and messages go to a local HTTP server.
"""

import datetime
import io
from collections.abc import Iterator

import pytest
from cryptography.fernet import Fernet
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from django.urls import reverse
from django.utils import translation

from departments.models import Unit, User
from notices import robots
from notices.delivery import deliver_due
from notices.models import Delivery, UnitWebhook
from tests.base import make_person
from tests.notices.base import NOW, NoticeTestCase
from tests.notices.robot import (
    DINGTALK_HOST,
    PUBLIC,
    WECOM_HOST,
    RobotServer,
    resolving,
)


def zh(message: str) -> str:
    """A message as a delivery records it: in the product's default language."""
    with translation.override(settings.LANGUAGE_CODE):
        return translation.gettext(message)


@pytest.fixture(autouse=True)
def english_messages() -> Iterator[None]:
    # The messages are checked in their English form, whatever the catalogue says.
    with translation.override("en"):
        yield


LATER = NOW + datetime.timedelta(minutes=1)
WECOM = f"https://{WECOM_HOST}/cgi-bin/webhook/send?key=KEY-123456"
ALLOWED = (
    "Only the WeCom and DingTalk robot addresses are accepted "
    "(oapi.dingtalk.com、qyapi.weixin.qq.com)."
)
INTERNAL = "The robot's host qyapi.weixin.qq.com points to an internal address; it cannot be used."


class RobotAddressFormTests(NoticeTestCase):
    """The administrator's form: one clear line, nothing saved."""

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.admin = make_person("n.admin", User.Role.ADMIN, Unit.objects.get(code="zhengfuban"))

    def save(self, url: str, names: dict[str, list[str]] | None = None):  # type: ignore[no-untyped-def]
        self.client.force_login(self.admin)
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        names = {WECOM_HOST: [PUBLIC], DINGTALK_HOST: [PUBLIC]} if names is None else names
        with resolving(names), translation.override("en"):
            return self.client.post(
                reverse("admin:notices_unitwebhook_add"),
                {"unit": self.gongxin.pk, "kind": "wecom", "url": url, "enabled": "on"},
                HTTP_ACCEPT_LANGUAGE="en",
            )

    def assert_refused(self, response, message: str) -> None:  # type: ignore[no-untyped-def]
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.context["adminform"].form.errors["url"], [message])
        self.assertFalse(UnitWebhook.objects.exists())

    def test_a_robot_host_with_a_public_address_is_saved(self) -> None:
        response = self.save(WECOM)
        self.assertEqual(response.status_code, 302)
        self.assertEqual(
            UnitWebhook.objects.get().address, f"https://{WECOM_HOST}/cgi-bin/webhook/send"
        )

    def test_another_host_or_scheme_or_port_is_refused(self) -> None:
        cases = {
            "http://127.0.0.1:8080/admin/": "The robot's address must start with https://.",
            f"http://{WECOM_HOST}/cgi-bin/webhook/send?key=k": (
                "The robot's address must start with https://."
            ),
            "https://169.254.169.254/latest/meta-data/": ALLOWED,
            "https://intranet.example.gov.cn/robot": ALLOWED,
            f"https://{WECOM_HOST}.evil.example/x": ALLOWED,
            f"https://user@{WECOM_HOST}/x": ALLOWED,
            f"https://{WECOM_HOST}:8443/x": "The robot's address must use the standard https port.",
            "gopher://qyapi.weixin.qq.com/x": "The robot's address must start with https://.",
        }
        for url, message in cases.items():
            with self.subTest(url=url):
                self.assert_refused(self.save(url), message)

    def test_an_allowed_host_resolving_to_an_internal_address_is_refused(self) -> None:
        for addresses in (
            ["127.0.0.1"],
            ["10.1.2.3"],
            ["192.168.0.8"],
            ["172.16.5.5"],
            ["169.254.169.254"],
            ["100.64.0.1"],
            ["224.0.0.1"],
            ["0.0.0.0"],
            ["240.0.0.1"],
            ["::1"],
            ["fe80::1"],
            ["fc00::1"],
            ["::ffff:127.0.0.1"],
            # One internal address among public ones is enough to refuse.
            [PUBLIC, "127.0.0.1"],
        ):
            with self.subTest(addresses=addresses):
                self.assert_refused(self.save(WECOM, {WECOM_HOST: addresses}), INTERNAL)

    def test_a_host_that_cannot_be_found_is_refused(self) -> None:
        self.assert_refused(
            self.save(WECOM, {}), "The robot's host qyapi.weixin.qq.com cannot be found."
        )

    @override_settings(NOTICE_ROBOT_HOSTS=["robot.example.cn"])
    def test_the_allow_list_is_a_setting(self) -> None:
        self.assert_refused(
            self.save(WECOM),
            "Only the WeCom and DingTalk robot addresses are accepted (robot.example.cn).",
        )
        response = self.save("https://robot.example.cn/send?key=1", {"robot.example.cn": [PUBLIC]})
        self.assertEqual(response.status_code, 302)


class RobotSendingTests(NoticeTestCase):
    """Checked again when a message goes out: settings, DNS or the row may have changed."""

    def test_an_internal_address_stored_by_other_means_is_not_called(self) -> None:
        with RobotServer() as server:
            # Written past the form (an old row, the shell): the sweep refuses it.
            UnitWebhook.objects.create(
                unit=self.gongxin,
                kind="wecom",
                url=f"http://127.0.0.1:{server.port}/cgi-bin/webhook/send?key=k",
            )
            self.remind(self.liaison)
            with translation.override("en"):
                counts = deliver_due(now=LATER)
        self.assertEqual((server.requests, server.connections), ([], []))
        self.assertEqual(counts["webhook_sent"], 0)
        self.assertEqual(
            Delivery.objects.get(channel=Delivery.Channel.WEBHOOK).last_error,
            "refused: " + zh("The robot's address must start with https://."),
        )

    def test_a_dns_answer_changed_to_an_internal_address_is_not_called(self) -> None:
        with RobotServer() as server:
            UnitWebhook.objects.create(unit=self.gongxin, kind="wecom", url=server.url())
            self.remind(self.liaison)
            with resolving({WECOM_HOST: ["127.0.0.1"]}), translation.override("en"):
                deliver_due(now=LATER)
        self.assertEqual(server.requests, [])
        self.assertEqual(
            Delivery.objects.get(channel=Delivery.Channel.WEBHOOK).last_error,
            "refused: "
            + zh("The robot's host %(host)s points to an internal address; it cannot be used.")
            % {"host": WECOM_HOST},
        )

    def test_the_message_goes_to_the_address_checked_with_the_hosts_name(self) -> None:
        with RobotServer() as server:
            UnitWebhook.objects.create(unit=self.gongxin, kind="wecom", url=server.url())
            self.remind(self.liaison)
            counts = deliver_due(now=LATER)
            self.assertEqual(counts["webhook_sent"], 1)
        self.assertEqual(server.connections, [{"host": WECOM_HOST, "address": PUBLIC, "port": 443}])

    def test_a_redirect_is_not_followed(self) -> None:
        with RobotServer(answers=[(302, {"errcode": 0, "errmsg": "ok"})]) as server:
            UnitWebhook.objects.create(unit=self.gongxin, kind="wecom", url=server.url())
            self.remind(self.liaison)
            deliver_due(now=LATER)
        self.assertEqual(
            [request["path"] for request in server.requests], ["/cgi-bin/webhook/send"]
        )
        delivery = Delivery.objects.get(channel=Delivery.Channel.WEBHOOK)
        self.assertEqual((delivery.status, delivery.last_error), ("pending", "HTTP 302"))

    def test_the_real_connection_is_tls_to_the_checked_address(self) -> None:
        made = robots.open_connection(host=WECOM_HOST, address=PUBLIC, port=443, timeout=1)
        self.assertEqual((made.host, made.port, made._address), (WECOM_HOST, 443, PUBLIC))  # type: ignore[attr-defined]
        self.assertTrue(made._context.check_hostname)  # type: ignore[attr-defined]


def raw_columns() -> tuple[str, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT url, secret FROM notices_unitwebhook")
        return cursor.fetchone()


class SealedSecretTests(NoticeTestCase):
    def test_the_token_and_the_signing_secret_are_not_stored_in_plain_text(self) -> None:
        robot = UnitWebhook.objects.create(
            unit=self.gongxin,
            kind="dingtalk",
            url=f"https://{DINGTALK_HOST}/robot/send?access_token=TOKEN-abcdef",
            secret="SEC-signing-secret",
        )
        url, secret = raw_columns()
        self.assertNotIn("TOKEN-abcdef", url)
        self.assertNotIn("SEC-signing-secret", secret)
        robot = UnitWebhook.objects.get(pk=robot.pk)
        self.assertEqual(robot.address, f"https://{DINGTALK_HOST}/robot/send")
        # Loaded, they stay sealed until a message is sent; nothing prints them.
        self.assertNotIn("TOKEN", f"{robot.url} {robot.url!r} {robot.secret}")
        self.assertEqual(robot.secret.open(), "SEC-signing-secret")

    def test_rotating_the_key_reseals_every_robot(self) -> None:
        old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
        with override_settings(NOTICE_ROBOT_KEYS=[old]):
            UnitWebhook.objects.create(unit=self.gongxin, kind="wecom", url=WECOM, secret="S1")
        before = raw_columns()
        with override_settings(NOTICE_ROBOT_KEYS=[new, old]):
            call_command("reseal_robots", stdout=io.StringIO())
        after = raw_columns()
        self.assertNotEqual(before, after)
        with override_settings(NOTICE_ROBOT_KEYS=[new]):
            robot = UnitWebhook.objects.get()
            self.assertEqual((robot.url.open(), robot.secret.open()), (WECOM, "S1"))

    def test_a_robot_sealed_with_a_lost_key_is_not_called(self) -> None:
        with override_settings(NOTICE_ROBOT_KEYS=[Fernet.generate_key().decode()]):
            UnitWebhook.objects.create(unit=self.gongxin, kind="wecom", url=WECOM)
        with RobotServer() as server, override_settings(SECRET_KEY="another-secret-key"):
            self.remind(self.liaison)
            deliver_due(now=LATER)
        self.assertEqual(server.requests, [])
        self.assertEqual(
            Delivery.objects.get(channel=Delivery.Channel.WEBHOOK).last_error,
            "refused: the sealed value cannot be opened with the keys held",
        )
