"""The notification centre: a person's own notices, and nobody else's.

Another person's notice answers 404, as if it did not exist, whatever the method
(departments/access.py), and the attempt is recorded.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from departments.access import get_visible_or_404
from notices import services
from notices.context import unread
from notices.forms import PreferenceForm
from notices.models import Notice
from notices.selectors import notices_of, preference_of

PAGE_SIZE = 20


def _next(request: HttpRequest, fallback: str) -> str:
    """Where to go after a POST: a path of this site the form named, else `fallback`."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


@login_required
def notice_list(request: HttpRequest) -> HttpResponse:
    unread_only = request.GET.get("show") == "unread"
    page = Paginator(notices_of(request.user, unread_only=unread_only), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "notices/notice_list.html",
        {
            "page": page,
            "notices": page.object_list,
            "unread_only": unread_only,
            # The page's own count: it must not depend on the header's context processor.
            "unread_count": unread(request)["unread_notices"],
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def notice_read(request: HttpRequest, pk: int) -> HttpResponse:
    # Whose notice it is settles first: a stranger learns nothing, not even
    # that the address wants a POST.
    notice = get_visible_or_404(
        request, Notice.objects.all(), Notice.objects.filter(recipient=request.user), pk=pk
    )
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    services.notice_mark_read(notice=notice, by=request.user)
    if "open" in request.POST and notice.url:
        return redirect(notice.url)
    return redirect(_next(request, "notice_list"))


@login_required
@require_POST
def notices_read_all(request: HttpRequest) -> HttpResponse:
    count = services.notices_mark_all_read(by=request.user)
    if count:
        messages.success(
            request,
            ngettext("%(count)d notice marked as read.", "%(count)d notices marked as read.", count)
            % {"count": count},
        )
    return redirect(_next(request, "notice_list"))


@login_required
@require_http_methods(["GET", "POST"])
def notice_preferences(request: HttpRequest) -> HttpResponse:
    current = preference_of(request.user)
    initial = {"email": current.email, "digest": current.digest}
    form = PreferenceForm(request.POST if request.method == "POST" else None, initial=initial)
    if form.is_bound and form.is_valid():
        services.preference_set(
            by=request.user, digest=form.cleaned_data["digest"], email=form.cleaned_data["email"]
        )
        messages.success(request, _("Your notification settings are saved."))
        return redirect("notice_preferences")
    return render(request, "notices/preferences.html", {"form": form})
