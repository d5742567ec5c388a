"""Changing one's own password."""

from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from departments.access import client_ip
from departments.passwords import NewPasswordChangeForm
from departments.services import person_password_change


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
