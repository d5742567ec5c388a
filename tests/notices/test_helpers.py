"""The pure parts: quiet hours, robot messages, DingTalk signing. No database."""

import base64
import datetime
import hashlib
import hmac
import json
import urllib.parse
import zoneinfo

from django.core.exceptions import ImproperlyConfigured
from django.test import SimpleTestCase
from django.utils import translation

from notices import robots
from notices.quiet import parse_quiet_hours, quiet_until

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def at(hour: int, minute: int = 0, day: int = 5) -> datetime.datetime:
    return datetime.datetime(2024, 3, day, hour, minute, tzinfo=SHANGHAI)


class QuietHoursTests(SimpleTestCase):
    def test_a_window_over_midnight(self) -> None:
        window = parse_quiet_hours("22:00-07:00")
        self.assertEqual(window, (datetime.time(22), datetime.time(7)))
        cases = [
            (at(21, 59), None),
            (at(22, 0), at(7, 0, day=6)),
            (at(23, 59), at(7, 0, day=6)),
            (at(0, 0), at(7, 0)),
            (at(6, 59), at(7, 0)),
            (at(7, 0), None),
            (at(12, 0), None),
        ]
        for moment, expected in cases:
            with self.subTest(moment=moment):
                self.assertEqual(quiet_until(moment, window), expected)

    def test_a_window_within_the_day(self) -> None:
        window = parse_quiet_hours(" 12:00 - 14:30 ")
        self.assertEqual(quiet_until(at(11, 59), window), None)
        self.assertEqual(quiet_until(at(12, 0), window), at(14, 30))
        self.assertEqual(quiet_until(at(14, 30), window), None)

    def test_empty_or_zero_length_means_no_quiet_hours(self) -> None:
        self.assertIsNone(parse_quiet_hours(""))
        self.assertIsNone(parse_quiet_hours("08:00-08:00"))
        self.assertIsNone(quiet_until(at(3), None))
        # Whole hours may be written alone.
        self.assertEqual(parse_quiet_hours("22-07"), (datetime.time(22), datetime.time(7)))

    def test_a_malformed_setting_is_a_configuration_error(self) -> None:
        for text in ("22:00", "22h-7h", "25:00-07:00", "22:00-07:00-08:00"):
            with self.subTest(text=text), self.assertRaises(ImproperlyConfigured):
                parse_quiet_hours(text)


class RobotMessageTests(SimpleTestCase):
    def test_wecom_text_with_mentions(self) -> None:
        self.assertEqual(
            robots.payload(kind="wecom", content="请办理", mobiles=["13800000001"]),
            {
                "msgtype": "text",
                "text": {"content": "请办理", "mentioned_mobile_list": ["13800000001"]},
            },
        )
        self.assertEqual(
            robots.payload(kind="wecom", content="请办理", mobiles=[]),
            {"msgtype": "text", "text": {"content": "请办理"}},
        )

    def test_dingtalk_text_names_the_mentions_in_the_content(self) -> None:
        self.assertEqual(
            robots.payload(kind="dingtalk", content="请办理", mobiles=["13800000001"]),
            {
                "msgtype": "text",
                "text": {"content": "请办理\n@13800000001"},
                "at": {"atMobiles": ["13800000001"], "isAtAll": False},
            },
        )

    def test_long_content_is_cut_to_2048_bytes_between_characters(self) -> None:
        body = robots.payload(kind="wecom", content="督" * 2000, mobiles=[])
        content = body["text"]["content"]
        self.assertLessEqual(len(content.encode("utf-8")), 2048)
        self.assertTrue(content.endswith("督…"))
        body = robots.payload(kind="dingtalk", content="督" * 2000, mobiles=["13800000001"])
        self.assertLessEqual(len(body["text"]["content"].encode("utf-8")), 2048)
        self.assertTrue(body["text"]["content"].endswith("\n@13800000001"))

    def test_mobiles_are_read_from_phone_fields_as_typed(self) -> None:
        self.assertEqual(
            robots.mobiles_of(
                ["138-0000-0001", "+86 138 0000 0002", "0319-1234567", "", "13800000001"]
            ),
            ["13800000001", "13800000002"],
        )

    def test_dingtalk_signature(self) -> None:
        url = robots.signed_url(
            "https://oapi.dingtalk.com/robot/send?access_token=abc", "SECabc", 1700000000000
        )
        query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))
        expected = base64.b64encode(
            hmac.new(b"SECabc", b"1700000000000\nSECabc", hashlib.sha256).digest()
        ).decode()
        self.assertEqual(
            query, {"access_token": "abc", "timestamp": "1700000000000", "sign": expected}
        )
        # The sign is URL-encoded in the address: base64's + / = never appear raw.
        raw_sign = url.split("sign=")[1]
        self.assertEqual(raw_sign, urllib.parse.quote_plus(expected))
        self.assertEqual(robots.signed_url("https://x/send?a=1", ""), "https://x/send?a=1")

    def test_only_https_addresses_are_posted_to(self) -> None:
        with translation.override("en"):
            self.assertEqual(
                robots.post(
                    "file:///etc/passwd", {}, timeout=1, allowed_hosts=["qyapi.weixin.qq.com"]
                ),
                "refused: The robot's address must start with https://.",
            )

    def test_the_payload_is_plain_json(self) -> None:
        body = robots.payload(kind="wecom", content="中文", mobiles=[])
        self.assertEqual(json.loads(json.dumps(body, ensure_ascii=False)), body)
