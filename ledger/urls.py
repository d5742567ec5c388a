from django.urls import path

from ledger import views

urlpatterns = [
    path("", views.plan_list, name="home"),
    path("plans/<int:pk>/", views.plan_detail, name="plan_detail"),
    path("tasks/<int:pk>/", views.task_detail, name="task_detail"),
]
