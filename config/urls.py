from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from departments import views as departments_views
from operations.health import healthz
from rounds.flows import ReportFlow
from workflow.flows import TaskFlow
from workflow.viewset import TaskFlowViewset

admin.site.site_header = _("Action plan supervision: accounts and units")
admin.site.site_title = _("Action plan supervision")
admin.site.index_title = _("Accounts and units")


urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("login/", departments_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "password/change/",
        departments_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "password/change/done/",
        departments_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("workflow/reports/", TaskFlowViewset(ReportFlow).urls),
    path("workflow/", TaskFlowViewset(TaskFlow).urls),
    path("audit/", include("audit.urls")),
    path("accounts/", include("departments.urls")),
    path("", include("workflow.urls")),
    path("", include("rounds.urls")),
    path("", include("ledger.urls")),
    path("", include("plans.urls")),
    path("", include("workflow.plan_urls")),
    path("", include("meetings.urls")),
    path("", include("notices.urls")),
    path("", include("supervision.urls")),
    path("", include("bulletins.urls")),
    path("", include("indicators.urls")),
    path("", include("dashboard.urls")),
    path("", include("assessment.urls")),
    path("", include("jobs.urls")),
]

# A refusal by role (403) is audited like a refusal by unit (404).
handler403 = "departments.refusals.permission_denied"
