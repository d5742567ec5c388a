from django.urls import path

from ledger import views as ledger_views

urlpatterns = [
    path("plans/<int:plan_pk>/ledger/", ledger_views.plan_ledger, name="plan_ledger"),
    path("plans/<int:plan_pk>/ledger.xlsx", ledger_views.plan_ledger_xlsx, name="plan_ledger_xlsx"),
    path("rounds/<int:pk>/sheet.xlsx", ledger_views.round_excel, name="round_excel"),
    path("rounds/<int:pk>/sheet/", ledger_views.round_excel_upload, name="round_excel_upload"),
]
