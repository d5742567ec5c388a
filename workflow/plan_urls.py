from django.urls import path

from workflow import plan_views as views

urlpatterns = [
    path("", views.home, name="home"),
    path("plans/", views.plan_list, name="plan_list"),
    path("plans/<int:pk>/", views.plan_detail, name="plan_detail"),
    path("tasks/<int:pk>/", views.task_detail, name="task_detail"),
]
