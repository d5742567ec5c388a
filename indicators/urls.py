from django.urls import path

from indicators import views

urlpatterns = [
    path("plans/<int:plan_pk>/indicators/", views.plan_indicators, name="plan_indicators"),
    path("indicators/<int:pk>/", views.indicator_detail, name="indicator_detail"),
    path("indicators/<int:pk>/report/", views.indicator_report, name="indicator_report"),
    path("rounds/<int:round_pk>/indicators/", views.round_indicators, name="round_indicators"),
]
