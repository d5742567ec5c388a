from django.urls import path

from meetings import views

urlpatterns = [
    path("plans/<int:plan_pk>/meetings/", views.plan_meeting_list, name="plan_meetings"),
    path("plans/<int:plan_pk>/meetings/new/", views.meeting_record, name="meeting_record"),
    path("meetings/<int:pk>/", views.meeting_detail, name="meeting_detail"),
    path("decisions/<int:pk>/close/", views.decision_close, name="decision_close"),
    path("decisions/<int:pk>/reopen/", views.decision_reopen, name="decision_reopen"),
]
