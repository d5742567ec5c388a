from django.urls import path

from audit import views

# Read-only on purpose: there is no URL that changes or deletes a row.
urlpatterns = [
    path("", views.audit_events, name="audit_events"),
    path("export.xlsx", views.audit_export, name="audit_export"),
]
