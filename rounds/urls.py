from django.urls import path

from rounds import views

urlpatterns = [
    path("plans/<int:plan_pk>/rounds/", views.plan_rounds_page, name="plan_rounds"),
    path("rounds/<int:pk>/", views.round_detail, name="round_detail"),
    path("reports/<int:pk>/", views.report_detail, name="report_detail"),
    path("report-files/<int:pk>/", views.report_file_download, name="report_file_download"),
]
