"""Two small nodes that viewflow 2.4's open-source package lacks.

- UnitSplit: a parallel split with one branch per item (here: per unit),
  each branch's task carrying its item in `task.data`. The PRO edition's
  `Split.Next(task_data_source=...)` does this; the open-source Split
  creates each next node once.
- View: viewflow's human step, but taking a step says nothing about it: the
  person lands on the step's own page, and viewflow's "Task #1281 has been
  assigned" speaks the engine's words, not theirs.
- UnitView: a human step offered to one unit. Its permission object is the
  unit named in the branch task's data, or the task's lead unit, so that
  guardian's object permissions on units put the step in the queue of that
  unit's people only.
"""

from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import flow
from viewflow.workflow.activation import Activation
from viewflow.workflow.flow.views import AssignTaskView
from viewflow.workflow.nodes.split import SplitActivation
from viewflow.workflow.status import STATUS
from viewflow.workflow.token import Token

from departments.models import Unit
from departments.permissions import step_permissions
from workflow import step_taken
from workflow.services import step_claim


class UnitSplitActivation(SplitActivation):
    @Activation.status.super()
    def activate(self) -> None:
        items = self.flow_task.items_source(self)
        if not items:
            raise ValueError(f"{self.flow_task.name}: no unit to branch to")
        self.next_tasks = [(self.flow_task.branch_node, item) for item in items]

    @Activation.status.super()
    def create_next(self):  # type: ignore[no-untyped-def]
        token_source = Token.split_token_source(self.task.token, self.task.pk)
        for node, item in self.next_tasks:
            yield node._create(prev_activation=self, token=next(token_source), data=item)


class UnitSplit(flow.Split):
    """Split into one `branch_node` task per item that `items` returns for the activation."""

    activation_class = UnitSplitActivation

    def __init__(self, items: Callable[[Activation], list[dict[str, Any]]], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._items = items
        self._branch = None

    def Branch(self, node: Any) -> "UnitSplit":
        self._branch = node
        return self.Next(node)

    def _resolve(self, instance: Any) -> None:
        super()._resolve(instance)
        self._items = this.resolve(instance, self._items)
        self._branch = this.resolve(instance, self._branch)

    @property
    def branch_node(self) -> Any:
        return self._branch

    def items_source(self, activation: Activation) -> list[dict[str, Any]]:
        return self._items(activation)


def task_unit(task: Any) -> Unit:
    """The unit a step belongs to: the branch's unit, else the process's own
    (a task's lead unit, a round report's unit)."""
    unit_pk = (task.data or {}).get("unit")
    if unit_pk:
        return Unit.objects.get(pk=unit_pk)
    return task.process.coerced.responsible_unit()


class QuietAssignView(AssignTaskView):
    success_message = ""

    def form_valid(self, *args: Any, **kwargs: Any) -> Any:
        # The claim is audited (workflow.services.step_claim), then viewflow's
        # messages and redirect as usual.
        step_claim(activation=self.request.activation, by=self.request.user)
        return super(AssignTaskView, self).form_valid(*args, **kwargs)


class View(flow.View):
    """A human step (see the module's docstring), taken only by a person whose
    role takes steps under its permission: a leader, who holds the liaisons'
    permission too, is never offered a liaison's step.

    Its claim and handle URLs answer a person who may take the step but finds
    it moved on (their own second claim, a colleague's claim or submission)
    with the step's form or a page saying what happened, never viewflow's 403
    (workflow.step_taken)."""

    assign_view_class = QuietAssignView
    # What the "already done" page says of the person who finished the step.
    done_text = _("Done by %(name)s at %(time)s.")
    taken_text = _("Claimed by %(name)s at %(time)s, who is handling it now.")

    def Wording(self, *, done: str = "", taken: str = "") -> "View":
        """The step's own words for who finished it or holds it, e.g. "submitted"."""
        if done:
            self.done_text = done
        if taken:
            self.taken_text = taken
        return self

    @property
    def assign_path(self) -> Any:
        pattern = super().assign_path
        if pattern is not None:
            pattern.callback = step_taken.steady(self, pattern.callback, claim=True)
        return pattern

    @property
    def view_path(self) -> Any:
        pattern = super().view_path
        pattern.callback = step_taken.steady(self, pattern.callback, claim=False)
        return pattern

    def may_handle(self, user: Any, task: Any) -> bool:
        """Whether the person's role lets them take this step, whoever holds it now."""
        if not user.is_authenticated:
            return False
        permission = task.owner_permission
        if not permission:
            return True
        if permission not in step_permissions(user):
            return False
        obj = self._owner_permission_obj
        if callable(obj):
            obj = obj(task.process)
        return user.has_perm(permission, obj=obj) or user.has_perm(permission)

    def can_assign(self, user: Any, task: Any) -> bool:
        return task.owner_id is None and self.may_handle(user, task)

    def can_execute(self, user: Any, task: Any) -> bool:
        """The step's owner only, as viewflow's, but by the owner's id: its
        is_owner(task.owner, user) read the owner from the database on every
        request to the step's page."""
        return (
            task.owner_id is not None
            and getattr(user, "is_authenticated", False)
            and task.owner_id == user.pk
        )

    def step_unit(self, task: Any) -> Unit | None:
        """The unit the step is offered to, if it is a unit's step."""
        return None

    def can_unassign(self, user: Any, task: Any) -> bool:
        # viewflow asks only whether the person holds the step, so a finished
        # step's owner was offered a "Release" page that could never succeed.
        return task.status == STATUS.ASSIGNED and super().can_unassign(user, task)


class UnitView(View):
    """A step that any person of the step's unit holding the permission may claim."""

    def calc_owner_permission_obj(self, activation: Activation) -> Unit:
        return task_unit(activation.task)

    def may_handle(self, user: Any, task: Any) -> bool:
        if not user.is_authenticated or task.owner_permission not in step_permissions(user):
            return False
        return user.has_perm(task.owner_permission, obj=task_unit(task))

    def step_unit(self, task: Any) -> Unit | None:
        return task_unit(task)
