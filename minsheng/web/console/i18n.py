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
    "evaluator": ("第三方评估员", "Evaluator"),
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
    "login_throttled": (
        "尝试次数过多，请 {minutes} 分钟后再试。",
        "Too many attempts. Please try again in {minutes} minute(s).",
    ),
    "code_title": ("两步验证", "Two-step sign-in"),
    "code_hint": (
        "请输入身份验证器应用中显示的 6 位验证码。",
        "Enter the 6-digit code your authenticator app shows.",
    ),
    "code": ("验证码", "Code"),
    "code_failed": ("验证码不正确或已使用，请重试。", "That code is wrong or was used already."),
    "security": ("账号安全", "Security"),
    "two_factor": ("两步验证", "Two-step sign-in"),
    "two_factor_on": ("已开启：登录时需要输入验证码。", "On: signing in asks for a code."),
    "two_factor_required": (
        "您的角色必须开启两步验证后才能使用工作台。",
        "Your role must use two-step sign-in before using the console.",
    ),
    "two_factor_optional": (
        "建议开启两步验证，保护群众信息。",
        "Two-step sign-in protects residents' data; we recommend it.",
    ),
    "enrol_required": (
        "请先开启两步验证，再使用工作台。",
        "Please set up two-step sign-in before using the console.",
    ),
    "enrol_scan": (
        "用身份验证器应用扫描二维码（或输入下方密钥），然后输入应用显示的验证码。",
        "Scan the QR code with an authenticator app (or type the key below), then enter "
        "the code it shows.",
    ),
    "enrol_code": ("应用显示的验证码", "Code from the app"),
    "enrol_failed": (
        "验证码不正确，请重新扫描后再试。",
        "That code is not right; scan again and retry.",
    ),
    "two_factor_enable": ("开启两步验证", "Turn on two-step sign-in"),
    "two_factor_remove": ("关闭两步验证", "Turn off two-step sign-in"),
    "confirm_two_factor_remove": ("确认关闭两步验证？", "Turn off two-step sign-in?"),
    "done_two_factor": ("两步验证已开启。", "Two-step sign-in is on."),
    "done_two_factor_removed": ("两步验证已关闭。", "Two-step sign-in is off."),
    "change_password": ("修改密码", "Change password"),
    "current_password": ("当前密码", "Current password"),
    "new_password": ("新密码（至少 12 位）", "New password (12 characters or more)"),
    "password_changed": (
        "密码已修改，所有登录已退出，请重新登录。",
        "Password changed; every session has ended. Please log in again.",
    ),
    "password_too_short": (
        "新密码至少需要 12 位。",
        "The new password needs 12 characters or more.",
    ),
    "password_unchanged": (
        "新密码不能与当前密码相同。",
        "The new password must differ from the old one.",
    ),
    "password_wrong_current": ("当前密码不正确。", "The current password is not right."),
    "sign_ins": ("登录情况（24 小时）", "Sign-ins (24 hours)"),
    "sign_ins_succeeded": ("成功", "Succeeded"),
    "sign_ins_failed": ("失败", "Failed"),
    "sign_ins_refused": ("因尝试过多被拒", "Refused (too many tries)"),
    "sign_ins_locked": ("当前锁定账号", "Accounts locked now"),
    "session_expired": ("登录已过期，请重新登录。", "Your session has ended; please log in again."),
    "queue": ("待办队列", "Queue"),
    "triage": ("派单台", "Triage desk"),
    "telegram": ("Telegram 绑定", "Telegram"),
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
    "at_least_total": ("至少 {n} 件", "at least {n} cases"),
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
    "contact": ("联系方式", "Contact"),
    "contact_name": ("姓名", "Name"),
    "contact_phone": ("电话", "Phone"),
    "contact_channel": ("渠道", "Channel"),
    "no_phone": ("未留电话", "no phone number"),
    "unreachable": ("消息无法送达", "messages cannot reach them"),
    "show_contact": ("显示联系方式", "Show contact"),
    "contact_logged": ("每次查看都会记入办理记录。", "Every look-up is written to the case log."),
    "no_contact": ("群众没有留下联系方式。", "The resident left no contact details."),
    "reply_template": ("常用回复", "Reply template"),
    "reply_template_none": ("（不用模板）", "(no template)"),
    "all_statuses": ("全部（含已关闭）", "All (closed too)"),
    "open_statuses": ("未办结", "Open"),
    "per_page": ("每页", "Per page"),
    "new_details": ("有新补充", "New details"),
    "auto_refresh": ("每分钟自动刷新", "Refreshes every minute"),
    "sort_by": ("按此列排序", "Sort by this column"),
    "created_at": ("提交时间", "Submitted"),
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
    # the resident's answer to the bot's safety question, when it was asked
    "safety_answer": ("安全询问", "Safety question"),
    "safety_yes": (
        "居民称现在有人有危险或无人照顾",
        "Resident said someone is in danger or without care right now",
    ),
    "safety_no": (
        "居民称现在无人有危险或无人照顾",
        "Resident said no one is in danger or without care right now",
    ),
    # -- livelihood projects (pages/projects.py) ---------------------------------------------
    "projects": ("民生实事", "Projects"),
    "topics": ("需求台账", "Demand topics"),
    "project-figures": ("实事看板", "Project figures"),
    "pj_projects": ("项目", "Projects"),
    "pj_cases": ("诉求数", "Cases"),
    "pj_reference": ("编号", "Reference"),
    "pj_title": ("名称", "Title"),
    "pj_stage": ("阶段", "Stage"),
    "pj_review": ("待审层级", "Review due"),
    "pj_year": ("年度", "Year"),
    "pj_backers": ("点单人数", "Backing"),
    "pj_progress": ("进度", "Progress"),
    "pj_supervised": ("挂牌督办", "Supervised"),
    "pj_milestones": ("节点", "Milestones"),
    "pj_met": ("已达成", "Met"),
    "pj_missed": ("未达成", "Missed"),
    "pj_not_due": ("未到期", "Not due"),
    "pj_ratings": ("评分", "Ratings"),
    "pj_rating_mean": ("平均分", "Mean score"),
    "pj_satisfaction": ("满意率", "Satisfaction"),
    "pj_not_enough": ("样本不足", "Not enough data"),
    "pj_awareness": ("知晓情况", "Awareness"),
    "pj_audience": ("应知人数", "Audience"),
    "pj_delivered": ("已送达", "Delivered"),
    "pj_opened": ("已查看", "Opened"),
    "pj_evaluation": ("第三方评估", "Third-party evaluation"),
    "pj_linked_cases": ("关联诉求", "Linked cases"),
    "pj_history": ("办理记录", "History"),
    "pj_progress_history": ("进度记录", "Progress reports"),
    "pj_actions": ("可执行操作", "Actions"),
    "pj_note": ("说明", "Note"),
    "pj_percent": ("完成百分比", "Percent done"),
    "pj_resident": ("居民（渠道:编号）", "Resident (CHANNEL:ID)"),
    "pj_score": ("分数", "Score"),
    "pj_do_review": ("评审", "Review"),
    "pj_approve": ("通过", "Approve"),
    "pj_reject": ("不通过", "Reject"),
    "pj_publish": ("发布点单", "Publish for backing"),
    "pj_select": ("确定入选", "Select"),
    "pj_not_select": ("不入选", "Do not select"),
    "pj_assign": ("部门领办", "Assign lead department"),
    "pj_record_progress": ("记录进度", "Record progress"),
    "pj_complete": ("完工", "Complete"),
    "pj_withdraw": ("撤回项目", "Withdraw"),
    "pj_back_offline": ("登记线下点单", "Record offline backing"),
    "pj_rate_offline": ("登记线下评分", "Record offline score"),
    "pj_evaluate": ("登记第三方评估", "Record evaluation"),
    "pj_done": ("已完成操作：{action}", "Done: {action}"),
    "pj_none": ("没有符合条件的项目。", "No project matches."),
    "pj_review_queue": ("评审队列", "Review queue"),
    "pj_street": ("街道初审", "Street review"),
    "pj_department": ("部门联审", "Department review"),
    "pj_expert": ("专家终审", "Expert review"),
    "pj_label": ("关键词", "Key terms"),
    "pj_residents": ("居民数", "Residents"),
    "pj_areas": ("区域", "Areas"),
    "pj_seen": ("时间", "Seen"),
    "pj_covered_by": ("已由项目覆盖", "Covered by"),
    "pj_merge_into": ("并入主题", "Merge into topic"),
    "pj_split_cases": (
        "拆出诉求（编号，逗号分隔）",
        "Split off cases (references, comma-separated)",
    ),
    "pj_cover_project": ("覆盖项目编号", "Covering project"),
    "pj_refresh": ("重新聚类", "Re-cluster the ledger"),
    "pj_trend": ("趋势", "Trend"),
    "pj_on_time": ("节点按期达成率", "On-time milestones"),
    "pj_by_stage": ("各阶段项目", "Projects by stage"),
    "pj_per_department": ("各部门满意度与知晓率", "Satisfaction and awareness per department"),
    "pj_awareness_rate": ("知晓率", "Awareness"),
    "pj_stage_proposed": ("待街道初审", "Awaiting street review"),
    "pj_stage_street_approved": ("待部门联审", "Awaiting department review"),
    "pj_stage_department_approved": ("待专家终审", "Awaiting expert review"),
    "pj_stage_approved": ("已通过评审", "Approved"),
    "pj_stage_rejected": ("未通过", "Rejected"),
    "pj_stage_open": ("征集点单", "Open for backing"),
    "pj_stage_selected": ("已入选", "Selected"),
    "pj_stage_not_selected": ("未入选", "Not selected"),
    "pj_stage_in_progress": ("实施中", "In progress"),
    "pj_stage_completed": ("已完工", "Completed"),
    "pj_stage_withdrawn": ("已撤回", "Withdrawn"),
    # -- possible duplicates and merged handling ------------------------------------------
    "dup_similar": ("可能重复的在办诉求", "Possibly the same issue"),
    "dup_none": ("没有相似的在办诉求", "No similar open case"),
    "dup_no_area": ("地点不明", "no place named"),
    "dup_same_area": ("同一地点", "same place"),
    "dup_link_here": ("并入本件办理", "Link as duplicate of this"),
    "dup_confirm_link": (
        "确定将 {ref} 并入 {primary} 合并办理？本件的回复、办理和办结将同步给 {ref} 的群众。",
        "Link {ref} as a duplicate of {primary}? Replies, the start and the resolution of "
        "{primary} will reach the resident of {ref} too.",
    ),
    "dup_merged_with": ("与 {ref} 合并办理", "Handled together with {ref}"),
    "dup_answers_for": ("合并办理的诉求", "Duplicates handled with this case"),
    "dup_unlink": ("取消合并", "Unlink"),
    "dup_confirm_unlink": ("确定取消合并，单独办理？", "Unlink and handle the case on its own?"),
    "done_duplicate_of": ("已合并办理", "Linked as a duplicate"),
    "done_unlink_duplicate": ("已取消合并", "Unlinked"),
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

    def __init__(
        self,
        language: str,
        departments: dict[str, tuple[str, str]],
        domains: dict[str, tuple[str, str]] | None = None,
    ) -> None:
        self.language = language if language in LANGUAGES else DEFAULT
        self._i = LANGUAGES.index(self.language)
        self._departments = departments
        # The city's own domain keys and names (taxonomy.domains); the shipped ones by default.
        self._domains = domains or DOMAIN_NAMES

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
        return self._name(self._domains, key)

    def urgency(self, key: str | None) -> str:
        return self._name(URGENCY_NAMES, key)

    def kind(self, key: str | None) -> str:
        return self._name(KIND_NAMES, key)

    def label(self, axis: str, key: str | None) -> str:
        """A domain, urgency or kind key's name, by the axis it belongs to."""
        names = {"domain": self._domains, "urgency": URGENCY_NAMES, "kind": KIND_NAMES}.get(axis)
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
