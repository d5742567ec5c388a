from django.urls import path

from dashboard import views

urlpatterns = [
    path("plans/<int:plan_pk>/dashboard/", views.plan_dashboard, name="plan_dashboard"),
    path(
        "plans/<int:plan_pk>/dashboard/units/<int:unit_pk>/",
        views.unit_dashboard,
        name="unit_dashboard",
    ),
]
