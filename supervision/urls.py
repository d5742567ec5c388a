from django.urls import path

from supervision import views

urlpatterns = [
    path("supervision/", views.board_page, name="supervision_board"),
    path("supervision/notices/", views.notice_list, name="supervision_notices"),
    path("supervision/notices/<int:pk>/", views.notice_detail, name="supervision_notice"),
    path("supervision/notices/<int:pk>/pdf/", views.notice_pdf, name="supervision_notice_pdf"),
    path(
        "supervision/notices/<int:pk>/answer/",
        views.notice_answer,
        name="supervision_notice_answer",
    ),
    path("supervision/proposals/<int:pk>/decide/", views.proposal_decide, name="proposal_decide"),
    path("supervision/interviews/", views.interview_list, name="interview_list"),
    path("supervision/interviews/new/", views.interview_new, name="interview_new"),
    path("supervision/interviews/<int:pk>/", views.interview_detail, name="interview_detail"),
    path(
        "supervision/interviews/<int:pk>/record/", views.interview_record, name="interview_record"
    ),
    path(
        "supervision/commitments/<int:pk>/report/",
        views.commitment_report,
        name="commitment_report",
    ),
    path(
        "supervision/commitments/<int:pk>/close/", views.commitment_close, name="commitment_close"
    ),
    path("units/<int:pk>/", views.unit_detail, name="unit_detail"),
]
