from django.urls import path

from plans import views

urlpatterns = [
    path("plans/import/", views.plan_import_upload, name="plan_import_upload"),
    path("plans/import/<int:pk>/", views.plan_import_review, name="plan_import_review"),
    path(
        "tasks/<int:pk>/unassigned/",
        views.task_unassigned_settle_view,
        name="task_unassigned_settle",
    ),
]
