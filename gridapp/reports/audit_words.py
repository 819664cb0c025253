"""The audit log in words (issue 18 item 8): every action key that `audit.record` writes, with
its Chinese name (the action filter) and the sentence of who did what to whom.

A sentence is a translatable template (msgid in Chinese, English in the catalog) with these
placeholders, filled by `reports.audit_log.describe`: `%(actor)s` (the acting person's name),
`%(subject)s` (the object of the entry in words: a student's, guardian's or user's name, a
class, a case number, a date...), and from the details `%(student)s` (student_id),
`%(teacher)s` (teacher_id), `%(class_name)s` (class_id), `%(family)s` (family_id).
tests/reports/test_audit_words.py scans gridapp/ for `audit.record(` and fails on a key with no
entry here."""

from __future__ import annotations

from typing import NamedTuple

from gridapp.core.i18n import N_


class Action(NamedTuple):
    name: str  # the action's Chinese name (the filter's choices, the export's column)
    sentence: str  # who did what to whom, with the placeholders above
    group: str  # the filter's option group


ACCOUNTS, PEOPLE, CONTACTS, CASES = N_("账号"), N_("学生与家长"), N_("家校联系"), N_("意见办理")
GRIDS, PAIRING, RECEPTION, REVIEWS = N_("家长网格"), N_("结对帮扶"), N_("接待日"), N_("学业述评")
ROSTER, SCHOOLS, EXPORTS = N_("名册与学年"), N_("学校设置"), N_("档案与导出")
SURVEYS = N_("满意度调查")
OBLIGATIONS = N_("教师六个一")
PARENT_SCHOOL = N_("家长学校")


def _a(name: str, sentence: str, group: str) -> Action:
    return Action(name, sentence, group)


ACTIONS: dict[str, Action] = {
    # accounts
    "login": _a(N_("登录"), N_("%(actor)s登录了系统"), ACCOUNTS),
    "login.failed": _a(N_("登录失败"), N_("%(actor)s登录失败"), ACCOUNTS),
    "logout": _a(N_("退出登录"), N_("%(actor)s退出了登录"), ACCOUNTS),
    "password.change": _a(N_("修改密码"), N_("%(actor)s修改了%(subject)s的密码"), ACCOUNTS),
    "invitation.issue": _a(
        N_("生成账号邀请"), N_("%(actor)s为%(subject)s生成了账号邀请链接"), ACCOUNTS
    ),
    "invitation.accept": _a(N_("接受账号邀请"), N_("%(actor)s通过邀请链接设置了密码"), ACCOUNTS),
    "user.create": _a(N_("新建账号"), N_("%(actor)s新建了%(subject)s的账号"), ACCOUNTS),
    "user.update": _a(N_("修改账号"), N_("%(actor)s修改了%(subject)s的账号信息"), ACCOUNTS),
    "user.roles": _a(N_("设置角色"), N_("%(actor)s设置了%(subject)s的角色"), ACCOUNTS),
    # students and guardians
    "student.create": _a(N_("新增学生"), N_("%(actor)s新增了学生%(subject)s"), PEOPLE),
    "student.update": _a(N_("修改学生信息"), N_("%(actor)s修改了%(subject)s的基本信息"), PEOPLE),
    "student.move": _a(N_("调班"), N_("%(actor)s为%(subject)s办理了调班"), PEOPLE),
    "student.status": _a(N_("变更学籍状态"), N_("%(actor)s变更了%(subject)s的学籍状态"), PEOPLE),
    "student.status.undo": _a(
        N_("撤销学籍变更"), N_("%(actor)s撤销了%(subject)s的学籍状态变更"), PEOPLE
    ),
    "student.focus.mark": _a(
        N_("标记重点对象"), N_("%(actor)s把%(subject)s标记为重点对象"), PEOPLE
    ),
    "student.focus.end": _a(
        N_("取消重点对象"), N_("%(actor)s取消了%(subject)s的重点对象标记"), PEOPLE
    ),
    "student.focus.view": _a(
        N_("查看重点对象类别"), N_("%(actor)s查看了%(subject)s的重点对象类别"), PEOPLE
    ),
    "student.sensitive.view": _a(
        N_("查看敏感信息"), N_("%(actor)s查看了%(subject)s的敏感信息"), PEOPLE
    ),
    "student.sensitive.update": _a(
        N_("修改敏感信息"), N_("%(actor)s修改了%(subject)s的敏感信息"), PEOPLE
    ),
    "focus.roster.view": _a(
        N_("查看重点对象名单"), N_("%(actor)s查看了%(subject)s的重点对象名单"), PEOPLE
    ),
    "student.archive.view": _a(N_("查看学生档案"), N_("%(actor)s查看了%(subject)s的档案"), PEOPLE),
    "guardian.create": _a(
        N_("新增家长"), N_("%(actor)s为%(student)s新增了家长%(subject)s"), PEOPLE
    ),
    "guardian.update": _a(N_("修改家长信息"), N_("%(actor)s修改了家长%(subject)s的信息"), PEOPLE),
    "guardian.link": _a(N_("关联家长"), N_("%(actor)s把家长%(subject)s关联到%(student)s"), PEOPLE),
    "guardian.unlink": _a(
        N_("解除家长关联"), N_("%(actor)s解除了家长%(subject)s与%(student)s的关联"), PEOPLE
    ),
    "guardian.phone.view": _a(
        N_("查看家长电话"), N_("%(actor)s查看了%(student)s的家长%(subject)s的电话"), PEOPLE
    ),
    "guardian.account": _a(N_("开通家长账号"), N_("%(actor)s为家长%(subject)s开通了账号"), PEOPLE),
    "guardian.activation_code": _a(
        N_("生成家长激活码"), N_("%(actor)s为家长%(subject)s生成了激活码"), PEOPLE
    ),
    "guardian.activation_letters": _a(
        N_("生成激活通知书"), N_("%(actor)s为%(subject)s生成了家长激活通知书"), PEOPLE
    ),
    "guardian.activation_letters.download": _a(
        N_("下载激活通知书"), N_("%(actor)s下载了%(subject)s的家长激活通知书"), PEOPLE
    ),
    "guardian.activation_sms": _a(
        N_("发送激活短信"), N_("%(actor)s向%(subject)s的家长发送了激活短信"), PEOPLE
    ),
    "guardian.activate": _a(
        N_("家长激活账号"), N_("%(actor)s用激活码激活了家长%(subject)s的账号"), PEOPLE
    ),
    # contacts
    "contact.create": _a(
        N_("录入联系记录"), N_("%(actor)s录入了与%(subject)s家的联系记录"), CONTACTS
    ),
    "contact.edit": _a(
        N_("修改联系记录"), N_("%(actor)s修改了与%(subject)s家的联系记录"), CONTACTS
    ),
    "contact.withdraw": _a(
        N_("撤回联系记录"), N_("%(actor)s撤回了与%(subject)s家的联系记录"), CONTACTS
    ),
    "contact.review": _a(
        N_("审核通过联系记录"), N_("%(actor)s审核通过了与%(subject)s家的联系记录"), CONTACTS
    ),
    "contact.return": _a(
        N_("退回联系记录"), N_("%(actor)s退回了与%(subject)s家的联系记录"), CONTACTS
    ),
    "contact.evaluate": _a(
        N_("家长评价联系"), N_("%(actor)s评价了学校与%(subject)s家的联系"), CONTACTS
    ),
    "contact.view": _a(
        N_("查看联系记录"), N_("%(actor)s查看了与%(subject)s家的联系记录"), CONTACTS
    ),
    "contact.photo_view": _a(
        N_("查看家访照片"), N_("%(actor)s查看了%(subject)s家的家访照片"), CONTACTS
    ),
    "quota.update": _a(
        N_("修改家访要求"), N_("%(actor)s修改了%(subject)s的家访数量要求"), CONTACTS
    ),
    "counting.update": _a(
        N_("修改统计口径"), N_("%(actor)s修改了%(subject)s的家访统计口径"), CONTACTS
    ),
    # cases
    "letter.create": _a(N_("来信"), N_("%(actor)s给校长信箱写了一封信"), CASES),
    "letter.attachment.view": _a(
        N_("查看来信附件"), N_("%(actor)s查看了%(subject)s的来信附件"), CASES
    ),
    "case.create": _a(N_("登记意见"), N_("%(actor)s登记了%(subject)s"), CASES),
    "contact.raise_case": _a(
        N_("家访意见转办"), N_("%(actor)s把与%(subject)s家联系中家长的意见转为办理事项"), CASES
    ),
    "case.register": _a(N_("受理意见"), N_("%(actor)s受理了%(subject)s"), CASES),
    "case.submit": _a(N_("提交校领导"), N_("%(actor)s把%(subject)s提交给校领导"), CASES),
    "case.assign": _a(N_("分派意见"), N_("%(actor)s分派了%(subject)s"), CASES),
    "case.draft_reply": _a(N_("起草答复"), N_("%(actor)s为%(subject)s起草了答复"), CASES),
    "case.reply": _a(N_("答复意见"), N_("%(actor)s答复了%(subject)s"), CASES),
    "case.reject_reply": _a(N_("退回答复"), N_("%(actor)s退回了%(subject)s的答复稿"), CASES),
    "case.note": _a(N_("添加办理记录"), N_("%(actor)s为%(subject)s添加了办理记录"), CASES),
    "case.archive": _a(N_("归档意见"), N_("%(actor)s归档了%(subject)s"), CASES),
    "case.merge": _a(N_("合并重复意见"), N_("%(actor)s把%(subject)s作为重复意见合并"), CASES),
    "case.family_told": _a(
        N_("告知家长"), N_("%(actor)s记录了已把%(subject)s的答复告知家长"), CASES
    ),
    "case.rate": _a(N_("评价答复"), N_("%(actor)s评价了%(subject)s的答复"), CASES),
    "case.supervise": _a(N_("督办意见"), N_("%(actor)s督办了%(subject)s"), CASES),
    "case.settings": _a(
        N_("修改意见办理设置"), N_("%(actor)s修改了%(subject)s的意见办理设置"), CASES
    ),
    "case.canned_reply": _a(N_("保存常用答复"), N_("%(actor)s保存了常用答复%(subject)s"), CASES),
    "case.canned_reply.remove": _a(
        N_("删除常用答复"), N_("%(actor)s删除了常用答复%(subject)s"), CASES
    ),
    # grids
    "grids.create": _a(N_("划分网格"), N_("%(actor)s为%(subject)s划分了家长网格"), GRIDS),
    "grids.move": _a(N_("调整网格"), N_("%(actor)s把%(family)s家调入%(subject)s"), GRIDS),
    "grids.update": _a(N_("修改网格"), N_("%(actor)s修改了网格%(subject)s"), GRIDS),
    "grids.logs.view": _a(N_("查看网格档案"), N_("%(actor)s查看了%(subject)s的网格档案"), GRIDS),
    "grids.log": _a(N_("记录网格日志"), N_("%(actor)s为%(subject)s家记录了网格日志"), GRIDS),
    "grids.activity.create": _a(
        N_("新建指导活动"), N_("%(actor)s新建了家庭教育指导活动%(subject)s"), GRIDS
    ),
    "grids.activity.attendance": _a(
        N_("登记活动出席"), N_("%(actor)s登记了活动%(subject)s的出席情况"), GRIDS
    ),
    # pairing
    "pairing.start": _a(N_("结对"), N_("%(actor)s安排%(teacher)s与%(subject)s结对帮扶"), PAIRING),
    "pairing.end": _a(N_("结束结对"), N_("%(actor)s结束了%(subject)s的结对帮扶"), PAIRING),
    "pairing.view": _a(
        N_("查看结对帮扶"), N_("%(actor)s查看了%(subject)s的帮扶方案和帮扶记录"), PAIRING
    ),
    "pairing.plan": _a(N_("修订帮扶方案"), N_("%(actor)s修订了%(subject)s的帮扶方案"), PAIRING),
    "pairing.log": _a(N_("记录帮扶"), N_("%(actor)s为%(subject)s记录了帮扶情况"), PAIRING),
    "pairing.need.include": _a(
        N_("列入帮扶对象"), N_("%(actor)s提出将%(subject)s列入帮扶对象"), PAIRING
    ),
    "pairing.need.exclude": _a(
        N_("移出帮扶对象"), N_("%(actor)s提出将%(subject)s移出帮扶对象"), PAIRING
    ),
    "pairing.need.decide": _a(
        N_("处理帮扶对象申请"), N_("%(actor)s处理了%(subject)s的帮扶对象申请"), PAIRING
    ),
    "pairing.settings": _a(
        N_("修改结对设置"), N_("%(actor)s修改了%(subject)s的结对帮扶设置"), PAIRING
    ),
    "pairing.school.view": _a(
        N_("查看待结对学生"), N_("%(actor)s查看了%(subject)s待结对的学生名单"), PAIRING
    ),
    "pairing.summary.view": _a(
        N_("查看帮扶学期小结"), N_("%(actor)s查看了%(subject)s的结对帮扶学期小结"), PAIRING
    ),
    "pairing.summary.export": _a(
        N_("导出帮扶学期小结"), N_("%(actor)s导出了%(subject)s的结对帮扶学期小结"), PAIRING
    ),
    # reception
    "reception.publish": _a(N_("发布接待日"), N_("%(actor)s发布了%(subject)s的接待日"), RECEPTION),
    "reception.cancel_day": _a(
        N_("取消接待日"), N_("%(actor)s取消了%(subject)s的接待日"), RECEPTION
    ),
    "reception.book": _a(N_("预约接待"), N_("%(actor)s预约了接待日（%(subject)s）"), RECEPTION),
    "reception.cancel": _a(
        N_("取消预约"), N_("%(actor)s取消了接待日预约（%(subject)s）"), RECEPTION
    ),
    "reception.walk_in": _a(N_("登记来访"), N_("%(actor)s登记了来访（%(subject)s）"), RECEPTION),
    "reception.visit": _a(
        N_("记录接待结果"), N_("%(actor)s记录了接待结果（%(subject)s）"), RECEPTION
    ),
    # reviews
    "review.save": _a(N_("保存学业述评"), N_("%(actor)s保存了%(subject)s的学业述评"), REVIEWS),
    "review.publish": _a(
        N_("发布学业述评"), N_("%(actor)s向家长发布了%(subject)s的学业述评"), REVIEWS
    ),
    # surveys
    "survey.create": _a(N_("新建满意度调查"), N_("%(actor)s新建了满意度调查%(subject)s"), SURVEYS),
    "survey.publish": _a(N_("发布满意度调查"), N_("%(actor)s发布了满意度调查%(subject)s"), SURVEYS),
    "survey.close": _a(N_("结束满意度调查"), N_("%(actor)s结束了满意度调查%(subject)s"), SURVEYS),
    # obligations (六个一)
    "obligations.document.upload": _a(
        N_("上传六个一材料"), N_("%(actor)s上传了六个一材料%(subject)s"), OBLIGATIONS
    ),
    "obligations.document.view": _a(
        N_("查看六个一材料"), N_("%(actor)s查看了六个一材料%(subject)s"), OBLIGATIONS
    ),
    "obligations.document.accepted": _a(
        N_("认可六个一材料"), N_("%(actor)s认可了六个一材料%(subject)s"), OBLIGATIONS
    ),
    "obligations.document.returned": _a(
        N_("退回六个一材料"), N_("%(actor)s退回了六个一材料%(subject)s"), OBLIGATIONS
    ),
    "obligations.export": _a(
        N_("导出六个一完成情况"), N_("%(actor)s导出了%(subject)s的教师六个一完成情况"), OBLIGATIONS
    ),
    # parent school
    "parent_school.course.publish": _a(
        N_("发布家长学校课程"), N_("%(actor)s发布了家长学校课程%(subject)s"), PARENT_SCHOOL
    ),
    "parent_school.course.update": _a(
        N_("修改家长学校课程"), N_("%(actor)s修改了家长学校课程%(subject)s"), PARENT_SCHOOL
    ),
    "parent_school.course.cancel": _a(
        N_("取消家长学校课程"), N_("%(actor)s取消了家长学校课程%(subject)s"), PARENT_SCHOOL
    ),
    "parent_school.attendance": _a(
        N_("登记家长学校出勤"), N_("%(actor)s登记了家长学校课程%(subject)s的出勤"), PARENT_SCHOOL
    ),
    "parent_school.target": _a(
        N_("设置家长学校目标"), N_("%(actor)s设置了%(subject)s的家长学校目标"), PARENT_SCHOOL
    ),
    "parent_school.export": _a(
        N_("导出家长学校统计"), N_("%(actor)s导出了%(subject)s的家长学校统计"), PARENT_SCHOOL
    ),
    "parent_school.class_export": _a(
        N_("导出班级家长学校参与"),
        N_("%(actor)s导出了%(subject)s的家长学校参与情况"),
        PARENT_SCHOOL,
    ),
    # roster and school years
    "roster.import": _a(N_("导入花名册"), N_("%(actor)s向%(subject)s导入了名单"), ROSTER),
    "roster.import.errors_export": _a(
        N_("下载导入错误行"), N_("%(actor)s下载了%(subject)s导入文件中的错误行"), ROSTER
    ),
    "roster.mark_absent": _a(
        N_("处理名单外学生"), N_("%(actor)s变更了%(subject)s不在导入名单中的学生的学籍状态"), ROSTER
    ),
    "roster.family_link.split": _a(
        N_("拆分家庭关联"), N_("%(actor)s拆分了%(subject)s的家庭关联"), ROSTER
    ),
    "staff.import": _a(N_("导入教职工"), N_("%(actor)s向%(subject)s导入了教职工名单"), ROSTER),
    "staff.invitations": _a(
        N_("生成教职工邀请"), N_("%(actor)s为%(subject)s的教职工生成了账号邀请"), ROSTER
    ),
    "school.rollover": _a(N_("学年升级"), N_("%(actor)s为%(subject)s办理了学年升级"), ROSTER),
    "school.rollover.undo": _a(
        N_("撤销学年升级"), N_("%(actor)s撤销了%(subject)s的学年升级"), ROSTER
    ),
    # school settings
    "school.save": _a(N_("修改学校信息"), N_("%(actor)s修改了%(subject)s的学校信息"), SCHOOLS),
    "school.hotline": _a(N_("设置校长热线"), N_("%(actor)s设置了%(subject)s的校长热线"), SCHOOLS),
    "school_year.create": _a(N_("新建学年"), N_("%(actor)s新建了学年%(subject)s"), SCHOOLS),
    "semester.update": _a(N_("修改学期"), N_("%(actor)s修改了%(subject)s的起止日期"), SCHOOLS),
    "class.create": _a(N_("新建班级"), N_("%(actor)s新建了%(subject)s"), SCHOOLS),
    "class.head_teacher": _a(
        N_("设置班主任"), N_("%(actor)s把%(subject)s的班主任设为%(teacher)s"), SCHOOLS
    ),
    "assignment.create": _a(
        N_("安排任课"), N_("%(actor)s安排%(teacher)s任教%(class_name)s"), SCHOOLS
    ),
    "assignment.remove": _a(
        N_("取消任课"), N_("%(actor)s取消了%(teacher)s在%(class_name)s的任课"), SCHOOLS
    ),
    "calendar.official_day": _a(
        N_("设置放假调休"), N_("%(actor)s设置了%(subject)s的放假调休安排"), SCHOOLS
    ),
    "calendar.official_day.remove": _a(
        N_("删除放假调休"), N_("%(actor)s删除了%(subject)s的放假调休安排"), SCHOOLS
    ),
    "calendar.closure": _a(N_("设置停课日"), N_("%(actor)s把%(subject)s设为停课日"), SCHOOLS),
    "calendar.closure.remove": _a(
        N_("删除停课日"), N_("%(actor)s删除了停课日%(subject)s"), SCHOOLS
    ),
    # archives and exports
    "student.dossier.export": _a(
        N_("导出学生档案"), N_("%(actor)s导出了%(subject)s的档案"), EXPORTS
    ),
    "student.dossier.batch": _a(
        N_("批量导出档案"), N_("%(actor)s批量导出了%(subject)s的学生档案"), EXPORTS
    ),
    "roster.export": _a(N_("导出花名册"), N_("%(actor)s导出了%(subject)s的名单"), EXPORTS),
    "reports.teacher_year.export": _a(
        N_("导出教师学年统计"), N_("%(actor)s导出了%(subject)s的教师学年统计"), EXPORTS
    ),
    "reports.coverage_families.view": _a(
        N_("查看家访统计名单"), N_("%(actor)s查看了%(subject)s家访统计背后的家庭名单"), EXPORTS
    ),
    "reports.coverage_families.export": _a(
        N_("导出家访统计名单"), N_("%(actor)s导出了%(subject)s家访统计背后的家庭名单"), EXPORTS
    ),
    "reports.school_report.export": _a(
        N_("导出学校学期报告"), N_("%(actor)s导出了%(subject)s的学期报告"), EXPORTS
    ),
    "reports.district_report.export": _a(
        N_("导出区县学期报告"), N_("%(actor)s导出了区县学期报告"), EXPORTS
    ),
    "audit.export": _a(N_("导出审计日志"), N_("%(actor)s导出了审计日志"), EXPORTS),
    "schedule.export": _a(
        N_("导出家访安排表"), N_("%(actor)s导出了%(subject)s的教师联系家长安排表"), EXPORTS
    ),
}

GROUPS = (ACCOUNTS, PEOPLE, CONTACTS, CASES, GRIDS, PAIRING, RECEPTION, REVIEWS, SURVEYS,
          OBLIGATIONS, PARENT_SCHOOL, ROSTER, SCHOOLS, EXPORTS)  # fmt: skip

# ---- the details in words -------------------------------------------------------------------------

# A detail's key as a label; a key not here is shown as it is stored.
DETAIL_LABELS: dict[str, str] = {
    "sections": N_("导出内容"),
    "sensitive": N_("含敏感信息"),
    "pairing": N_("含结对帮扶"),
    "contact_notes": N_("含家访私密记录"),
    "grid_logs": N_("含网格档案条数"),
    "focus": N_("含重点对象类别或原因"),
    "families": N_("家庭数"),
    "notes": N_("查看的私密内容"),
    "fields": N_("涉及字段"),
    "roles": N_("角色"),
    "batch": N_("批量导出任务"),
    "students": N_("学生数"),
    "source": N_("来源"),
    "case": N_("意见"),
    "into": N_("并入"),
    "assignee_id": N_("承办人"),
    "due_on": N_("办理期限"),
    "rating": N_("评价"),
    "reopen": N_("重新办理"),
    "approval": N_("答复需校领导审核"),
    "form": N_("联系形式"),
    "from_on": N_("起始日期"),
    "break_counts_for": N_("假期联系计入"),
    "figures_count": N_("统计口径"),
    "late_entry_days": N_("补录天数"),
    "page": N_("页面"),
    "photo": N_("照片编号"),
    "grids": N_("网格数"),
    "family_id": N_("家庭"),
    "family": N_("家庭"),
    "attended": N_("出席家庭"),
    "added": N_("新增"),
    "removed": N_("移除"),
    "student_id": N_("学生"),
    "teacher_id": N_("教师"),
    "user_id": N_("账号"),
    "class_id": N_("班级"),
    "from_class_id": N_("原班级"),
    "to_class_id": N_("新班级"),
    "entry_id": N_("记录编号"),
    "version": N_("方案版本"),
    "max_students": N_("每位教师结对上限"),
    "log_every_days": N_("帮扶记录间隔（天）"),
    "plan_within_days": N_("制定方案期限（天）"),
    "mark": N_("申请状态"),
    "confirmed": N_("同意"),
    "reason": N_("原因"),
    "letters": N_("通知书份数"),
    "held": N_("暂缓份数"),
    "reissue": N_("重新生成"),
    "job": N_("任务编号"),
    "messages": N_("短信条数"),
    "on": N_("日期"),
    "category": N_("类别"),
    "categories": N_("类别"),
    "from_status": N_("原状态"),
    "to_status": N_("新状态"),
    "status": N_("状态"),
    "linked_guardians": N_("关联已有家长"),
    "bookings": N_("受影响的预约"),
    "waitlist": N_("候补"),
    "guest": N_("未登录预约"),
    "reviews": N_("述评条数"),
    "kind": N_("类型"),
    "rows": N_("行数"),
    "item": N_("项目"),
    "school_year_id": N_("学年"),
    "link": N_("关联编号"),
    "created": N_("新增"),
    "updated": N_("更新"),
    "unchanged": N_("未变"),
    "skipped": N_("跳过"),
    "invitations": N_("邀请数"),
    "name": N_("名称"),
    "starts_on": N_("开始日期"),
    "ends_on": N_("结束日期"),
    "subject": N_("学科"),
    "workday": N_("上班日"),
    "from_year": N_("原学年"),
    "to_year": N_("新学年"),
    "promoted": N_("升级学生"),
    "graduated": N_("毕业学生"),
    "attachment_id": N_("附件编号"),
    "anonymous": N_("匿名"),
    "pairings": N_("结对数"),
    "filters": N_("筛选条件"),
    "conduct_rating": N_("师德师风评价"),
    "published": N_("公开"),
    "questions": N_("题目数"),
    "rule": N_("统计规则"),
    "met": N_("已达标"),
    "semester_id": N_("学期"),
    "actor": N_("操作人"),
    "action": N_("操作"),
    "from": N_("开始日期"),
    "to": N_("结束日期"),
}

# Field names of the records whose changes are audited (user, student, guardian, sensitive data,
# exports): shown in words; a name not here is shown as stored.
FIELD_NAMES: dict[str, str] = {
    "username": N_("用户名"),
    "name": N_("姓名"),
    "phone": N_("电话"),
    "title": N_("职务"),
    "is_party_member": N_("党员"),
    "active": N_("启用"),
    "student_number": N_("学号"),
    "gender": N_("性别"),
    "birth_on": N_("出生日期"),
    "address": N_("家庭住址"),
    "community": N_("小区/村"),
    "id_number": N_("身份证号"),
    "relation": N_("关系"),
    "mobile": N_("手机"),
    "other_phone": N_("其他电话"),
    "workplace": N_("工作单位"),
    "children": N_("子女"),
    "account": N_("家长账号"),
    "health": N_("健康状况"),
    "family_situation": N_("家庭情况"),
    "habits_at_home": N_("在家表现"),
    "growth_environment": N_("成长环境"),
    "said_about_school": N_("家长对学校的评价"),
    "guidance_given": N_("指导建议"),
    "parents_opinions": N_("家长意见"),
    "follow_up": N_("后续跟进"),
    "teacher": N_("教师"),
    "contacts_by_form": N_("各形式联系数"),
    "quota": N_("家访完成率"),
    "late_entries": N_("补录"),
    "returned": N_("被退回"),
    "ratings": N_("家长评价"),
    "reviews": N_("学业述评"),
    "follow_ups": N_("回访"),
    "staff_number": N_("工号"),
    "roles": N_("角色"),
}

# The archive's sections (archives.services.SECTIONS) in words.
SECTION_NAMES: dict[str, str] = {
    "profile": N_("基本情况"),
    "family": N_("家庭"),
    "focus": N_("重点对象"),
    "sensitive": N_("敏感信息"),
    "pairing": N_("结对帮扶"),
    "timeline": N_("时间线"),
}

# What a roster export or import held ("kind").
KIND_NAMES: dict[str, str] = {
    "class": N_("班级名单"),
    "school": N_("全校名单"),
    "guardians": N_("家长名单"),
    "students": N_("学生与家长"),
    "staff": N_("教职工"),
}
