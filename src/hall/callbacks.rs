//! Call-backs as a list of people to phone: one row per person and topic (a person is one phone
//! number, or one paper form's person without a number), with every notice about that topic
//! since the last call, not one row per notice.
use crate::domain::ids::TopicId;
use crate::store::CallbackNoticeRow;
use chrono::{DateTime, Utc};
use serde::Serialize;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CallbackNotice {
    pub body: String,
    pub created_at: DateTime<Utc>,
}

/// One person to call about one topic.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CallbackView {
    /// The newest notice; `POST /callbacks/{id}/done` closes every notice of this row.
    pub callback_id: i64,
    pub topic_id: TopicId,
    pub topic_title: String,
    pub person_name: Option<String>,
    /// In full: calling needs it (staff of the community only).
    pub phone: Option<String>,
    /// What to tell them: the newest notice.
    pub timeline_body: String,
    pub created_at: DateTime<Utc>,
    /// Every notice since the last call, oldest first.
    pub notices: Vec<CallbackNotice>,
    pub done: bool,
    #[serde(skip)]
    entries: Vec<i64>,
}

/// The call-back list as sent.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CallbackList {
    pub items: Vec<CallbackView>,
}

/// Group notices (oldest first) into one row per person and topic, newest rows first.
pub fn group(rows: Vec<CallbackNoticeRow>) -> Vec<CallbackView> {
    let mut out: Vec<(String, CallbackView)> = Vec::new();
    for r in rows {
        let who = match r.phone.as_deref().filter(|p| !p.is_empty()) {
            Some(p) => format!("phone:{p}"),
            None => format!("person:{}", r.person_id),
        };
        let key = format!("{}|{who}", r.topic_id.0);
        let notice = CallbackNotice {
            body: r.timeline_body.clone(),
            created_at: r.created_at,
        };
        match out.iter_mut().find(|(k, _)| *k == key) {
            Some((_, v)) => {
                if v.person_name.is_none() {
                    v.person_name = r.person_name;
                }
                if r.created_at >= v.created_at {
                    v.callback_id = r.callback_id;
                    v.created_at = r.created_at;
                    v.timeline_body = r.timeline_body;
                    v.topic_title = r.topic_title;
                }
                // Two forms of one person about one topic: one notice per change.
                if !v.entries.contains(&r.timeline_entry_id) {
                    v.entries.push(r.timeline_entry_id);
                    v.notices.push(notice);
                }
            }
            None => out.push((
                key,
                CallbackView {
                    callback_id: r.callback_id,
                    topic_id: r.topic_id,
                    topic_title: r.topic_title,
                    person_name: r.person_name,
                    phone: r.phone,
                    timeline_body: r.timeline_body,
                    created_at: r.created_at,
                    notices: vec![notice],
                    done: r.done,
                    entries: vec![r.timeline_entry_id],
                },
            )),
        }
    }
    let mut rows: Vec<CallbackView> = out.into_iter().map(|(_, v)| v).collect();
    rows.sort_by_key(|r| std::cmp::Reverse(r.created_at));
    rows
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use chrono::TimeZone;

    fn notice(
        id: i64,
        person: i64,
        topic: i64,
        phone: Option<&str>,
        hour: u32,
    ) -> CallbackNoticeRow {
        CallbackNoticeRow {
            callback_id: id,
            timeline_entry_id: id,
            person_id: person,
            topic_id: TopicId(topic),
            topic_title: format!("议题{topic}"),
            timeline_body: format!("进展{id}"),
            person_name: Some("孙大爷".into()),
            phone: phone.map(str::to_string),
            created_at: Utc
                .with_ymd_and_hms(2026, 11, 1, hour, 0, 0)
                .single()
                .unwrap(),
            done: false,
        }
    }

    #[test]
    fn one_row_per_person_and_topic_with_every_notice() {
        let rows = group(vec![
            notice(1, 10, 5, Some("13900001111"), 1),
            notice(2, 10, 5, Some("13900001111"), 2),
            // The same phone on another paper form (another person record): the same person.
            notice(3, 11, 5, Some("13900001111"), 3),
            notice(4, 10, 5, Some("13900001111"), 4),
            // Another topic: another row.
            notice(5, 10, 6, Some("13900001111"), 5),
            // No phone: by person record.
            notice(6, 12, 5, None, 6),
        ]);
        let mut twice = notice(7, 11, 5, Some("13900001111"), 7);
        twice.timeline_entry_id = 4;
        let again = group(vec![notice(4, 10, 5, Some("13900001111"), 4), twice]);
        assert_eq!(
            again[0].notices.len(),
            1,
            "one change reaching two forms is one notice"
        );
        assert_eq!(rows.len(), 3);
        let first = rows
            .iter()
            .find(|r| r.topic_id == TopicId(5) && r.phone.is_some())
            .unwrap();
        assert_eq!(first.notices.len(), 4);
        assert_eq!(first.callback_id, 4, "the newest notice names the row");
        assert_eq!(first.timeline_body, "进展4");
        assert_eq!(rows[0].callback_id, 6, "newest rows first");
    }
}
