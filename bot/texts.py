"""Everything the bot says, in Chinese and English. Plain text: adapters escape it."""

from __future__ import annotations

import datetime as dt

from case_store.taxonomy import DOMAIN_NAMES, KIND_NAMES, URGENCY_NAMES

LANGUAGES = ("zh", "en")

_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)

_T: dict[str, tuple[str, str]] = {
    "greeting": (
        "您好！我是{city}民生服务助手。",
        "Hello! This is the {city} public service assistant.",
    ),
    "welcome": (
        "您好！我是{city}民生服务助手。\n直接写下您遇到的问题就行，比如“小区门口的路灯坏了三天了”。\n"
        "查进展发 /status，更多用法发 /help。",
        "Hello! This is the {city} public service assistant.\nJust tell me the problem in your "
        'own words, e.g. "the street light outside my building has been out for three days".\n'
        "Send /status for progress, /help for more.",
    ),
    "help": (
        "直接写下问题，我会帮您提交给负责的部门。\n"
        "/new 提交新诉求\n/status 查看办理进展（/status 编号 查看某一件）\n/mycases 我的全部诉求\n"
        "/withdraw 编号 撤回诉求\n/cancel 退出当前对话\n/lang en 切换到英文\n"
        "/mydata 查看我们保存的您的信息\n/forget 删除您的个人信息\n"
        "如遇危险请直接拨打 110、119 或 120。",
        "Tell me the problem and I will pass it to the department in charge.\n"
        "/new report a new problem\n/status progress of your open cases (/status REF for one)\n"
        "/mycases all your cases\n/withdraw REF withdraw a case\n/cancel leave the current step\n"
        "/mydata what we hold about you\n/forget erase your personal data\n"
        "/lang zh switch to Chinese\nIf anyone is in danger, call 110, 119 or 120 now.",
    ),
    "ask_describe": (
        "请用一两句话描述您遇到的问题。",
        "Please describe the problem in a sentence or two.",
    ),
    "photo_first": (
        "收到照片。请再用一两句话描述问题。",
        "Photo received. Please describe the problem in a sentence or two.",
    ),
    "location_first": (
        "收到位置。请再用一两句话描述问题。",
        "Location received. Please describe the problem in a sentence or two.",
    ),
    "ask_location": (
        "问题发生在哪里？请写下地址（如“幸福里小区3号楼”），或直接共享位置。",
        'Where is it? Type the address (e.g. "Building 3, Xingfuli Estate") or share your location.',
    ),
    "location_too_short": (
        "地址太短了，请写得具体一些，例如“幸福里小区3号楼”，或共享位置。",
        'That address is too short. Please add detail, e.g. "Building 3, Xingfuli Estate", or share your location.',
    ),
    "ask_consent": ("处理部门可以联系您了解情况吗？", "May the department contact you about this?"),
    "consent_unclear": ("请点“可以”或“不用”。", "Please tap Yes or No."),
    "pick_domain": (
        "我不太确定您的问题属于哪一类，请选一个：",
        "I am not sure which area this is. Please pick one:",
    ),
    "pick_domain_again": ("请选择一个类别：", "Please pick an area:"),
    "pick_domain_unclear": ("请点下面的按钮选择类别。", "Please tap one of the areas below."),
    "summary": (
        "请核对：\n类别：{domain}\n紧急程度：{urgency}\n承办部门：{department}{place}\n内容：{text}{extras}\n"
        "无误请点“确认”。也可以先发照片或位置。",
        "Please check:\nArea: {domain}\nUrgency: {urgency}\nDepartment: {department}{place}\n"
        "What you wrote: {text}{extras}\nTap Confirm to submit. You can also send a photo or your location first.",
    ),
    "summary_place": ("\n地点：{place}", "\nPlace: {place}"),
    "summary_photo": ("\n附件：照片", "\nAttached: photo"),
    "summary_location": ("\n附件：位置", "\nAttached: location"),
    "summary_no_contact": ("\n不需要联系您", "\nNo contact needed"),
    "added_to_draft": ("已补充到内容中。", "Added to what you wrote."),
    "created": (
        "已提交，编号 {ref}。\n承办部门：{department}\n{days} 个工作日内，即 {due}前办结。",
        "Submitted. Reference {ref}.\nDepartment: {department}\n"
        "To be resolved within {days} working days, by {due}.",
    ),
    "created_first_response": ("{when}前会有工作人员联系您。", "Staff will contact you by {when}."),
    "created_tail": ("查进展发 /status。", "Send /status to check progress."),
    "submit_failed": (
        "抱歉，提交没有成功，请稍后再点“确认”。",
        "Sorry, the case could not be submitted. Please tap Confirm again in a moment.",
    ),
    "cancelled": (
        "已取消。需要时直接写下问题即可。",
        "Cancelled. Just write again whenever you need to.",
    ),
    "nothing_to_cancel": (
        "当前没有进行中的对话。直接写下问题即可。",
        "Nothing to cancel. Just write your problem whenever you like.",
    ),
    "stale_button": ("这个按钮已过期。", "That button has expired."),
    "choose_target": (
        "这条消息是补充到已有的诉求，还是一个新问题？",
        "Is this more detail for a case you already have, or a new problem?",
    ),
    "btn_add_to": ("补充到 {ref}", "Add to {ref}"),
    "btn_new_problem": ("这是新问题", "It's a new problem"),
    "details_added": (
        "已补充到 {ref}，承办部门会看到。",
        "Added to {ref}; the department will see it.",
    ),
    "answer_forwarded": (
        "已把您的回复转给 {ref} 的承办部门。",
        "Your answer has been passed to the department handling {ref}.",
    ),
    "details_failed": (
        "{ref} 已结束，不能再补充。请直接写下新问题。",
        "{ref} is finished and takes no more details. Write a new message to report a new problem.",
    ),
    "no_cases": (
        "您还没有提交过诉求。直接写下问题即可。",
        "You have no cases yet. Just tell me the problem.",
    ),
    "no_open_cases": (
        "您目前没有办理中的诉求。/mycases 查看全部。",
        "You have no open cases. /mycases lists them all.",
    ),
    "open_cases_header": ("您办理中的诉求：", "Your open cases:"),
    "all_cases_header": ("您的诉求（最近 {n} 件）：", "Your cases (latest {n}):"),
    "case_line": ("{ref} · {domain} · {status}", "{ref} · {domain} · {status}"),
    "case_due_left": (
        "{due}前办结，还剩 {days} 个工作日",
        "due by {due}, {days} working days left",
    ),
    "case_due_today": ("今天（{due}）到期", "due today ({due})"),
    "case_overdue": ("已超过办结期限（{due}）", "past its deadline ({due})"),
    "case_detail": (
        "{ref}\n类别：{domain}\n状态：{status}\n承办部门：{department}\n提交于：{created}",
        "{ref}\nArea: {domain}\nStatus: {status}\nDepartment: {department}\nSubmitted: {created}",
    ),
    "case_rating": ("\n您的评价：{score} 分", "\nYour rating: {score} of 5"),
    "case_not_found": (
        "没有找到您的诉求 {ref}，请核对编号。/mycases 查看全部。",
        "You have no case {ref}. Please check the reference; /mycases lists yours.",
    ),
    "bad_reference": ("编号格式应为 MS-2611-ABC123。", "A reference looks like MS-2611-ABC123."),
    "withdraw_which": ("要撤回哪一件？", "Which case do you want to withdraw?"),
    "btn_withdraw": ("撤回 {ref}", "Withdraw {ref}"),
    "withdrawn": ("已撤回 {ref}。", "{ref} has been withdrawn."),
    "withdraw_not_open": (
        "{ref} 已不在办理中，无法撤回。",
        "{ref} is no longer open, so it cannot be withdrawn.",
    ),
    "lang_set": ("好的，接下来用中文和您交流。", "OK, I will reply in English from now on."),
    "lang_which": ("请选择语言 / Choose a language:", "Choose a language / 请选择语言:"),
    "survey_thanks": (
        "谢谢您的评价！还有什么想说的吗？可以直接写下，或点“跳过”。",
        "Thank you for rating! Anything to add? Write it here, or tap Skip.",
    ),
    "survey_comment_saved": ("已记录您的意见，谢谢！", "Thank you, your comment has been saved."),
    "survey_offer_reopen": (
        "很抱歉没有让您满意。需要重新办理 {ref} 吗？",
        "Sorry it was not good enough. Shall we reopen {ref}?",
    ),
    "survey_done": ("好的，谢谢您！", "All right, thank you!"),
    "reopened": (
        "已重新办理 {ref}，承办部门：{department}。{days} 个工作日内，即 {due}前办结。",
        "{ref} is reopened with {department}. To be resolved within {days} working days, by {due}.",
    ),
    "reopen_failed": (
        "{ref} 现在不能重新办理。请直接写下问题，提交新诉求。",
        "{ref} cannot be reopened now. Please write the problem again to submit a new case.",
    ),
    "already_rated": ("{ref} 已经评价过了，谢谢！", "You have already rated {ref}, thank you!"),
    "not_ratable": ("{ref} 现在不能评价。", "{ref} cannot be rated now."),
    "rate_hint": (
        "请点 1 到 5 的数字评价 {ref}。",
        "Please rate {ref} by tapping a number from 1 to 5.",
    ),
    "comment_empty": ("请写下您的意见，或点“跳过”。", "Please write your comment, or tap Skip."),
    "text_only": (
        "我只能读文字、照片和位置，请用文字描述。",
        "I can only read text, photos and locations. Please write it down.",
    ),
    "unknown_command": (
        "没有这个命令。发 /help 查看可用命令。",
        "I don't know that command. Send /help to see what I can do.",
    ),
    "mydata_nothing": (
        "我们没有保存您的任何个人信息或诉求。",
        "We hold no personal data or cases of yours.",
    ),
    "mydata_header": ("我们保存的您的信息：", "What we hold about you:"),
    "mydata_identity": (
        "· 身份：{channel} 账号，名称 {name}，电话 {phone}，首次使用 {since}",
        "· Identity: {channel} account, name {name}, phone {phone}, first seen {since}",
    ),
    "mydata_case": (
        "· 诉求 {ref}（{status}，{created}）：{text}\n  地址 {address}，电话 {phone}，附件 {files} 个",
        "· Case {ref} ({status}, {created}): {text}\n  address {address}, phone {phone}, {files} attachment(s)",
    ),
    "mydata_rating": (
        "· 评价 {ref}：{score} 分，意见 {comment}",
        "· Rating of {ref}: {score}, comment {comment}",
    ),
    "mydata_tail": (
        "如需删除您的个人信息，请发 /forget。",
        "To have your personal data erased, send /forget.",
    ),
    "forget_confirm": (
        "确定要删除您的个人信息吗？您的名称、账号关联和电话会被删除，对话记录清空，之后不再收到通知。"
        "办理中的诉求会继续办理，但部门将看不到您是谁。此操作无法撤销。",
        "Erase your personal data? Your name, the link to your account and your phone number "
        "will be deleted, the conversation cleared, and you will get no more notifications. "
        "Open cases are still handled, but the departments will not know who you are. "
        "This cannot be undone.",
    ),
    "btn_forget": ("确认删除", "Yes, erase my data"),
    "forgotten": (
        "已删除您的个人信息。办理中的诉求会继续办理，但不会再通知您。需要时可以随时重新开始。",
        "Your personal data has been erased. Open cases are still handled, but you will not be "
        "notified. You can start again any time.",
    ),
    "too_many_cases": (
        "您在 {minutes} 分钟内已提交 {limit} 件诉求，请稍后再点“确认”。如遇危险请直接拨打 110、119 或 120。",
        "You have submitted {limit} cases within {minutes} minutes. Please tap Confirm again a "
        "little later. If anyone is in danger, call 110, 119 or 120 now.",
    ),
    "slow_down": (
        "您发送得太快了，请 {seconds} 秒后再发。之前的消息我们已收到。如遇危险请直接拨打 110、119 或 120。",
        "You are sending messages faster than we can read them. Please wait {seconds} seconds "
        "and send again; what you sent before has arrived. If anyone is in danger, call 110, "
        "119 or 120 now.",
    ),
    "busy_address": (
        "您所在的网络刚刚发来了很多消息，请 {minutes} 分钟后再试。如遇危险请直接拨打 110、119 或 120。",
        "A great many messages came from your network just now. Please try again in {minutes} "
        "minutes. If anyone is in danger, call 110, 119 or 120 now.",
    ),
    "too_long": (
        "消息太长了（最多 {limit} 字），请精简后再发。",
        "That message is too long (at most {limit} characters). Please shorten it.",
    ),
    "unsupported_message": (
        "这类消息我读不了。请用文字描述问题，也可以发照片、文件或位置。",
        "I cannot read that kind of message. Please describe the problem in words; you can also "
        "send a photo, a file or your location.",
    ),
    "attachment_too_large": (
        "文件太大了（最多 {limit} MB），请换一个小一些的。",
        "That file is too large (at most {limit} MB). Please send a smaller one.",
    ),
    "error": (
        "抱歉，出了点问题，请稍后再试。",
        "Sorry, something went wrong. Please try again in a moment.",
    ),
    "btn_confirm": ("确认", "Confirm"),
    "btn_change_domain": ("更改类别", "Change area"),
    "btn_cancel": ("取消", "Cancel"),
    "btn_yes": ("可以", "Yes"),
    "btn_no": ("不用", "No"),
    "btn_skip": ("跳过", "Skip"),
    "btn_reopen": ("重新办理", "Reopen"),
    "btn_no_reopen": ("不用了", "No, thanks"),
    # notifications
    "n_routed": (
        "您的诉求 {ref} 已转交{department}办理。",
        "Your case {ref} has been passed to the {department}.",
    ),
    "n_accepted": (
        "{department}已受理您的诉求 {ref}。",
        "The {department} has taken on your case {ref}.",
    ),
    "n_replied": (
        "{department}就 {ref} 回复：\n{text}",
        "The {department} replied on {ref}:\n{text}",
    ),
    "n_asked": (
        "{department}就 {ref} 想向您了解：\n{question}\n直接回复这条消息即可。",
        "The {department} has a question about {ref}:\n{question}\nJust reply here.",
    ),
    "n_transferred": (
        "您的诉求 {ref} 已改由{department}办理，办结期限不变。",
        "Your case {ref} is now with the {department}; the deadline stays the same.",
    ),
    "n_resolved": (
        "{ref} 已办结：\n{note}\n对处理结果满意吗？请点 1 到 5 分（5 分最满意）。",
        "{ref} has been resolved:\n{note}\nAre you satisfied with the result? Tap 1 to 5 (5 is best).",
    ),
    "n_survey_reminder": (
        "您还没有评价 {ref} 的处理结果。回复 1 到 5 的数字即可（5 分最满意）。",
        "You have not rated how {ref} was handled yet. Just reply with a number from 1 to 5 (5 is best).",
    ),
    "n_closed_unrated": (
        "{ref} 已结束（未评价）。如问题仍在，请直接写下，提交新诉求。",
        "{ref} is now closed without a rating. If the problem is still there, just write to report it again.",
    ),
    # -- follow-up: work started, reopened, escalated, deadlines, outcomes ----------------
    "n_started": (
        "{department}已开始办理您的诉求 {ref}。",
        "The {department} has started work on your case {ref}.",
    ),
    "n_reopened": (
        "{department}已重新办理您的诉求 {ref}，新的办结期限：{due}。",
        "The {department} has reopened your case {ref}. New deadline: {due}.",
    ),
    "n_case_escalated": (
        "您的诉求 {ref} 未能按期办理，已报上级部门督办（挂牌督办），{department}会继续办理。",
        "Your case {ref} missed its deadline and has been reported to the supervising "
        "department, which will follow it up; the {department} keeps working on it.",
    ),
    "n_deadline_corrected": (
        "国务院办公厅已公布节假日安排，您的诉求 {ref} 的办结期限更正为 {due}。",
        "The official holiday calendar is now published: the deadline of your case {ref} is {due}.",
    ),
    "n_resolved_not_responsible": (
        "{ref} 办理结果：{department}答复此事不属于其职责范围，问题未由其解决。\n说明：{note}{referral}\n"
        "您对这次答复满意吗？请点 1 到 5 分（5 分最满意）。",
        "Outcome of {ref}: the {department} says this is not its responsibility, so it has not "
        "solved the problem.\nTheir note: {note}{referral}\n"
        "How satisfied are you with this answer? Tap 1 to 5 (5 is best).",
    ),
    "n_resolved_unresolved": (
        "{ref} 办理结果：问题未能解决，办理已结束。\n原因：{note}\n"
        "您对办理过程满意吗？请点 1 到 5 分（5 分最满意）。",
        "Outcome of {ref}: the problem could not be solved and the case has been closed.\n"
        "Reason: {note}\nHow satisfied are you with how it was handled? Tap 1 to 5 (5 is best).",
    ),
    "n_survey_reminder_not_responsible": (
        "您还没有评价 {ref} 的答复（不属于{department}职责范围）。回复 1 到 5 的数字即可（5 分最满意）。",
        "You have not rated the answer on {ref} (not the {department}'s responsibility) yet. "
        "Just reply with a number from 1 to 5 (5 is best).",
    ),
    "n_survey_reminder_unresolved": (
        "您还没有评价 {ref} 的办理过程（问题未能解决）。回复 1 到 5 的数字即可（5 分最满意）。",
        "You have not rated how {ref} was handled (the problem could not be solved) yet. "
        "Just reply with a number from 1 to 5 (5 is best).",
    ),
    "n_referral": ("\n可以这样办：{text}", "\nWhere to go: {text}"),
    "due_provisional": (
        "约{due}（以国务院办公厅公布的节假日安排为准）",
        "about {due}; the exact date follows the official holiday calendar",
    ),
    "case_due_left_provisional": (
        "约{due}前办结（以国务院办公厅公布的节假日安排为准）",
        "due by about {due} (the exact date follows the official holiday calendar)",
    ),
    "case_outcome": ("\n办理结果：{outcome}", "\nOutcome: {outcome}"),
    # intake: the safety question, urgent follow-up, short messages, FAQ, which case
    "safety_question": (
        "现在有人有危险或无人照顾吗？",
        "Is anyone in danger or without care right now?",
    ),
    "safety_unclear": (
        "请点“有”或“没有”：现在有人有危险或无人照顾吗？",
        "Please tap Yes or No: is anyone in danger or without care right now?",
    ),
    "btn_safety_yes": ("有", "Yes"),
    "btn_safety_no": ("没有", "No"),
    "created_urgent": (
        "已按紧急诉求提交，编号 {ref}。\n承办部门：{department}",
        "Submitted as urgent. Reference {ref}.\nDepartment: {department}",
    ),
    "created_urgent_target": (
        "紧急诉求 {hours} 小时内会有工作人员响应，即 {when}前。",
        "Urgent cases get a response from staff within {hours} hours, by {when}.",
    ),
    "created_inquiry": (
        "已提交，编号 {ref}。\n承办部门：{department}\n咨询 {days} 个工作日内答复，即 {due}前。",
        "Submitted. Reference {ref}.\nDepartment: {department}\n"
        "Questions are answered within {days} working days, by {due}.",
    ),
    "urgent_ask_place": (
        "为了让工作人员尽快找到现场，请写下确切地点（如“幸福里小区3号楼2单元502”），或共享位置。"
        "不方便就点“跳过”。",
        'So that staff can find the place quickly, type the exact address (e.g. "Flat 502, '
        'Entrance 2, Building 3, Xingfuli Estate") or share your location. Tap Skip if you cannot.',
    ),
    "urgent_ask_phone": (
        "请留下一个能回拨的电话号码，工作人员会尽快联系您。不方便就点“跳过”。",
        "Please leave a phone number staff can call you back on. Tap Skip if you cannot.",
    ),
    "urgent_phone_unclear": (
        "这个号码好像不完整，请写下手机或座机号码（如 13800000000 或 0571-88888888），或点“跳过”。",
        "That number looks incomplete. Please type a mobile or landline number "
        "(e.g. 13800000000 or 0571-88888888), or tap Skip.",
    ),
    "urgent_place_saved": ("地点已加到 {ref}。", "The place has been added to {ref}."),
    "urgent_phone_saved": ("电话已加到 {ref}。", "The phone number has been added to {ref}."),
    "urgent_contact_done": (
        "谢谢，工作人员会尽快联系您。情况变化或有人身危险，请直接拨打 110、119 或 120。",
        "Thank you; staff will contact you as soon as possible. If things get worse or anyone "
        "is in danger, call 110, 119 or 120 now.",
    ),
    "urgent_contact_failed": (
        "抱歉，没能把它加到 {ref}。如有危险请直接拨打 110、119 或 120。",
        "Sorry, that could not be added to {ref}. If anyone is in danger, call 110, 119 or 120 now.",
    ),
    "short_message": (
        "您好！请问遇到了什么问题？请用一两句话描述，比如“小区门口的路灯坏了三天了”。",
        "Hello! What can I help with? Please describe the problem in a sentence or two, "
        'e.g. "the street light outside my building has been out for three days".',
    ),
    "added_pick_domain": (
        "已补充到内容中。请再选一个类别：",
        "Added to what you wrote. Please also pick an area:",
    ),
    "btn_add_to_case": ("补充到：{title}（{date}）", "Add to: {title} ({date})"),
    "faq_tail": (
        "以上是常见问题的答复。如果没有解答您的问题，请点下面的按钮，我们转给负责部门。",
        "That is our answer to a common question. If it does not answer yours, tap the "
        "button below and we will pass it to the department in charge.",
    ),
    "btn_faq_not_answered": ("没有解答我的问题", "This did not answer me"),
    "btn_faq_answered": ("已解答，谢谢", "That answers it, thanks"),
    "faq_glad": (
        "不客气！还有其他问题直接写下即可。",
        "Glad that helped! Write any time you need something else.",
    ),
    # -- livelihood projects (民生实事) --------------------------------------------------------
    "pj_help": (
        "/projects 查看可点单的民生实事\n/myprojects 我点过的项目\n"
        "/subscribe 区域或领域 订阅项目消息\n/unsubscribe 取消订阅",
        "/projects livelihood projects you can back\n/myprojects projects you backed\n"
        "/subscribe AREA or DOMAIN hear about projects\n/unsubscribe stop hearing about them",
    ),
    "pj_none_open": (
        "目前没有正在征集点单的民生实事项目。可用 /subscribe 订阅，有新项目时通知您。",
        "No livelihood project is open for backing right now. Use /subscribe to hear about new ones.",
    ),
    "pj_open_list": (
        "正在征集点单的民生实事（点按钮即为支持该项目，每个项目只计一次）：",
        "Livelihood projects open for backing (tap one to back it; each counts you once):",
    ),
    "pj_line": (
        "{ref} {title}（{domain}，{backers} 人支持）",
        "{ref} {title} ({domain}, {backers} backing)",
    ),
    "pj_btn_back": ("支持 {ref}", "Back {ref}"),
    "pj_btn_open": ("查看 {ref}", "View {ref}"),
    "pj_backed": (
        "感谢支持！您已为 {ref}「{title}」点单，目前共 {backers} 人支持。项目有进展时会通知您。",
        "Thank you! You back {ref} “{title}”; {backers} residents back it now. We will tell you how it goes.",
    ),
    "pj_already_backed": (
        "您已经支持过 {ref}「{title}」，每人计一次，感谢您的关注。",
        "You already back {ref} “{title}”: everyone counts once. Thank you for caring about it.",
    ),
    "pj_not_backable": (
        "{ref} 现在不在点单阶段，无法支持。发送 /projects 查看正在征集的项目。",
        "{ref} is not open for backing now. Send /projects to see the ones that are.",
    ),
    "pj_not_found": ("没有找到项目 {ref}。", "There is no project {ref}."),
    "pj_mine_none": (
        "您还没有支持过民生实事项目。发送 /projects 看看正在征集的项目。",
        "You have not backed any livelihood project yet. Send /projects to see the open ones.",
    ),
    "pj_mine": ("您支持的民生实事：", "The livelihood projects you back:"),
    "pj_mine_line": (
        "{ref} {title}：{stage}，进度 {progress}%",
        "{ref} {title}: {stage}, {progress}% done",
    ),
    "pj_detail": (
        "{ref}「{title}」\n阶段：{stage}\n支持：{backers} 人\n进度：{progress}%{supervised}",
        "{ref} “{title}”\nStage: {stage}\nBacking: {backers}\nProgress: {progress}%{supervised}",
    ),
    "pj_supervised_mark": ("（挂牌督办中）", " (under supervision)"),
    "pj_subscribe_ask": (
        "请写明要订阅的区域（如 /subscribe 朝阳区）或领域（如 /subscribe transport）。",
        "Name an area (e.g. /subscribe Chaoyang) or a domain (e.g. /subscribe transport).",
    ),
    "pj_subscribed": (
        "已订阅{what}的民生实事消息。发送 /unsubscribe 可取消。",
        "You will hear about livelihood projects for {what}. Send /unsubscribe to stop.",
    ),
    "pj_already_subscribed": ("您已订阅{what}。", "You already follow {what}."),
    "pj_unsubscribed": (
        "已取消 {count} 项订阅。",
        "Removed {count} subscription(s).",
    ),
    "pj_no_subscriptions": ("您没有订阅。", "You have no subscriptions."),
    "pj_rate_thanks": (
        "感谢您为 {ref} 评分（{score}）！",
        "Thank you for rating {ref} ({score})!",
    ),
    "pj_already_rated": (
        "您已经为 {ref} 评过分了，每人一次。",
        "You already rated {ref}: once per resident.",
    ),
    "pj_not_ratable": (
        "{ref} 还没有完工或您不在评价名单中。",
        "{ref} is not completed yet, or you are not among its raters.",
    ),
    "pj_failed": (
        "暂时无法处理，请稍后再试。",
        "That did not work just now; please try again later.",
    ),
    "n_pj_selected": (
        "民生实事 {ref}「{title}」已入选今年的项目，将由部门领办并按节点推进。",
        "Livelihood project {ref} “{title}” was selected for this year; a department will lead it to its milestones.",
    ),
    "n_pj_started": (
        "民生实事 {ref}「{title}」已开工，由{department}领办，完成节点：{milestones}。",
        "Livelihood project {ref} “{title}” has started, led by the {department}; milestones: {milestones}.",
    ),
    "n_pj_milestone": (
        "民生实事 {ref}「{title}」已完成 {progress}%，达到 {percent}% 的节点。",
        "Livelihood project {ref} “{title}” is {progress}% done and has reached its {percent}% milestone.",
    ),
    "n_pj_completed": (
        "民生实事 {ref}「{title}」已完工！请点按钮为它打分（1–5 分，5 分最满意）。",
        "Livelihood project {ref} “{title}” is complete! Please tap a score from 1 to 5 (5 is best).",
    ),
    "n_pj_rate_reminder": (
        "您还没有为已完工的民生实事 {ref}「{title}」打分，点按钮即可（5 分最满意）。",
        "You have not rated the completed project {ref} “{title}” yet; just tap a score (5 is best).",
    ),
}

_STATUS = {
    "new": ("已提交", "submitted"),
    "routed": ("已转交", "passed to the department"),
    "accepted": ("已受理", "taken on"),
    "in_progress": ("办理中", "in progress"),
    "awaiting_resident": ("等您回复", "waiting for your answer"),
    "resolved": ("已办结，待评价", "resolved, waiting for your rating"),
    "closed": ("已结束", "closed"),
    "withdrawn": ("已撤回", "withdrawn"),
}


_OUTCOME = {
    "resolved": ("已解决", "solved"),
    "not_responsible": ("不属于承办部门职责范围", "not the department's responsibility"),
    "unresolved": ("未能解决", "could not be solved"),
}
# A finished case reads differently when the department did not solve the problem.
_STATUS_BY_OUTCOME = {
    ("resolved", "not_responsible"): (
        "已答复（不属于职责范围），待评价",
        "answered (not their responsibility), waiting for your rating",
    ),
    ("resolved", "unresolved"): (
        "已结束（未能解决），待评价",
        "finished (not solved), waiting for your rating",
    ),
    ("closed", "not_responsible"): (
        "已结束（不属于职责范围）",
        "closed (not their responsibility)",
    ),
    ("closed", "unresolved"): ("已结束（未能解决）", "closed (not solved)"),
}


def lang_of(value: str | None) -> str:
    """ "zh" or "en" from a language tag like "en-GB" or "zh-hans"; Chinese by default."""
    return "en" if (value or "").lower().startswith("en") else "zh"


def t(lang: str, key: str, **values: object) -> str:
    zh, en = _T[key]
    template = en if lang == "en" else zh
    return template.format(**values) if values else template


def _pick(pair: tuple[str, str], lang: str) -> str:
    return pair[1] if lang == "en" else pair[0]


def domain_name(lang: str, domain: str) -> str:
    return _pick(DOMAIN_NAMES.get(domain, (domain, domain)), lang)


def urgency_name(lang: str, urgency: str) -> str:
    return _pick(URGENCY_NAMES.get(urgency, (urgency, urgency)), lang)


def kind_name(lang: str, kind: str) -> str:
    return _pick(KIND_NAMES.get(kind, (kind, kind)), lang)


def status_name(lang: str, status: str, outcome: str | None = None) -> str:
    if (named := _STATUS_BY_OUTCOME.get((status, outcome or ""))) is not None:
        return _pick(named, lang)
    return _pick(_STATUS.get(status, (status, status)), lang)


def outcome_name(lang: str, outcome: str) -> str:
    return _pick(_OUTCOME.get(outcome, (outcome, outcome)), lang)


def outcome_notice_key(type_: str, outcome: str) -> str:
    """The text key of a resolution notice or survey reminder for the case's outcome."""
    if outcome in ("not_responsible", "unresolved"):
        return f"n_{type_}_{outcome}"
    return f"n_{type_}"


def due_text(lang: str, day: dt.date, *, provisional: bool = False) -> str:
    """A deadline date; "about" it while the year's official calendar is not published."""
    shown = date(lang, day)
    return t(lang, "due_provisional", due=shown) if provisional else shown


def date(lang: str, day: dt.date) -> str:
    """A date with its year: 2026年11月12日 / 12 November 2026."""
    if lang == "en":
        return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"
    return f"{day.year}年{day.month}月{day.day}日"


def date_time(lang: str, moment: dt.datetime) -> str:
    if lang == "en":
        return f"{moment:%H:%M} on {date(lang, moment.date())}"
    return f"{date(lang, moment.date())} {moment:%H:%M}"


def stars(score: int) -> str:
    return f"{score}⭐"


_PROJECT_STAGES = {
    "proposed": ("待街道初审", "awaiting the street review"),
    "street_approved": ("待部门联审", "awaiting the department review"),
    "department_approved": ("待专家终审", "awaiting the expert review"),
    "approved": ("已通过评审", "approved"),
    "rejected": ("未通过评审", "rejected"),
    "open": ("征集点单中", "open for backing"),
    "selected": ("已入选", "selected"),
    "not_selected": ("未入选", "not selected"),
    "in_progress": ("实施中", "in progress"),
    "completed": ("已完工", "completed"),
    "withdrawn": ("已撤回", "withdrawn"),
}


def project_stage_name(lang: str, stage: str) -> str:
    return _pick(_PROJECT_STAGES.get(stage, (stage, stage)), lang)
