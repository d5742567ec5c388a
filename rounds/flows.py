"""A unit's report in a round as a viewflow process, in the same inbox and
under the same unit permissions as the task lifecycle's steps.

It imports the step views (rounds.step_views), which call rounds.services;
rounds.opening starts the reports through it, and config/urls.py serves it.
"""

from typing import Any

from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import flow, lock
from viewflow.workflow.activation import Activation

from departments.permissions import ACT_FOR_UNIT, SIGN_FOR_UNIT, SUPERVISE_PLAN
from rounds import step_views as views
from rounds.models import UnitReport
from workflow.nodes import UnitView, View


class ReportFlow(flow.Flow):
    process_class = UnitReport
    process_title = _("Round report")
    process_description = _("A unit's report for a reporting round: fill, sign off, review.")
    lock_impl = lock.select_for_update_lock

    start = flow.StartHandle(this.start_report).Annotation(title=_("Round opened")).Next(this.fill)

    fill = (
        UnitView(views.FillReportView.as_view())
        .Annotation(title=_("Fill the round report"))
        .Wording(
            done=_("Submitted by %(name)s at %(time)s."),
            taken=_("Claimed by %(name)s at %(time)s, who is filling it in now."),
        )
        .Permission(ACT_FOR_UNIT)
        .Next(this.sign)
    )

    sign = (
        UnitView(views.SignReportView.as_view())
        .Annotation(title=_("Sign off the round report"))
        .Wording(done=_("Handled by the unit leader %(name)s at %(time)s."))
        .Permission(SIGN_FOR_UNIT)
        .Next(this.check_sign)
    )

    check_sign = (
        flow.If(lambda activation: activation.process.state == UnitReport.Status.SENT)
        .Annotation(title=_("Signed off?"))
        .Then(this.review)
        .Else(this.fill)
    )

    review = (
        View(views.ReviewReportView.as_view())
        .Annotation(title=_("Review the round report"))
        .Wording(done=_("Reviewed by %(name)s at %(time)s."))
        .Permission(SUPERVISE_PLAN)
        .Next(this.check_review)
    )

    check_review = (
        flow.If(lambda activation: activation.process.state == UnitReport.Status.APPROVED)
        .Annotation(title=_("All approved?"))
        .Then(this.end)
        .Else(this.fill)
    )

    end = flow.End().Annotation(title=_("Approved"))

    def has_view_permission(self, user: Any, obj: Any = None) -> bool:
        if not user.is_authenticated:
            return False
        if user.sees_whole_city:
            return True
        return obj is not None and obj.unit_id == user.unit_id

    def has_manage_permission(self, user: Any, obj: Any = None) -> bool:
        return False

    def start_report(self, activation: Activation, **fields: Any) -> UnitReport:
        process = activation.process
        for name, value in fields.items():
            setattr(process, name, value)
        process.save()
        return process
