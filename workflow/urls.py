from django.urls import path

from workflow import dispatch_views, views

urlpatterns = [
    path("tasks/<int:pk>/suspend/", views.task_suspend, name="task_suspend"),
    path("tasks/<int:pk>/resume/", views.task_resume, name="task_resume"),
    path("tasks/<int:pk>/terminate/", views.task_terminate, name="task_terminate"),
]
urlpatterns += [path("my-tasks/", views.my_tasks, name="my_tasks")]
urlpatterns += [
    path("plans/<int:plan_pk>/dispatch/", dispatch_views.plan_dispatch, name="plan_dispatch"),
]
urlpatterns += [path("evidence/<int:pk>/", views.evidence_download, name="evidence_download")]
