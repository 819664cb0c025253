"""Forms for signing in, passwords and account administration."""

from wtforms import BooleanField, PasswordField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length, Optional, Regexp
from wtforms.widgets import CheckboxInput, ListWidget

from gridapp.core.forms import (
    Form,
    IdentifierField,
    NameField,
    PhoneField,
    no_control_chars,
    strip,
)
from gridapp.core.i18n import lazy_gettext as _l


class LoginForm(Form):
    username = IdentifierField(
        _l("用户名"), [DataRequired(_l("请输入用户名")), Length(max=64), no_control_chars]
    )
    password = PasswordField(_l("密码"), [DataRequired(_l("请输入密码")), Length(max=200)])


class ChangePasswordForm(Form):
    old_password = PasswordField(_l("原密码"), [DataRequired(_l("请输入原密码")), Length(max=200)])
    new_password = PasswordField(_l("新密码"), [DataRequired(_l("请输入新密码")), Length(max=200)])
    confirm = PasswordField(_l("再次输入新密码"), [DataRequired(_l("请再次输入新密码"))])

    def validate_confirm(self, field):
        from wtforms import ValidationError

        if field.data != self.new_password.data:
            raise ValidationError(_l("两次输入的新密码不一致"))


class SetPasswordForm(Form):
    password = PasswordField(_l("新密码"), [DataRequired(_l("请输入新密码")), Length(max=200)])
    confirm = PasswordField(_l("再次输入新密码"), [DataRequired(_l("请再次输入新密码"))])

    def validate_confirm(self, field):
        from wtforms import ValidationError

        if field.data != self.password.data:
            raise ValidationError(_l("两次输入的密码不一致"))


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class UserForm(Form):
    username = IdentifierField(
        _l("用户名"),
        [
            DataRequired(_l("请输入用户名")),
            Length(min=2, max=64, message=_l("用户名长度为 2 到 64 个字符")),
            Regexp(
                r"^[A-Za-z0-9_.\-]+$", message=_l("用户名只能包含字母、数字、下划线、点和连字符")
            ),
        ],
        filters=[strip],
    )
    name = NameField(_l("姓名"), [DataRequired(_l("请输入姓名")), Length(max=50), no_control_chars])
    phone = PhoneField(_l("手机号码"), [Optional()], render_kw={"inputmode": "tel"})
    title = StringField(_l("职务"), [Optional(), Length(max=40), no_control_chars], filters=[strip])
    is_party_member = BooleanField(_l("中共党员"))
    active = BooleanField(_l("账号可用"), default=True)
    roles = MultiCheckboxField(_l("本校角色"), choices=[])
