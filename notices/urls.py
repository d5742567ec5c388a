from django.urls import path

from notices import views

urlpatterns = [
    path("notices/", views.notice_list, name="notice_list"),
    path("notices/<int:pk>/read/", views.notice_read, name="notice_read"),
    path("notices/read-all/", views.notices_read_all, name="notices_read_all"),
    path("notices/preferences/", views.notice_preferences, name="notice_preferences"),
]
