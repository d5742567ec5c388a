from django.urls import path

from assessment import views

urlpatterns = [
    path("plans/<int:plan_pk>/assessments/", views.plan_assessments, name="plan_assessments"),
    path("assessments/<int:pk>/", views.assessment_detail, name="assessment_detail"),
    path("assessments/<int:pk>/scheme/", views.assessment_scheme, name="assessment_scheme"),
    path(
        "assessments/<int:pk>/adjustments/",
        views.assessment_adjustment_add,
        name="assessment_adjustment_add",
    ),
    path(
        "assessment-adjustments/<int:pk>/remove/",
        views.assessment_adjustment_remove,
        name="assessment_adjustment_remove",
    ),
    path(
        "assessments/<int:pk>/publicise/",
        views.assessment_publicise,
        name="assessment_publicise",
    ),
    path("assessments/<int:pk>/publish/", views.assessment_publish, name="assessment_publish"),
    path(
        "assessments/<int:pk>/units/<int:unit_pk>/",
        views.assessment_unit,
        name="assessment_unit",
    ),
    path(
        "assessments/<int:pk>/objections/",
        views.assessment_objection_file,
        name="assessment_objection_file",
    ),
    path(
        "assessment-objections/<int:pk>/answer/",
        views.assessment_objection_answer,
        name="assessment_objection_answer",
    ),
    path("assessments/<int:pk>/xlsx/", views.assessment_xlsx_download, name="assessment_xlsx"),
    path("assessments/<int:pk>/pdf/", views.assessment_pdf_download, name="assessment_pdf"),
]
