//! The few strings the shell itself shows (tray menu, OS notifications). The UI's strings are
//! in `ui/src/lib/i18n/`; these follow the language the UI chose (`set_locale`).

use rounds_app::notices::{Notice, NoticeKind};
use rounds_core::model::Status;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
pub enum Locale {
    #[default]
    #[serde(rename = "zh-CN")]
    ZhCn,
    #[serde(rename = "en")]
    En,
}

/// Tray and notification strings.
#[derive(Debug, Clone, Copy)]
pub struct Strings {
    pub open: &'static str,
    pub report: &'static str,
    pub sync_now: &'static str,
    pub pending: &'static str,
    pub conflicts: &'static str,
    pub quit: &'static str,
    pub online: &'static str,
    pub offline: &'static str,
    pub escalations: &'static str,
}

pub fn strings(l: Locale) -> Strings {
    match l {
        Locale::ZhCn => Strings {
            open: "打开 Rounds",
            report: "报告问题…",
            sync_now: "立即同步",
            pending: "待同步",
            conflicts: "冲突",
            quit: "退出",
            online: "在线",
            offline: "离线",
            escalations: "未读升级",
        },
        Locale::En => Strings {
            open: "Open Rounds",
            report: "Report a problem…",
            sync_now: "Sync now",
            pending: "Pending",
            conflicts: "Conflicts",
            quit: "Quit",
            online: "Online",
            offline: "Offline",
            escalations: "unread escalations",
        },
    }
}

/// A status as the UI names it (`status.*` in `ui/src/lib/i18n/`, lower-cased in English to
/// sit inside a sentence); a test holds the two together.
fn status_label(l: Locale, s: Status) -> &'static str {
    use Status::*;
    match (l, s) {
        (Locale::ZhCn, New) => "新建",
        (Locale::ZhCn, Acknowledged) => "已响应",
        (Locale::ZhCn, InProgress) => "处理中",
        (Locale::ZhCn, Pending) => "等待中",
        (Locale::ZhCn, Resolved) => "已解决",
        (Locale::ZhCn, Closed) => "已关闭",
        (Locale::En, New) => "new",
        (Locale::En, Acknowledged) => "acknowledged",
        (Locale::En, InProgress) => "in progress",
        (Locale::En, Pending) => "waiting",
        (Locale::En, Resolved) => "resolved",
        (Locale::En, Closed) => "closed",
    }
}

/// A notice worded for a notification: (summary, body).
pub fn word(l: Locale, n: &Notice) -> (String, String) {
    let num = n.number.as_deref().unwrap_or(match l {
        Locale::ZhCn => "新工单",
        Locale::En => "new ticket",
    });
    let summary = match (l, n.kind) {
        (Locale::ZhCn, NoticeKind::Assigned) => format!("工单已分派给你：{num}"),
        (Locale::ZhCn, NoticeKind::Comment) => format!("{num} 有新回复"),
        (Locale::ZhCn, NoticeKind::Status) => format!(
            "{num} 状态：{}",
            n.status.map(|s| status_label(l, s)).unwrap_or("")
        ),
        (Locale::ZhCn, NoticeKind::Escalation) => format!("工单升级：{num}"),
        (Locale::En, NoticeKind::Assigned) => format!("Assigned to you: {num}"),
        (Locale::En, NoticeKind::Comment) => format!("New reply on {num}"),
        (Locale::En, NoticeKind::Status) => format!(
            "{num} is now {}",
            n.status.map(|s| status_label(l, s)).unwrap_or("")
        ),
        (Locale::En, NoticeKind::Escalation) => format!("Escalation: {num}"),
    };
    let body = match (&n.detail, n.kind) {
        (Some(d), NoticeKind::Comment) => format!("{}\n{d}", n.title),
        (Some(d), NoticeKind::Escalation) => format!("{}\n{}", n.title, escalation_detail(l, d)),
        _ => n.title.clone(),
    };
    (summary, body)
}

/// `detail` of an escalation notice is `target:percent:step` (see rounds_app::notices).
fn escalation_detail(l: Locale, d: &str) -> String {
    let mut parts = d.split(':');
    let (target, percent) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    if percent == "0" {
        return match l {
            Locale::ZhCn => "一级/二级故障：已呼叫值班工程师，请立即处理".to_owned(),
            Locale::En => "Level 1/2 fault: the on-call engineer is paged, act now".to_owned(),
        };
    }
    match (l, target) {
        (Locale::ZhCn, "response") => format!("响应时限已用 {percent}%"),
        (Locale::ZhCn, "resolution") => format!("解决时限已用 {percent}%"),
        (Locale::ZhCn, _) => "请立即处理".to_owned(),
        (Locale::En, "response") => format!("{percent}% of the response time used"),
        (Locale::En, "resolution") => format!("{percent}% of the resolution time used"),
        (Locale::En, _) => "Act now".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn notice(kind: NoticeKind) -> Notice {
        Notice {
            kind,
            ticket_id: Uuid::nil(),
            number: Some("R-2026-000007".into()),
            title: "打印机卡纸".into(),
            status: Some(Status::Acknowledged),
            detail: Some("response:80:2".into()),
        }
    }

    #[test]
    fn notices_are_worded_in_the_chosen_language() {
        let (s, b) = word(Locale::ZhCn, &notice(NoticeKind::Status));
        assert_eq!(s, "R-2026-000007 状态：已响应");
        assert_eq!(b, "打印机卡纸");
        let (s, b) = word(Locale::En, &notice(NoticeKind::Escalation));
        assert_eq!(s, "Escalation: R-2026-000007");
        assert_eq!(b, "打印机卡纸\n80% of the response time used");
        let (s, _) = word(Locale::ZhCn, &notice(NoticeKind::Assigned));
        assert_eq!(s, "工单已分派给你：R-2026-000007");
    }

    /// The UI's label for each status, from its message catalogue.
    fn ui_label(catalogue: &str, status: Status) -> String {
        let key = format!("'status.{}': '", status.as_str());
        let text = std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../ui/src/lib/i18n")
                .join(catalogue),
        )
        .unwrap();
        let rest = &text[text
            .find(&key)
            .unwrap_or_else(|| panic!("{key} in {catalogue}"))
            + key.len()..];
        rest[..rest.find('\'').unwrap()].to_owned()
    }

    #[test]
    fn notifications_name_statuses_as_the_ui_does() {
        for &s in Status::ALL {
            assert_eq!(
                status_label(Locale::ZhCn, s),
                ui_label("zh-CN.ts", s),
                "{s:?}"
            );
            assert_eq!(
                status_label(Locale::En, s),
                ui_label("en.ts", s).to_lowercase(),
                "{s:?}"
            );
        }
    }

    #[test]
    fn locales_use_the_ui_codes() {
        assert_eq!(serde_json::to_string(&Locale::ZhCn).unwrap(), "\"zh-CN\"");
        assert_eq!(
            serde_json::from_str::<Locale>("\"en\"").unwrap(),
            Locale::En
        );
        assert!(serde_json::from_str::<Locale>("\"fr\"").is_err());
    }
}
