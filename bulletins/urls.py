from django.urls import path

from bulletins import views

urlpatterns = [
    path("plans/<int:plan_pk>/bulletins/", views.plan_bulletins, name="plan_bulletins"),
    path("bulletins/<int:pk>/", views.bulletin_detail, name="bulletin_detail"),
    path("bulletins/<int:pk>/edit/", views.bulletin_edit, name="bulletin_edit"),
    path("bulletins/<int:pk>/issue/", views.bulletin_issue, name="bulletin_issue"),
    path("bulletins/<int:pk>/pdf/", views.bulletin_pdf, name="bulletin_pdf"),
]
