"""Password rules, the stored hash, and the change of one's own password."""

import unicodedata

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.forms import PasswordChangeForm
from django.contrib.auth.hashers import Argon2PasswordHasher
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


class ProjectArgon2PasswordHasher(Argon2PasswordHasher):
    """Argon2id at OWASP's first setting (19 MiB, 2 passes, 1 lane).

    Measured by benchmarks/login_bench.py (README, "Logins"): about 30 ms of
    CPU and 19 MiB per login, so one core checks about 30 logins a second,
    where PBKDF2 at Django's default took 0.56 s. One lane: several lanes run
    on several threads, and under a login rush every core is already busy
    with another login, so lanes add memory per login and no throughput.
    The algorithm name stays "argon2", so Django's own hasher verifies these
    hashes too, and a change of any figure here re-hashes each password at
    its next successful login.
    """

    time_cost = 2
    memory_cost = 19 * 1024  # KiB
    parallelism = 1


def character_classes(password: str) -> int:
    """How many of upper-case, lower-case, digits and symbols the password uses.

    Letters without case (Chinese characters) and anything else count as symbols:
    they are as hard to guess as punctuation.
    """
    classes = set()
    for char in password:
        if char.isupper():
            classes.add("upper")
        elif char.islower():
            classes.add("lower")
        elif unicodedata.category(char) == "Nd":
            classes.add("digit")
        else:
            classes.add("symbol")
    return len(classes)


class CharacterClassesValidator:
    """At least `min_classes` of upper-case letters, lower-case letters, digits, symbols."""

    def __init__(self, min_classes: int = 3) -> None:
        self.min_classes = min_classes

    def validate(self, password: str, user: AbstractBaseUser | None = None) -> None:
        if character_classes(password) < self.min_classes:
            raise ValidationError(
                _(
                    "This password must use at least %(min_classes)d of these kinds of "
                    "characters: upper-case letters, lower-case letters, digits, symbols."
                ),
                code="password_too_few_character_classes",
                params={"min_classes": self.min_classes},
            )

    def get_help_text(self) -> str:
        return _(
            "Your password must use at least %(min_classes)d of these kinds of characters: "
            "upper-case letters, lower-case letters, digits, symbols."
        ) % {"min_classes": self.min_classes}


class NewPasswordChangeForm(PasswordChangeForm):
    """Django's form, refusing to "change" the password to the one it replaces.

    Without this, the first-login change could keep the initial password that
    an administrator chose and therefore knows.
    """

    def clean(self) -> dict:
        cleaned_data = super().clean()
        new_password = cleaned_data.get("new_password1")
        if (
            new_password
            and "new_password2" not in self.errors
            and self.user.check_password(new_password)
        ):
            self.add_error(
                "new_password2",
                ValidationError(
                    _("The new password must differ from the current one."),
                    code="password_unchanged",
                ),
            )
        return cleaned_data
