"""Logging in, changing one's own password; the security auditor's approval of
privileged roles."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from audit.views import auditor_required
from departments.access import client_ip
from departments.models import RoleRequest
from departments.passwords import NewPasswordChangeForm
from departments.selectors import role_requests_decided, role_requests_pending
from departments.services import (
    PersonError,
    person_password_change,
    role_request_approve,
    role_request_refuse,
)
from departments.sessions import REMEMBER_DEVICE_ATTR, remembered_until


class LoginForm(AuthenticationForm):
    """Django's form, with "remember this device for the working day"."""

    remember_device = forms.BooleanField(required=False)


class LoginView(auth_views.LoginView):
    """Django's view; a ticked "remember this device" reaches the login receiver
    (departments.signals.record_login), which sets the session's expiry and
    writes the choice into the login's audit row."""

    form_class = LoginForm

    def form_valid(self, form: LoginForm) -> HttpResponse:
        remember = settings.SESSION_REMEMBER_DEVICE and form.cleaned_data["remember_device"]
        setattr(self.request, REMEMBER_DEVICE_ATTR, remember)
        return super().form_valid(form)

    def get_context_data(self, **kwargs: object) -> dict:
        context = super().get_context_data(**kwargs)
        # The time the cookie would last until if the person logged in now; none
        # after the working day, when the box would change nothing.
        if settings.SESSION_REMEMBER_DEVICE:
            context["remember_until"] = remembered_until(login_at=timezone.now())
        context["idle_minutes"] = settings.SESSION_COOKIE_AGE // 60
        return context


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's view, writing through person_password_change() so the forced change is cleared."""

    form_class = NewPasswordChangeForm
    title = gettext_lazy("Change your password")

    def form_valid(self, form: NewPasswordChangeForm) -> HttpResponse:
        person_password_change(
            user=form.user,
            new_password=form.cleaned_data["new_password1"],
            client_ip=client_ip(self.request),
        )
        # Keeps this session; every other session of the person ends.
        update_session_auth_hash(self.request, form.user)
        target = self.next_url()
        if target is None:
            return redirect(self.get_success_url())
        # Back to the page the person was sent away from.
        messages.success(self.request, _("Your password has been changed."))
        return redirect(target)

    def next_url(self) -> str | None:
        """The page to return to, when it is one of ours."""
        target = self.request.POST.get(REDIRECT_FIELD_NAME) or self.request.GET.get(
            REDIRECT_FIELD_NAME, ""
        )
        if target and url_has_allowed_host_and_scheme(
            target,
            allowed_hosts={self.request.get_host()},
            require_https=self.request.is_secure(),
        ):
            return target
        return None

    def get_context_data(self, **kwargs: object) -> dict:
        context = super().get_context_data(**kwargs)
        context["next"] = self.next_url() or ""
        context["forced"] = self.request.user.must_change_password
        return context


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    title = gettext_lazy("Password changed")


@require_http_methods(["GET", "HEAD", "POST"])
@auditor_required
def role_requests(request: HttpRequest) -> HttpResponse:
    """The security auditor's list of privileged roles awaiting approval and the
    latest decisions; a POST approves or refuses one (a reason is needed to refuse).

    The request's id travels in the form, not the URL: only auditors reach here."""
    if request.method != "POST":
        return _role_requests_page(request)
    pk = request.POST.get("request", "")
    role_request = get_object_or_404(RoleRequest, pk=pk if pk.isdigit() else None)
    decision = request.POST.get("decision")
    try:
        if decision == "approve":
            role_request_approve(
                request=role_request, by=request.user, client_ip=client_ip(request)
            )
            messages.success(
                request,
                _("%(person)s now holds the role %(role)s.")
                % {"person": role_request.person, "role": role_request.get_role_display()},
            )
        elif decision == "refuse":
            role_request_refuse(
                request=role_request,
                by=request.user,
                reason=request.POST.get("reason", ""),
                client_ip=client_ip(request),
            )
            messages.success(
                request,
                _("The role %(role)s for %(person)s is refused.")
                % {"person": role_request.person, "role": role_request.get_role_display()},
            )
        else:
            raise PersonError(_("Choose to approve or to refuse."))
    except PersonError as exc:
        return _role_requests_page(request, error=str(exc), failed=role_request.pk, status=400)
    return redirect("role_requests")


def _role_requests_page(
    request: HttpRequest, *, error: str = "", failed: int | None = None, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "departments/role_requests.html",
        {
            "pending": role_requests_pending(),
            "decided": role_requests_decided(),
            "error": error,
            "failed": failed,
        },
        status=status,
    )
