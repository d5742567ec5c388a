"""The words of a notice on each channel: the e-mail, the digest e-mail, the robot
message. Callers activate the language (the product's default: notices go out
from the sweep, where no person's language is known)."""

from collections.abc import Sequence

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from notices.models import Notice

SUBJECT_MAX = 150


def absolute(path: str) -> str:
    """A link a mail reader can follow: the site address before the path."""
    if not path:
        return ""
    return settings.NOTICE_SITE_URL.rstrip("/") + path


def _subject(text: str) -> str:
    # A header cannot hold a line break (Django refuses one outright).
    return " ".join(text.split())[:SUBJECT_MAX]


def notice_email(notice: Notice, address: str) -> EmailMessage:
    subject = _("[Action plan supervision] %(title)s") % {"title": notice.title}
    body = render_to_string(
        "notices/email/notice.txt",
        {
            "notice": notice,
            "kind": notice.get_kind_display(),
            "link": absolute(notice.url),
            "preferences": absolute(reverse("notice_preferences")),
        },
    )
    return EmailMessage(subject=_subject(subject), body=body, to=[address])


def digest_email(notices: Sequence[Notice], address: str) -> EmailMessage:
    count = len(notices)
    subject = ngettext(
        "[Action plan supervision] %(count)d unread notice",
        "[Action plan supervision] %(count)d unread notices",
        count,
    ) % {"count": count}
    body = render_to_string(
        "notices/email/digest.txt",
        {
            "notices": [
                {"notice": notice, "kind": notice.get_kind_display(), "link": absolute(notice.url)}
                for notice in notices
            ],
            "centre": absolute(reverse("notice_list")),
            "preferences": absolute(reverse("notice_preferences")),
        },
    )
    return EmailMessage(subject=_subject(subject), body=body, to=[address])


def robot_content(notice: Notice, names: Sequence[str]) -> str:
    """The group message: the kind and title, the text, the link, who is to act."""
    lines = [_("[%(kind)s] %(title)s") % {"kind": notice.get_kind_display(), "title": notice.title}]
    if notice.body:
        lines.append(notice.body)
    if notice.url:
        lines.append(absolute(notice.url))
    if names:
        lines.append(_("For the attention of: %(names)s") % {"names": "、".join(names)})
    return "\n".join(lines)
