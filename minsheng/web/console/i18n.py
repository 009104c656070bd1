"""The console's interface strings in Chinese and English, and how a language is chosen:
the `ms_lang` cookie (set by the switch) first, then the browser's Accept-Language."""

from __future__ import annotations

from case_store.taxonomy import DOMAIN_NAMES, KIND_NAMES, URGENCY_NAMES

LANGUAGES = ("zh", "en")
DEFAULT = "zh"
COOKIE = "ms_lang"

STATUS_NAMES: dict[str, tuple[str, str]] = {
    "new": ("新建", "New"),
    "routed": ("待受理", "Routed"),
    "accepted": ("已受理", "Accepted"),
    "in_progress": ("办理中", "In progress"),
    "awaiting_resident": ("待群众补充", "Awaiting resident"),
    "resolved": ("已办结", "Resolved"),
    "closed": ("已关闭", "Closed"),
    "withdrawn": ("已撤回", "Withdrawn"),
}

OUTCOME_NAMES: dict[str, tuple[str, str]] = {
    "resolved": ("已解决", "Resolved"),
    "not_responsible": ("非本单位职责", "Not our responsibility"),
    "unresolved": ("未能解决", "Could not be resolved"),
}

ROLE_NAMES: dict[str, tuple[str, str]] = {
    "agent": ("承办人", "Clerk"),
    "supervisor": ("主管", "Supervisor"),
    "triage": ("派单员", "Triage officer"),
    "admin": ("管理员", "Administrator"),
}

CLOCK_STATES: dict[str, tuple[str, str]] = {
    "none": ("无时限", "No deadline"),
    "met": ("按时", "Met"),
    "late": ("超时完成", "Met late"),
    "stopped": ("已停止", "Stopped"),
    "breached": ("已超期", "Overdue"),
    "running": ("计时中", "Running"),
}

AUTHOR_NAMES: dict[str, tuple[str, str]] = {
    "resident": ("群众", "Resident"),
    "staff": ("工作人员", "Staff"),
    "bot": ("机器人", "Bot"),
}

TEXTS: dict[str, tuple[str, str]] = {
    "product": ("民生诉求办理平台", "Minsheng case console"),
    "login": ("登录", "Log in"),
    "logout": ("退出", "Log out"),
    "username": ("账号", "Login"),
    "password": ("密码", "Password"),
    "login_failed": ("账号或密码不正确。", "Wrong login or password."),
    "session_expired": ("登录已过期，请重新登录。", "Your session has ended; please log in again."),
    "queue": ("待办队列", "Queue"),
    "triage": ("派单台", "Triage desk"),
    "dashboard": ("督办看板", "Dashboard"),
    "language": ("语言", "Language"),
    "filters": ("筛选", "Filters"),
    "apply": ("应用", "Apply"),
    "any": ("全部", "Any"),
    "status": ("状态", "Status"),
    "urgency": ("紧急程度", "Urgency"),
    "domain": ("领域", "Domain"),
    "kind": ("类型", "Kind"),
    "department": ("承办单位", "Department"),
    "overdue": ("已超期", "Overdue"),
    "not_overdue": ("未超期", "Not overdue"),
    "due_within": ("几天内到期", "Due within (days)"),
    "search": ("搜索", "Search"),
    "reference": ("编号", "Reference"),
    "summary": ("诉求内容", "Request"),
    "next_deadline": ("下一时限", "Next deadline"),
    "time_left": ("剩余时间", "Time left"),
    "no_cases": ("没有符合条件的诉求。", "No cases match."),
    "page": ("页", "Page"),
    "previous": ("上一页", "Previous"),
    "next": ("下一页", "Next"),
    "of_total": ("共 {n} 件", "{n} cases"),
    "escalated": ("挂牌督办", "Escalated"),
    "first_response": ("首次响应", "First response"),
    "resolution": ("办结时限", "Resolution"),
    "due_at": ("截止", "Due"),
    "done_at": ("完成于", "Done"),
    "provisional": ("暂定：节假日安排尚未公布", "provisional: holidays not yet published"),
    "round": ("第 {n} 轮", "round {n}"),
    "working_days_left": ("剩余 {n} 个工作日", "{n} working days left"),
    "working_days_over": ("超期 {n} 个工作日", "{n} working days over"),
    "hours_left": ("剩余 {h} 小时 {m} 分", "{h} h {m} min left"),
    "hours_over": ("超期 {h} 小时 {m} 分", "{h} h {m} min over"),
    "description": ("诉求描述", "Description"),
    "address": ("地址", "Address"),
    "transcript": ("对话记录", "Transcript"),
    "attachments": ("附件", "Attachments"),
    "no_attachments": ("无附件。", "No attachments."),
    "download": ("下载", "Download"),
    "events": ("办理记录", "Event log"),
    "actions": ("办理", "Actions"),
    "version": ("版本", "Version"),
    "identity_hidden": (
        "本件为针对本单位的投诉，投诉人身份不予显示。",
        "This complaint concerns your department: the complainant is not shown.",
    ),
    "accept": ("受理", "Accept"),
    "start": ("开始办理", "Start work"),
    "reply": ("答复群众", "Reply to the resident"),
    "ask": ("请群众补充", "Ask the resident"),
    "transfer": ("转派", "Transfer"),
    "resolve": ("办结", "Resolve"),
    "reopen": ("重新办理", "Reopen"),
    "send": ("发送", "Send"),
    "reason": ("理由", "Reason"),
    "note": ("办理结果说明", "Note for the resident"),
    "outcome": ("办理结果", "Outcome"),
    "to_department": ("转至单位", "To department"),
    "to_triage": ("退回派单台", "Back to the triage desk"),
    "confirm_accept": ("确认受理此件？", "Accept this case?"),
    "confirm_start": ("确认开始办理此件？", "Start work on this case?"),
    "confirm_reply": ("确认发送答复？", "Send this reply to the resident?"),
    "confirm_ask": ("确认向群众提问？", "Send this question to the resident?"),
    "confirm_transfer": ("确认转派此件？", "Transfer this case?"),
    "confirm_resolve": ("确认办结此件？", "Resolve this case?"),
    "confirm_reopen": ("确认重新办理此件？", "Reopen this case?"),
    "done_accept": ("已受理。", "Accepted."),
    "done_start": ("已开始办理。", "Work has started."),
    "done_reply": ("答复已发送。", "Reply sent."),
    "done_ask": ("问题已发送。", "Question sent."),
    "done_transfer": ("已转派。", "Transferred."),
    "done_resolve": ("已办结。", "Resolved."),
    "done_reopen": ("已重新办理。", "Reopened."),
    "done_reclassify": (
        "分类已纠正，已记入训练数据。",
        "Classification corrected and kept as training data.",
    ),
    "reclassify": ("纠正分类", "Correct the classification"),
    "reclassify_hint": (
        "机器判断有误时在此纠正；留空表示不变。纠正会记入分类训练数据。",
        "Correct the classifier's reading here; blank keeps a value. Corrections become training data.",
    ),
    "unchanged": ("不变", "unchanged"),
    "conflict": (
        "此件已被他人修改，请查看最新内容后重试。",
        "Someone else changed this case; look at the latest version and try again.",
    ),
    "bad_request": ("无法执行：{detail}", "Not done: {detail}"),
    "forbidden": ("您的角色不能执行此操作。", "Your role may not do this."),
    "csrf_failed": (
        "表单已失效，请刷新页面后重试。",
        "The form has expired; reload and try again.",
    ),
    "not_found": ("未找到该诉求。", "No such case."),
    "not_found_title": ("未找到", "Not found"),
    "forbidden_title": ("无权访问", "Not allowed"),
    "back_to_queue": ("返回待办队列", "Back to the queue"),
    "to_route": ("待派单", "Cases to route"),
    "bounced": ("多次退回待裁定", "Bounced cases to decide"),
    "bounces": ("退回次数", "Bounces"),
    "route": ("派单", "Route"),
    "month": ("月份", "Month"),
    "months": ("月数", "Months"),
    "show": ("查看", "Show"),
    "all_departments": ("全部单位", "All departments"),
    "rates": (
        "响应率、解决率、满意率与投诉办结率",
        "Response, resolution, satisfaction and complaint closure",
    ),
    "rates_trend": ("各月趋势（范围合计）", "Monthly trend (whole scope)"),
    "rates_by_department": ("各单位（{month}）", "By department ({month})"),
    "response_rate": ("响应率", "Response rate"),
    "resolution_rate": ("解决率", "Resolution rate"),
    "satisfaction_rate": ("满意率", "Satisfaction rate"),
    "complaint_closure_rate": ("投诉办结率", "Complaint closure"),
    "not_enough_data": ("数据不足", "not enough data"),
    "sample": ("样本", "n"),
    "min_sample_note": (
        "样本少于 {n} 件时显示“数据不足”。",
        "Below {n} in the sample a figure reads “not enough data”.",
    ),
    "overdue_list": ("超期清单", "Overdue cases"),
    "overdue_by_department": ("各单位超期件数", "Overdue cases by department"),
    "overdue_since": ("超期起始", "Overdue since"),
    "overdue_hours": ("超期小时", "Hours over"),
    "missed": ("错过的时限", "Missed"),
    "no_overdue": ("没有超期诉求。", "No overdue cases."),
    "misroutes": ("转派矩阵（来源单位 × 转至单位）", "Misroute matrix (from × to)"),
    "misroutes_out": ("各单位转出件数", "Transfers out by department"),
    "no_misroutes": ("期间内没有转派。", "No transfers in these months."),
    "from_to": ("来源 \\ 转至", "from \\ to"),
    "corrections": (
        "分类纠正（机器判断 × 人工纠正）",
        "Corrections (classifier's reading × staff's label)",
    ),
    "no_corrections": (
        "期间内没有人工纠正分类。",
        "No classification corrections in these months.",
    ),
    "predicted_corrected": ("机器判断 \\ 人工纠正", "read \\ corrected"),
    "axis_domain": ("领域", "Domain"),
    "axis_urgency": ("紧急程度", "Urgency"),
    "axis_kind": ("诉求类型", "Kind"),
    "volume": ("各领域受理量", "Cases by domain"),
    "cases": ("件数", "Cases"),
    "satisfaction": ("满意度趋势", "Satisfaction trend"),
    "ratings": ("评价数", "Ratings"),
    "mean_score": ("平均分", "Mean score"),
    "csv": ("导出 CSV", "Export CSV"),
    "no_data": ("暂无数据", "No data yet"),
    "total": ("合计", "Total"),
    "all": ("全部", "All"),
    "open_case": ("打开", "Open"),
    "signed_in_as": ("当前用户", "Signed in as"),
}


def negotiate(cookie: str | None, accept_language: str | None) -> str:
    """The cookie's choice, else the browser's most preferred of zh / en, else Chinese."""
    if cookie in LANGUAGES:
        return cookie
    best, best_q = DEFAULT, -1.0
    for part in (accept_language or "").split(","):
        tag, _, params = part.strip().partition(";")
        primary = tag.strip().lower().split("-")[0]
        if primary not in LANGUAGES:
            continue
        q = 1.0
        params = params.strip()
        if params.startswith("q="):
            try:
                q = float(params[2:])
            except ValueError:
                q = 0.0
        if q > best_q:
            best, best_q = primary, q
    return best


class Translator:
    """`t("key", n=3)` in templates; names of departments and taxonomy keys too."""

    def __init__(self, language: str, departments: dict[str, tuple[str, str]]) -> None:
        self.language = language if language in LANGUAGES else DEFAULT
        self._i = LANGUAGES.index(self.language)
        self._departments = departments

    def __call__(self, key: str, **values: object) -> str:
        pair = TEXTS.get(key)
        text = pair[self._i] if pair else key
        return text.format(**values) if values else text

    def _name(self, table: dict[str, tuple[str, str]], key: str | None) -> str:
        if key is None:
            return "–"
        pair = table.get(key)
        return pair[self._i] if pair else key

    def department(self, key: str | None) -> str:
        return self._name(self._departments, key)

    def domain(self, key: str | None) -> str:
        return self._name(DOMAIN_NAMES, key)

    def urgency(self, key: str | None) -> str:
        return self._name(URGENCY_NAMES, key)

    def kind(self, key: str | None) -> str:
        return self._name(KIND_NAMES, key)

    def label(self, axis: str, key: str | None) -> str:
        """A domain, urgency or kind key's name, by the axis it belongs to."""
        names = {"domain": DOMAIN_NAMES, "urgency": URGENCY_NAMES, "kind": KIND_NAMES}.get(axis)
        return self._name(names, key) if names is not None else (key or "")

    def status(self, key: str | None) -> str:
        return self._name(STATUS_NAMES, key)

    def outcome(self, key: str | None) -> str:
        return self._name(OUTCOME_NAMES, key)

    def role(self, key: str | None) -> str:
        return self._name(ROLE_NAMES, key)

    def clock_state(self, key: str | None) -> str:
        return self._name(CLOCK_STATES, key)

    def author(self, key: str | None) -> str:
        return self._name(AUTHOR_NAMES, key)
