from django.urls import path

from departments import views

urlpatterns = [
    path("role-requests/", views.role_requests, name="role_requests"),
]
