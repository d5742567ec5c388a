from django.test import RequestFactory, SimpleTestCase, override_settings

from departments.access import client_ip


def request(remote: str, forwarded: str | None = None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


class ClientAddressTests(SimpleTestCase):
    @override_settings(TRUSTED_PROXY_COUNT=0)
    def test_without_a_trusted_proxy_a_forwarded_header_is_ignored(self) -> None:
        self.assertEqual(client_ip(request("10.0.0.5", "1.2.3.4")), "10.0.0.5")

    @override_settings(TRUSTED_PROXY_COUNT=1)
    def test_behind_one_proxy_the_address_it_saw_is_the_client(self) -> None:
        spoofed = request("10.0.0.1", "6.6.6.6, 192.168.5.20")
        self.assertEqual(client_ip(spoofed), "192.168.5.20")

    @override_settings(TRUSTED_PROXY_COUNT=2)
    def test_behind_two_proxies_the_second_entry_from_the_right_is_the_client(self) -> None:
        self.assertEqual(client_ip(request("10.0.0.1", "192.168.5.20, 10.0.0.9")), "192.168.5.20")

    @override_settings(TRUSTED_PROXY_COUNT=1)
    def test_a_malformed_forwarded_address_falls_back_to_the_connection(self) -> None:
        self.assertEqual(client_ip(request("10.0.0.1", "not-an-address")), "10.0.0.1")
        self.assertEqual(client_ip(request("10.0.0.1", "")), "10.0.0.1")
