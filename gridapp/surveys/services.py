"""The rules of parent satisfaction surveys (家长满意度测评, seed 004 §22): a school's leaders
create, publish and close a survey; each parent answers it once, anonymously, while it is open;
the leaders and the district read the results (means, distributions, response rate, comments).

Anonymity: an answer is stored as a `SurveyResponse` with a random id and no account, family,
time or order; that a parent has answered is a `SurveyParticipation` row keyed by (survey,
account) with nothing else. The two are written in one transaction and share no column, and no
audit entry names the parent who answered (an audit entry's time would order the answers).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import distinct, func, select, update

from gridapp.accounts.models import User
from gridapp.core import audit
from gridapp.core.errors import IllegalTransition, RuleViolation
from gridapp.core.i18n import N_
from gridapp.core.i18n import gettext as _
from gridapp.core.unique import held
from gridapp.extensions import db
from gridapp.people.models import Guardian, Student, StudentGuardian, StudentStatus
from gridapp.schools.models import School, SchoolYear, Semester
from gridapp.schools.permissions import is_school_leader
from gridapp.surveys.models import (
    RATINGS,
    Survey,
    SurveyParticipation,
    SurveyQuestion,
    SurveyRating,
    SurveyResponse,
    SurveyStatus,
)

# The questions a new survey starts with, one per mechanism of seed 004 (a school edits them).
DEFAULT_QUESTIONS = (
    N_("学校与您沟通孩子情况是否及时、顺畅"),
    N_("老师家访、联系您家庭的情况"),
    N_("家长学校和家庭教育指导对您的帮助"),
    N_("书记校长接待日、校长信箱等反映意见的渠道"),
    N_("学校对您反映的意见建议的处理和反馈"),
    N_("您对学校办学的总体满意程度"),
)
MAX_QUESTIONS = 10
QUESTION_LIMIT = 200  # characters of a question
TITLE_LIMIT = 100
COMMENT_LIMIT = 1000  # characters of a parent's comment
# A school whose overall mean is below this is marked on the district's table: seed 004 §22 has
# the district talk with the heads of schools whose results are low. The seed names no number.
LOW_MEAN = 3.0
RATING_LABELS = {
    1: N_("很不满意"),
    2: N_("不太满意"),
    3: N_("一般"),
    4: N_("比较满意"),
    5: N_("很满意"),
}


@dataclass(frozen=True)
class SurveyData:
    """What a leader fills in for a new survey. `semester_id` None: the whole school year.
    `questions`: the questions' texts in order (blank ones are dropped)."""

    title: str
    intro: str
    school_year_id: int
    semester_id: int | None
    opens_on: date
    closes_on: date
    questions: list[str]


def create_survey(actor: User, school: School, data: SurveyData, today: date) -> Survey:
    """A new draft survey of `school` with its questions (1 to MAX_QUESTIONS, each at most
    QUESTION_LIMIT characters, no two alike) for one of the school's years or semesters, open
    from `opens_on` to `closes_on` (dates, Asia/Shanghai, both included; not ending before
    `today`). Raises RuleViolation on the field at fault; PermissionError if `actor` does not
    lead the school. Flushes, never commits. Seed 004 §22 (学校组织开展家长满意度测评)."""
    if not is_school_leader(actor, school.id):
        raise PermissionError
    title = (data.title or "").strip()
    if not title or len(title) > TITLE_LIMIT:
        raise RuleViolation(_("请填写标题（不超过 %(n)d 字）", n=TITLE_LIMIT), field="title")
    year = db.session.get(SchoolYear, data.school_year_id)
    semester = db.session.get(Semester, data.semester_id) if data.semester_id else None
    if (
        year is None
        or year.school_id != school.id
        or (data.semester_id and (semester is None or semester.school_year_id != year.id))
    ):
        raise RuleViolation(_("请选择本校的学年或学期"), field="period")
    if data.closes_on < data.opens_on:
        raise RuleViolation(_("结束日期不能早于开始日期"), field="closes_on")
    if data.closes_on < today:
        raise RuleViolation(_("结束日期已经过去，请重新选择"), field="closes_on")
    questions = [q.strip() for q in data.questions if q and q.strip()]
    if not questions:
        raise RuleViolation(_("请至少填写一个问题"), field="questions")
    if len(questions) > MAX_QUESTIONS:
        raise RuleViolation(_("问题最多 %(n)d 个，每行一个", n=MAX_QUESTIONS), field="questions")
    for q in questions:
        if len(q) > QUESTION_LIMIT:
            raise RuleViolation(
                _("每个问题不超过 %(n)d 字：%(q)s…", n=QUESTION_LIMIT, q=q[:20]),
                field="questions",
            )
    if len(set(questions)) != len(questions):
        raise RuleViolation(_("有重复的问题，请删去一个"), field="questions")
    survey = Survey(
        school_id=school.id, school_year_id=year.id, semester_id=semester and semester.id,
        title=title, intro=(data.intro or "").strip(), opens_on=data.opens_on,
        closes_on=data.closes_on, status=SurveyStatus.DRAFT, created_by_id=actor.id,
    )  # fmt: skip
    db.session.add(survey)
    db.session.flush()
    for position, q in enumerate(questions, start=1):
        db.session.add(SurveyQuestion(survey_id=survey.id, position=position, text=q))
    db.session.flush()
    audit.record(actor, "survey.create", survey, questions=len(questions))
    return survey


def publish(actor: User, survey: Survey, today: date, at: datetime) -> None:
    """Open a draft to the school's parents (they answer from its `opens_on`). A survey of the
    school still published but past its `closes_on` is closed first; one still open makes the
    publication refused: one open survey per school, held by the partial unique index
    `ix_surveys_one_published`. Raises IllegalTransition (409) when the survey is no draft, its
    closing date has passed or another is open; PermissionError if `actor` does not lead the
    school. Flushes, never commits."""
    if not is_school_leader(actor, survey.school_id):
        raise PermissionError
    if survey.status is not SurveyStatus.DRAFT:
        raise IllegalTransition(_("这份问卷已经发布过了"))
    if survey.closes_on < today:
        raise IllegalTransition(_("这份问卷的结束日期已经过去，无法发布"))
    db.session.execute(
        update(Survey)
        .where(
            Survey.school_id == survey.school_id,
            Survey.status == SurveyStatus.PUBLISHED,
            Survey.closes_on < today,
        )
        .values(status=SurveyStatus.CLOSED, closed_at=at)
        .execution_options(synchronize_session=False)
    )
    with held(_("本校已有一份正在进行的问卷，请先结束它再发布新的"), conflict=True):
        moved = db.session.execute(
            update(Survey)
            .where(Survey.id == survey.id, Survey.status == SurveyStatus.DRAFT)
            .values(status=SurveyStatus.PUBLISHED, published_at=at)
            .execution_options(synchronize_session=False)
        ).rowcount
    if moved != 1:
        raise IllegalTransition(_("这份问卷已经发布过了"))
    survey.status = SurveyStatus.PUBLISHED
    survey.published_at = at
    audit.record(actor, "survey.publish", survey)


def close(actor: User, survey: Survey, at: datetime) -> None:
    """End a published survey now: parents can no longer answer; its results stay. Raises
    IllegalTransition (409) when it is not published (a draft, or closed already, also by another
    leader at the same moment: a conditional update); PermissionError if `actor` does not lead
    the school. Flushes, never commits."""
    if not is_school_leader(actor, survey.school_id):
        raise PermissionError
    moved = db.session.execute(
        update(Survey)
        .where(Survey.id == survey.id, Survey.status == SurveyStatus.PUBLISHED)
        .values(status=SurveyStatus.CLOSED, closed_at=at)
        .execution_options(synchronize_session=False)
    ).rowcount
    if moved != 1:
        raise IllegalTransition(_("只能结束正在进行的问卷"))
    survey.status = SurveyStatus.CLOSED
    survey.closed_at = at
    audit.record(actor, "survey.close", survey)


def window(survey: Survey, today: date) -> str:
    """Where the survey stands for parents on `today`: "draft", "not_open", "open" or
    "closed" (closed by a leader, or past its `closes_on`)."""
    if survey.status is SurveyStatus.DRAFT:
        return "draft"
    if survey.status is SurveyStatus.CLOSED or today > survey.closes_on:
        return "closed"
    if today < survey.opens_on:
        return "not_open"
    return "open"


def has_answered(survey_id: int, user_id: int) -> bool:
    """Whether the parent's account has answered the survey."""
    return (
        db.session.get(SurveyParticipation, {"survey_id": survey_id, "guardian_user_id": user_id})
        is not None
    )


def answer(
    user: User, survey: Survey, ratings: dict[int, int | None], comment: str, today: date
) -> None:
    """Store a parent's answer, anonymously (see the module's docstring): `ratings` maps each
    question's id to a whole number 1–5, `comment` is optional free text (at most COMMENT_LIMIT
    characters). The survey must be open on `today` (published, between its dates). Raises
    RuleViolation (on the question `q<id>`, the `comment`, or the form) for a closed or
    not yet open survey, a question left unrated or a rating out of range; IllegalTransition
    (409) when the account has answered already, also when two answers are sent at the same
    moment (the primary key of `survey_participations` refuses the second: core.unique.held).
    The caller has loaded the survey for the parent (`load_survey(id, Need.EDIT)`). Flushes,
    never commits. Seed 004 §22 (家长满意度测评)."""
    state = window(survey, today)
    if state == "not_open":
        raise RuleViolation(_("问卷将于 %(d)s 开始，届时再来填写", d=survey.opens_on.isoformat()))
    if state != "open":
        raise RuleViolation(_("问卷已经结束，不能再提交了。感谢您的关注！"))
    questions = survey.questions
    missing = [q for q in questions if ratings.get(q.id) is None]
    if missing:
        first, *rest = missing
        raise RuleViolation(
            _("请为每一项选择 1 到 5 分"),
            field=f"q{first.id}",
            more_fields=tuple(f"q{q.id}" for q in rest),
        )
    for q in questions:
        if ratings[q.id] not in RATINGS:
            raise RuleViolation(_("评分只能是 1 到 5 分"), field=f"q{q.id}")
    comment = (comment or "").strip()
    if len(comment) > COMMENT_LIMIT:
        raise RuleViolation(_("意见建议不超过 %(n)d 字", n=COMMENT_LIMIT), field="comment")
    already = _("您已经填写过这份问卷，每位家长只能填写一次。感谢您的参与！")
    if has_answered(survey.id, user.id):
        raise IllegalTransition(already)  # a courtesy: the key below holds the rule
    with held(already, conflict=True):
        db.session.add(SurveyParticipation(survey_id=survey.id, guardian_user_id=user.id))
    response = SurveyResponse(survey_id=survey.id, comment=comment)
    db.session.add(response)
    db.session.flush()
    db.session.add_all(
        SurveyRating(response_id=response.id, question_id=q.id, rating=ratings[q.id])
        for q in questions
    )
    db.session.flush()


# ---- what parents and leaders see ---------------------------------------------------------------


def parent_surveys(user: User, school_ids, today: date) -> list[tuple[Survey, str, bool]]:
    """The published surveys of the schools of the parent's children (`school_ids`), with their
    `window` on `today` and whether the parent has answered: [(survey, window, answered)], the
    newest first. Closed ones are left out unless the parent answered them."""
    if not school_ids:
        return []
    surveys = db.session.scalars(
        select(Survey)
        .where(
            Survey.school_id.in_(sorted(school_ids)),
            Survey.status != SurveyStatus.DRAFT,
        )
        .order_by(Survey.opens_on.desc(), Survey.id.desc())
    ).all()
    answered = set(
        db.session.scalars(
            select(SurveyParticipation.survey_id).where(
                SurveyParticipation.guardian_user_id == user.id,
                SurveyParticipation.survey_id.in_([s.id for s in surveys] or [0]),
            )
        )
    )
    out = []
    for s in surveys:
        state = window(s, today)
        if state != "closed" or s.id in answered:
            out.append((s, state, s.id in answered))
    return out


def school_surveys(school_id: int) -> list[Survey]:
    """A school's surveys, the newest first."""
    return list(
        db.session.scalars(
            select(Survey)
            .where(Survey.school_id == school_id)
            .order_by(Survey.created_at.desc(), Survey.id.desc())
        )
    )


def response_counts(survey_ids) -> dict[int, int]:
    """How many parents answered each survey: {survey id: count} (absent: none)."""
    if not survey_ids:
        return {}
    q = (
        select(SurveyResponse.survey_id, func.count())
        .where(SurveyResponse.survey_id.in_(sorted(survey_ids)))
        .group_by(SurveyResponse.survey_id)
    )
    return {sid: n for sid, n in db.session.execute(q)}


def guardian_counts(school_ids) -> dict[int, int]:
    """The parents who could answer a school's survey: active accounts of guardians of the
    school's active students, each counted once per school ({school id: count}). The
    denominator of the response rate."""
    if not school_ids:
        return {}
    q = (
        select(Student.school_id, func.count(distinct(Guardian.user_id)))
        .join(StudentGuardian, StudentGuardian.student_id == Student.id)
        .join(Guardian, Guardian.id == StudentGuardian.guardian_id)
        .join(User, User.id == Guardian.user_id)
        .where(
            Student.school_id.in_(sorted(school_ids)),
            Student.status == StudentStatus.ACTIVE,
            User.active.is_(True),
        )
        .group_by(Student.school_id)
    )
    return {sid: n for sid, n in db.session.execute(q)}


@dataclass
class QuestionResult:
    """One question's figures: `count` ratings, their `mean` (None without any) and how many
    gave each rating (`distribution`: {1..5: count})."""

    question: SurveyQuestion
    count: int
    mean: float | None
    distribution: dict[int, int]

    def share(self, rating: int) -> float:
        """The share of the ratings that are `rating`, 0..1."""
        return self.distribution[rating] / self.count if self.count else 0.0


@dataclass
class Results:
    """A survey's results: `responses` parents answered of `guardians` who could (accounts of
    the school's parents); `rate` 0..1 or None; per question; the overall `mean` of every
    rating; the comments, without anything that names their writer, in no meaningful order."""

    survey: Survey
    responses: int
    guardians: int
    questions: list[QuestionResult]
    comments: list[str] = field(default_factory=list)

    @property
    def rate(self) -> float | None:
        return self.responses / self.guardians if self.guardians else None

    @property
    def mean(self) -> float | None:
        total = sum(q.mean * q.count for q in self.questions if q.mean is not None)
        n = sum(q.count for q in self.questions)
        return total / n if n else None


def results(survey: Survey) -> Results:
    """The survey's results (see `Results`), in four queries."""
    counts: dict[int, dict[int, int]] = defaultdict(lambda: dict.fromkeys(RATINGS, 0))
    q = (
        select(SurveyRating.question_id, SurveyRating.rating, func.count())
        .join(SurveyQuestion, SurveyQuestion.id == SurveyRating.question_id)
        .where(SurveyQuestion.survey_id == survey.id)
        .group_by(SurveyRating.question_id, SurveyRating.rating)
    )
    for question_id, rating, n in db.session.execute(q):
        counts[question_id][rating] = n
    per_question = []
    for question in survey.questions:
        dist = counts[question.id]
        n = sum(dist.values())
        mean = sum(r * c for r, c in dist.items()) / n if n else None
        per_question.append(QuestionResult(question, n, mean, dict(dist)))
    comments = list(
        db.session.scalars(
            select(SurveyResponse.comment)
            .where(SurveyResponse.survey_id == survey.id, SurveyResponse.comment != "")
            .order_by(SurveyResponse.id)  # random ids: no order of answering
        )
    )
    return Results(
        survey=survey,
        responses=response_counts([survey.id]).get(survey.id, 0),
        guardians=guardian_counts([survey.school_id]).get(survey.school_id, 0),
        questions=per_question,
        comments=comments,
    )


@dataclass
class DistrictRow:
    """A school on the district's table: its latest published or closed survey (None: none
    yet), how many answered of how many could, and the overall mean rating."""

    school: School
    survey: Survey | None
    responses: int
    guardians: int
    mean: float | None

    @property
    def rate(self) -> float | None:
        return self.responses / self.guardians if self.guardians else None

    @property
    def low(self) -> bool:
        return self.mean is not None and self.mean < LOW_MEAN


def district_table(school_ids) -> list[DistrictRow]:
    """One row per school of `school_ids` (in school order), with its latest survey that
    parents could see (by opening date), in four grouped queries whatever the number of schools.
    Seed 004 §22: the district organises the satisfaction survey and talks with the heads of
    schools whose results are low (`DistrictRow.low`)."""
    if not school_ids:
        return []
    ids = sorted(school_ids)
    schools = db.session.scalars(select(School).where(School.id.in_(ids)).order_by(School.id))
    latest: dict[int, Survey] = {}
    for s in db.session.scalars(
        select(Survey)
        .where(Survey.school_id.in_(ids), Survey.status != SurveyStatus.DRAFT)
        .order_by(Survey.opens_on.desc(), Survey.id.desc())
    ):
        latest.setdefault(s.school_id, s)
    survey_ids = [s.id for s in latest.values()]
    counts = response_counts(survey_ids)
    means = {}
    if survey_ids:
        q = (
            select(SurveyQuestion.survey_id, func.avg(SurveyRating.rating))
            .join(SurveyRating, SurveyRating.question_id == SurveyQuestion.id)
            .where(SurveyQuestion.survey_id.in_(survey_ids))
            .group_by(SurveyQuestion.survey_id)
        )
        means = {sid: float(m) for sid, m in db.session.execute(q) if m is not None}
    guardians = guardian_counts(ids)
    rows = []
    for school in schools:
        survey = latest.get(school.id)
        rows.append(
            DistrictRow(
                school=school,
                survey=survey,
                responses=counts.get(survey.id, 0) if survey else 0,
                guardians=guardians.get(school.id, 0),
                mean=means.get(survey.id) if survey else None,
            )
        )
    return rows


def period_choices(school_id: int) -> list[tuple[str, str]]:
    """The periods a survey can be for: each school year ("y<id>") and its semesters
    ("s<id>"), the latest year first."""
    out = []
    years = db.session.scalars(
        select(SchoolYear)
        .where(SchoolYear.school_id == school_id)
        .order_by(SchoolYear.starts_on.desc())
    )
    for year in years:
        out.append((f"y{year.id}", _("%(y)s（全学年）", y=year.name)))
        for sem in year.semesters:
            out.append((f"s{sem.id}", sem.name))
    return out


def period_of(value: str | None) -> tuple[int | None, int | None]:
    """(school year id, semester id) of a period choice ("y<id>" or "s<id>"); (None, None) for
    anything else."""
    value = value or ""
    if len(value) < 2 or not value[1:].isascii() or not value[1:].isdigit():
        return None, None
    number = int(value[1:])
    if not 0 < number < 2**31:
        return None, None
    if value[0] == "y":
        return number, None
    if value[0] == "s":
        sem = db.session.get(Semester, number)
        return (sem.school_year_id, sem.id) if sem else (None, None)
    return None, None
