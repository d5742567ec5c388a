"""Django's password check, re-hashing an outdated hash through a service function."""

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.hashers import check_password
from django.http import HttpRequest

from departments.access import client_ip
from departments.models import User
from departments.services import person_password_rehash


class PasswordModelBackend(ModelBackend):
    """ModelBackend, except for what happens to a hash that is no longer the preferred one.

    Django's own check saves the new hash from inside User.check_password(),
    with no audit row, and before it has asked whether the account may log in
    at all. Here an outdated hash (PBKDF2, or Argon2 with other parameters) is
    re-hashed only for a login that succeeds, through person_password_rehash(),
    which writes its audit row in the same transaction.
    """

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        if username is None:
            username = kwargs.get(User.USERNAME_FIELD)
        if username is None or password is None:
            return None
        try:
            user = User._default_manager.get_by_natural_key(username)
        except User.DoesNotExist:
            # As Django does: one hash, so an unknown name takes as long as a known one.
            User().set_password(password)
            return None
        outdated: list[str] = []
        if not check_password(password, user.password, setter=outdated.append):
            return None
        if not self.user_can_authenticate(user):
            return None
        if outdated:
            person_password_rehash(
                user=user,
                password=password,
                client_ip=client_ip(request) if request is not None else None,
            )
        return user

    def get_user(self, user_id: Any) -> User | None:
        """The person of a session, with their unit: every page's header names the
        unit and most views read it, which took a query of its own per request."""
        try:
            user = User._default_manager.select_related("unit").get(pk=user_id)
        except User.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
