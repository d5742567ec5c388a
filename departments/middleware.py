from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME, logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import ngettext

from departments.signals import (
    ACTIVITY_AT_SESSION_KEY,
    LOGIN_AT_SESSION_KEY,
    SESSION_EXPIRED_ATTR,
)

# How often activity is written to the session (see SessionLifetimeMiddleware).
ACTIVITY_SAVE_SECONDS = 60


class DefaultLanguageMiddleware:
    """Simplified Chinese unless the person chose another language.

    Django's LocaleMiddleware would follow the browser's Accept-Language, and
    an English-language browser in a government office would then get an
    English UI nobody asked for. Here only the language cookie, set by the
    language switch, overrides the default.

    The language holds for the request only: the thread goes on to serve other
    people's requests (and, under the test runner, other tests), and code run
    outside a request there must not inherit the last visitor's choice.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.supported = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request: HttpRequest) -> HttpResponse:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in self.supported else settings.LANGUAGE_CODE
        request.LANGUAGE_CODE = language
        with translation.override(language):
            response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response


class SessionLifetimeMiddleware:
    """The idle timeout and the absolute limit of a logged-in session.

    Idle: the stored session expires SESSION_COOKIE_AGE after its last save;
    activity saves it again, at most once a minute (a write on every request
    would double the queries of most pages), so a session ends between one
    minute before and exactly at the idle timeout after the last request.
    A remembered device's session is stored until the end of the working day
    (departments.sessions), so the idle timeout is also checked here, against
    the time of the last activity saved.

    Absolute: SESSION_ABSOLUTE_HOURS after the login, however active the
    person is, the session ends with an audit row. The login time is stored
    by departments.signals.record_login; a session from before this rule gets
    its clock started on its next request.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = timezone.now().timestamp()
            session = request.session
            login_at = session.get(LOGIN_AT_SESSION_KEY)
            if login_at is None:
                session[LOGIN_AT_SESSION_KEY] = now
            elif now - login_at > settings.SESSION_ABSOLUTE_HOURS * 3600:
                return self.end_session(request, self.absolute_limit_message())
            activity_at = session.get(ACTIVITY_AT_SESSION_KEY)
            if activity_at is not None and now - activity_at > settings.SESSION_COOKIE_AGE:
                return self.end_session(request, self.idle_message())
            if now - session.get(ACTIVITY_AT_SESSION_KEY, 0) >= ACTIVITY_SAVE_SECONDS:
                # Modified, so saved: its expiry moves SESSION_COOKIE_AGE on.
                session[ACTIVITY_AT_SESSION_KEY] = now
        return self.get_response(request)

    def end_session(self, request: HttpRequest, message: str) -> HttpResponse:
        # The logout receiver writes auth.session_expired instead of auth.logout.
        setattr(request, SESSION_EXPIRED_ATTR, True)
        logout(request)
        messages.info(request, message)
        return redirect_to_login(request.get_full_path())

    @staticmethod
    def absolute_limit_message() -> str:
        hours = settings.SESSION_ABSOLUTE_HOURS
        return ngettext(
            "Your session has ended: a session lasts at most %(hours)d hour. Please log in again.",
            "Your session has ended: a session lasts at most %(hours)d hours. Please log in again.",
            hours,
        ) % {"hours": hours}

    @staticmethod
    def idle_message() -> str:
        minutes = settings.SESSION_COOKIE_AGE // 60
        return ngettext(
            "Your session has ended after %(minutes)d minute without activity. "
            "Please log in again.",
            "Your session has ended after %(minutes)d minutes without activity. "
            "Please log in again.",
            minutes,
        ) % {"minutes": minutes}


class PasswordChangeRequiredMiddleware:
    """Sends a person who must choose a new password to the password-change page.

    Everything else is closed to them until they do, except logging out, the
    language switch and static files.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and getattr(user, "must_change_password", False)
            and not self.is_open(request)
        ):
            target = reverse("password_change")
            if request.method == "GET":
                target = f"{target}?{urlencode({REDIRECT_FIELD_NAME: request.get_full_path()})}"
            return redirect(target)
        return self.get_response(request)

    @staticmethod
    def is_open(request: HttpRequest) -> bool:
        path = request.path
        open_paths = {reverse("password_change"), reverse("logout"), reverse("set_language")}
        return path in open_paths or path.startswith(settings.STATIC_URL)
