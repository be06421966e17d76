//! A resident's data export: one JSON document (everything minyi holds about them, in their
//! language and time zone, codes with their labels) plus the photos, in one zip archive.
use crate::store::{ExportData, ExportPhoto, ExportSuggestion};
use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use std::io::{Seek, Write};

/// Labels that belong to other areas, passed in so this module stays free of routes.
#[derive(Clone, Copy)]
pub struct ExportLabels {
    pub topic_status: fn(&str) -> &'static str,
    pub suggestion_state: fn(&str) -> &'static str,
    pub timeline_kind: fn(&str) -> &'static str,
}

/// The document's name inside the archive.
pub const DOCUMENT: &str = "minyi-data.json";

/// Read first: what the archive holds.
pub const README: &str = "民意 · 您的个人数据导出\n\
\n\
minyi-data.json：我们保存的关于您的全部数据（账号、建议及其议题和进展、附议、满意度评价、\n\
通知、同意记录、代您录入的纸质表单、工作人员查看您完整联系方式的记录、登录记录）。\n\
时间均为北京时间（UTC+8）。photos/：您上传的照片和代您录入的纸质表单照片。\n\
\n\
minyi · your personal data export\n\
\n\
minyi-data.json: everything minyi holds about you (account, suggestions with their topics and\n\
progress, supports, satisfaction answers, notices, consents, paper forms entered for you,\n\
records of staff seeing your full contact details, logins). Times are Beijing time (UTC+8).\n\
photos/: the photos you uploaded and photos of paper forms entered for you.\n";

fn local(t: DateTime<Utc>) -> String {
    t.with_timezone(&crate::hall::shanghai()).to_rfc3339()
}

fn local_opt(t: Option<DateTime<Utc>>) -> Value {
    t.map(local).map(Value::String).unwrap_or(Value::Null)
}

pub fn channel_label(channel: &str) -> &'static str {
    match channel {
        "mini_program" => "微信小程序",
        "h5" => "手机网页",
        "paper" => "纸质表单",
        "hotline" => "热线电话",
        "meeting" => "议事会",
        _ => "其他",
    }
}

pub fn role_label(role: &str) -> &'static str {
    match role {
        "resident" => "居民",
        "volunteer" => "志愿者",
        "worker" => "社工",
        "admin" => "管理员",
        _ => "其他",
    }
}

fn answer_label(answer: &str) -> &'static str {
    match answer {
        "satisfied" => "满意",
        "basically_satisfied" => "基本满意",
        "unsatisfied" => "不满意",
        _ => "其他",
    }
}

fn notice_channel_label(channel: &str) -> &'static str {
    match channel {
        "wechat" => "微信订阅消息",
        "in_app" => "站内通知",
        "callback" => "电话回访",
        _ => "其他",
    }
}

/// The file of a photo inside the archive.
pub fn photo_path(p: &ExportPhoto) -> String {
    let ext = match p.content_type.as_str() {
        "image/png" => "png",
        "image/webp" => "webp",
        _ => "jpg",
    };
    format!("photos/{}.{ext}", p.upload_id)
}

/// Each stored photo once (one upload may show in several suggestions).
pub fn distinct_photos(d: &ExportData) -> Vec<&ExportPhoto> {
    let mut out: Vec<&ExportPhoto> = Vec::new();
    for p in &d.photos {
        if !out.iter().any(|x| x.upload_id == p.upload_id) {
            out.push(p);
        }
    }
    out
}

/// Bytes of photos the archive will hold (the JSON is small beside them).
pub fn photo_bytes(d: &ExportData) -> i64 {
    distinct_photos(d).iter().map(|p| p.byte_size.max(0)).sum()
}

fn suggestion(s: &ExportSuggestion, d: &ExportData, l: &ExportLabels) -> Value {
    let photos: Vec<String> = d
        .photos
        .iter()
        .filter(|p| p.suggestion_id == Some(s.suggestion_id))
        .map(photo_path)
        .collect();
    json!({
        "id": s.suggestion_id,
        "channel": s.channel,
        "channel_label": channel_label(&s.channel),
        "title": s.title,
        "text": s.body,
        "state": s.state,
        "state_label": (l.suggestion_state)(&s.state),
        "building_id": s.building_id,
        "building": s.building_name,
        "place": s.place,
        "category": s.category,
        "show_name": s.show_author,
        "topic_id": s.topic_id,
        "topic_title": s.topic_title,
        "photos": photos,
        "created_at": local(s.created_at),
        "updated_at": local(s.updated_at),
    })
}

fn paper_form(s: &ExportSuggestion, d: &ExportData, l: &ExportLabels) -> Value {
    let mut v = suggestion(s, d, l);
    let person = d
        .persons
        .iter()
        .find(|p| Some(p.person_id) == s.author_person_id);
    let consent = d
        .consents
        .iter()
        .find(|c| c.suggestion_id == Some(s.suggestion_id));
    v["name_on_form"] = json!(person.and_then(|p| p.name.clone()));
    v["phone_on_form"] = json!(person.and_then(|p| p.phone.clone()));
    v["paper_batch"] = match s.paper_batch_id {
        Some(id) => json!({
            "id": id,
            "serial": s.paper_serial,
            "collection_point": s.collection_point,
            "collected_on": s.collected_on.map(|d| d.to_string()),
        }),
        None => Value::Null,
    };
    v["entered_by"] = json!({
        "name": s.entered_by_name,
        "role": s.entered_by_role,
        "role_label": s.entered_by_role.as_deref().map(role_label),
    });
    v["consent_recorded"] = json!(s.consent_by_resident);
    v["consent"] = match consent {
        Some(c) => json!({
            "notice_version": c.notice_version,
            "accepted_at": local(c.accepted_at),
            "recorded_by": c.recorded_by_name,
        }),
        None => Value::Null,
    };
    v
}

/// The topics the resident's voices and supports are in, each with its public timeline.
fn topics(d: &ExportData, l: &ExportLabels) -> Vec<Value> {
    let mut ids: Vec<(crate::domain::ids::TopicId, String, String)> = Vec::new();
    let from_suggestions = d
        .suggestions
        .iter()
        .chain(&d.paper_forms)
        .filter_map(|s| Some((s.topic_id?, s.topic_title.clone()?, s.topic_status.clone()?)));
    let from_supports = d
        .supports
        .iter()
        .map(|s| (s.topic_id, s.topic_title.clone(), s.topic_status.clone()));
    for t in from_suggestions.chain(from_supports) {
        if !ids.iter().any(|x| x.0 == t.0) {
            ids.push(t);
        }
    }
    ids.into_iter()
        .map(|(id, title, status)| {
            let timeline: Vec<Value> = d
                .timeline
                .iter()
                .filter(|e| e.topic_id == id)
                .map(|e| {
                    json!({
                        "kind": e.kind,
                        "kind_label": (l.timeline_kind)(&e.kind),
                        "text": e.body,
                        "at": local(e.created_at),
                    })
                })
                .collect();
            json!({
                "id": id,
                "title": title,
                "status": status,
                "status_label": (l.topic_status)(&status),
                "timeline": timeline,
            })
        })
        .collect()
}

/// The export document. Times are Asia/Shanghai with their offset, so they are exact and local.
pub fn document(d: &ExportData, l: &ExportLabels, generated_at: DateTime<Utc>) -> Value {
    let account = d.account.as_ref().map(|a| {
        json!({
            "account_id": a.account_id,
            "role": a.role,
            "role_label": role_label(&a.role),
            "name": a.profile_name,
            "display_name": a.display_name,
            "phone": a.phone,
            "wechat_openid": a.wechat_openid,
            "wechat_unionid": a.wechat_unionid,
            "community_id": a.community_id,
            "community": a.community_name,
            "building_id": a.building_id,
            "building": a.building_name,
            "created_at": local(a.created_at),
        })
    });
    json!({
        "format": "minyi.export.v1",
        "generated_at": local(generated_at),
        "time_zone": "Asia/Shanghai",
        "about": "民意系统保存的关于您的全部数据 / everything minyi holds about you",
        "account": account,
        "suggestions": d.suggestions.iter().map(|s| suggestion(s, d, l)).collect::<Vec<_>>(),
        "paper_forms": d.paper_forms.iter().map(|s| paper_form(s, d, l)).collect::<Vec<_>>(),
        "topics": topics(d, l),
        "supports": d.supports.iter().map(|s| json!({
            "topic_id": s.topic_id, "topic_title": s.topic_title, "created_at": local(s.created_at),
        })).collect::<Vec<_>>(),
        "satisfaction": d.satisfaction.iter().map(|s| json!({
            "topic_id": s.topic_id, "topic_title": s.topic_title, "round": s.round, "answer": s.answer,
            "answer_label": answer_label(&s.answer), "comment": s.comment, "created_at": local(s.created_at),
        })).collect::<Vec<_>>(),
        "notifications": d.notifications.iter().map(|n| json!({
            "id": n.notification_id, "topic_id": n.topic_id, "topic_title": n.topic_title,
            "kind": n.kind, "kind_label": (l.timeline_kind)(&n.kind), "text": n.body,
            "channel": n.channel, "channel_label": notice_channel_label(&n.channel), "state": n.state,
            "created_at": local(n.created_at), "read_at": local_opt(n.read_at), "sent_at": local_opt(n.sent_at),
            "called_back_by": n.done_by_name,
        })).collect::<Vec<_>>(),
        "subscriptions": d.grants.iter().map(|g| json!({
            "template_id": g.template_id, "remaining": g.remaining, "updated_at": local(g.updated_at),
        })).collect::<Vec<_>>(),
        "consents": d.consents.iter().filter(|c| c.kind == "account").map(|c| json!({
            "notice_version": c.notice_version, "accepted_at": local(c.accepted_at),
        })).collect::<Vec<_>>(),
        "logins": d.sessions.iter().map(|s| json!({
            "at": local(s.created_at), "ended_at": local_opt(s.revoked_at),
        })).collect::<Vec<_>>(),
        "access_log": d.access_log.iter().map(|a| {
            let purpose = crate::privacy::access::Purpose::parse(&a.purpose);
            json!({
                "at": local(a.at),
                "staff": a.staff_name,
                "staff_role": role_label(&a.staff_role),
                "fields": a.fields.split(',').collect::<Vec<_>>(),
                "fields_label": crate::privacy::access::fields_label_zh(&a.fields),
                "purpose": a.purpose,
                "purpose_label": purpose.map(|p| p.label_zh()),
                "reason": a.reason,
            })
        }).collect::<Vec<_>>(),
        "photos": distinct_photos(d).iter().map(|p| json!({
            "file": photo_path(p), "upload_id": p.upload_id, "content_type": p.content_type,
            "byte_size": p.byte_size, "sha256": p.sha256, "created_at": local(p.created_at),
        })).collect::<Vec<_>>(),
    })
}

/// Write the archive: the README, the document (compressed), then each photo as stored
/// (already compressed images are not deflated again).
pub fn write_zip<W: Write + Seek>(
    out: W,
    doc: &Value,
    photos: &[(String, Vec<u8>)],
) -> anyhow::Result<W> {
    use zip::write::SimpleFileOptions;
    use zip::CompressionMethod;
    let mut zip = zip::ZipWriter::new(out);
    let deflated = SimpleFileOptions::default().compression_method(CompressionMethod::Deflated);
    let stored = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Stored)
        .large_file(true);
    zip.start_file("README.txt", deflated)?;
    zip.write_all(README.as_bytes())?;
    zip.start_file(DOCUMENT, deflated)?;
    zip.write_all(serde_json::to_string_pretty(doc)?.as_bytes())?;
    for (name, bytes) in photos {
        zip.start_file(name.as_str(), stored)?;
        zip.write_all(bytes)?;
    }
    Ok(zip.finish()?)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::domain::ids::*;
    use crate::store::*;
    use chrono::TimeZone;

    fn labels() -> ExportLabels {
        ExportLabels {
            topic_status: |s| if s == "accepted" { "已受理" } else { "?" },
            suggestion_state: |s| {
                if s == "grouped" {
                    "已归入议题"
                } else {
                    "?"
                }
            },
            timeline_kind: |k| if k == "reply" { "新回复" } else { "?" },
        }
    }

    fn at() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2025, 3, 1, 2, 0, 0).unwrap()
    }

    fn data() -> ExportData {
        let s = ExportSuggestion {
            suggestion_id: SuggestionId(5),
            community_id: CommunityId(1),
            channel: "h5".into(),
            title: None,
            body: "东门路灯坏了".into(),
            state: "grouped".into(),
            building_id: None,
            building_name: None,
            place: Some("东门".into()),
            category: None,
            show_author: true,
            consent_by_resident: false,
            author_person_id: None,
            paper_batch_id: None,
            paper_serial: None,
            collection_point: None,
            collected_on: None,
            topic_id: Some(TopicId(9)),
            topic_title: Some("东门路灯".into()),
            topic_status: Some("accepted".into()),
            entered_by_name: None,
            entered_by_role: None,
            created_at: at(),
            updated_at: at(),
        };
        let photo = ExportPhoto {
            upload_id: "u1".into(),
            sha256: "0".repeat(64),
            content_type: "image/png".into(),
            byte_size: 1200,
            created_at: at(),
            suggestion_id: Some(SuggestionId(5)),
        };
        ExportData {
            suggestions: vec![s],
            photos: vec![photo.clone(), photo],
            timeline: vec![ExportTimeline {
                topic_id: TopicId(9),
                kind: "reply".into(),
                body: "已报修".into(),
                created_at: at(),
            }],
            ..Default::default()
        }
    }

    #[test]
    fn the_document_names_codes_and_uses_local_time() {
        let doc = document(&data(), &labels(), at());
        assert_eq!(doc["generated_at"], "2025-03-01T10:00:00+08:00");
        let s = &doc["suggestions"][0];
        assert_eq!(s["text"], "东门路灯坏了");
        assert_eq!(s["state_label"], "已归入议题");
        assert_eq!(s["channel_label"], "手机网页");
        assert_eq!(s["photos"], json!(["photos/u1.png", "photos/u1.png"]));
        assert_eq!(doc["topics"][0]["status_label"], "已受理");
        assert_eq!(doc["topics"][0]["timeline"][0]["kind_label"], "新回复");
        assert_eq!(
            doc["photos"].as_array().unwrap().len(),
            1,
            "each photo once"
        );
        assert_eq!(photo_bytes(&data()), 1200);
    }

    #[test]
    fn the_archive_holds_the_document_and_the_photos_byte_for_byte() {
        let doc = document(&data(), &labels(), at());
        let png = vec![0x89, b'P', b'N', b'G', 1, 2, 3];
        let out = write_zip(
            std::io::Cursor::new(Vec::new()),
            &doc,
            &[("photos/u1.png".into(), png.clone())],
        )
        .unwrap();
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(out.into_inner())).unwrap();
        let mut text = String::new();
        std::io::Read::read_to_string(&mut zip.by_name(DOCUMENT).unwrap(), &mut text).unwrap();
        let back: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back, doc);
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut zip.by_name("photos/u1.png").unwrap(), &mut bytes).unwrap();
        assert_eq!(bytes, png);
        assert!(zip.by_name("README.txt").is_ok());
    }
}
