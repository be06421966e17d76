//! What an erasure changes, decided without I/O.
//!
//! An erased account becomes a tombstone: the row stays with no personal data, so its
//! supports, satisfaction answers and suggestions keep counting (topic counts and deliberation
//! records remain true) while nothing links them to a person. Its suggestions stay as anonymous
//! voices — name hidden, contact-like numbers and the resident's own name and phone removed
//! from their texts — unless the resident also withdrew them (done before, through the normal
//! withdrawal). Photos, sessions, notices, consents and exports are deleted. The same name
//! and phone written elsewhere in the community's records (topic titles, meeting attendance,
//! staff replies, the audit log) are replaced too.
//!
//! Paper-form persons (no account) are erased the same way at staff's request: name and
//! phone gone, their forms kept as anonymous voices, photos of the forms deleted.
use crate::intake::mask::scrub_contacts;
use crate::media::ImageKind;
use crate::store::{ErasurePlan, ErasureSubject, UploadRef};

/// The display name an erased account keeps.
pub const TOMBSTONE_NAME: &str = "已注销居民";
/// What replaces an erased name or phone number in texts.
pub const REPLACEMENT: &str = "***";

/// Words that are not anyone's name: replacing them would destroy other people's texts.
const NOT_NAMES: &[&str] = &["居民", "微信居民", TOMBSTONE_NAME, REPLACEMENT];

/// The exact strings to remove from texts: names of at least two characters (a single
/// character is a surname shared by many) that are not placeholders, phone numbers of at
/// least seven digits, identifiers. Longest first, so a full name goes before a part of it.
pub fn needles<'a>(
    names: impl IntoIterator<Item = &'a str>,
    phones: impl IntoIterator<Item = &'a str>,
    identifiers: impl IntoIterator<Item = &'a str>,
) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut add = |s: &str| {
        if !s.is_empty() && !out.iter().any(|x| x == s) {
            out.push(s.to_string());
        }
    };
    for n in names {
        let n = n.trim();
        if n.chars().count() >= 2 && !NOT_NAMES.contains(&n) {
            add(n);
        }
    }
    for p in phones {
        let p = p.trim();
        if p.chars().filter(char::is_ascii_digit).count() >= 7 {
            add(p);
        }
    }
    for i in identifiers {
        let i = i.trim();
        if i.chars().count() >= 6 {
            add(i);
        }
    }
    out.sort_by_key(|s| std::cmp::Reverse(s.chars().count()));
    out
}

/// A text with the given strings and every phone-like number removed.
pub fn scrub(text: &str, needles: &[String]) -> String {
    let replaced = needles
        .iter()
        .fold(text.to_string(), |t, n| t.replace(n.as_str(), REPLACEMENT));
    scrub_contacts(&replaced)
}

fn scrub_opt(text: &Option<String>, needles: &[String]) -> Option<String> {
    text.as_deref().map(|t| scrub(t, needles))
}

fn dedup_uploads(uploads: &[UploadRef]) -> Vec<UploadRef> {
    let mut out: Vec<UploadRef> = Vec::new();
    for u in uploads {
        if !out.iter().any(|x| x.upload_id == u.upload_id) {
            out.push(u.clone());
        }
    }
    out
}

fn texts(
    subject: &ErasureSubject,
    needles: &[String],
) -> Vec<(
    crate::domain::ids::SuggestionId,
    Option<String>,
    String,
    Option<String>,
)> {
    subject
        .suggestions
        .iter()
        .map(|s| {
            (
                s.suggestion_id,
                scrub_opt(&s.title, needles),
                scrub(&s.body, needles),
                scrub_opt(&s.place, needles),
            )
        })
        .collect()
}

fn communities(subject: &ErasureSubject) -> Vec<crate::domain::ids::CommunityId> {
    let mut out = Vec::new();
    let all = subject
        .account
        .iter()
        .filter_map(|a| a.community_id)
        .chain(subject.persons.iter().map(|p| p.community_id))
        .chain(subject.suggestions.iter().map(|s| s.community_id));
    for c in all {
        if !out.contains(&c) {
            out.push(c);
        }
    }
    out
}

/// The erasure of a resident's account (and the paper forms linked to it by their phone).
/// `withdrawn` counts the suggestions the resident asked to withdraw (already withdrawn).
pub fn plan_account(subject: &ErasureSubject, withdrawn: usize) -> Option<ErasurePlan> {
    let account = subject.account.as_ref()?;
    let names = account
        .profile_name
        .iter()
        .chain(std::iter::once(&account.display_name))
        .chain(subject.persons.iter().filter_map(|p| p.name.as_ref()))
        .map(String::as_str);
    let phones = account
        .phone
        .iter()
        .chain(subject.persons.iter().filter_map(|p| p.phone.as_ref()))
        .map(String::as_str);
    let ids = account
        .wechat_openid
        .iter()
        .chain(account.wechat_unionid.iter())
        .map(String::as_str);
    let needles = needles(names, phones, ids);
    let uploads = dedup_uploads(&subject.uploads);
    Some(ErasurePlan {
        account: Some(account.account_id),
        persons: subject.persons.iter().map(|p| p.person_id).collect(),
        texts: texts(subject, &needles),
        communities: communities(subject),
        summary: serde_json::json!({
            "suggestions_kept_anonymous": subject.suggestions.len().saturating_sub(withdrawn),
            "suggestions_withdrawn": withdrawn,
            "paper_persons_erased": subject.persons.len(),
            "photos_deleted": uploads.len(),
            "exports_deleted": subject.exports.len(),
        }),
        needles,
        uploads,
        exports: subject.exports.clone(),
        action: "account.erase",
    })
}

/// The erasure of paper-form persons at staff's request; `None` when nobody matched.
pub fn plan_persons(subject: &ErasureSubject, withdrawn: usize) -> Option<ErasurePlan> {
    if subject.persons.is_empty() {
        return None;
    }
    let names = subject.persons.iter().filter_map(|p| p.name.as_deref());
    let phones = subject.persons.iter().filter_map(|p| p.phone.as_deref());
    let needles = needles(names, phones, std::iter::empty());
    let uploads = dedup_uploads(&subject.uploads);
    Some(ErasurePlan {
        account: None,
        persons: subject.persons.iter().map(|p| p.person_id).collect(),
        texts: texts(subject, &needles),
        communities: communities(subject),
        summary: serde_json::json!({
            "paper_persons_erased": subject.persons.len(),
            "suggestions_kept_anonymous": subject.suggestions.len().saturating_sub(withdrawn),
            "suggestions_withdrawn": withdrawn,
            "photos_deleted": uploads.len(),
        }),
        needles,
        uploads,
        exports: Vec::new(),
        action: "person.erase",
    })
}

/// The blob key of a stored upload (`ab/cd/<sha256>.<ext>`, see `media::storage`).
pub fn blob_key(u: &UploadRef) -> Option<String> {
    let kind = [ImageKind::Jpeg, ImageKind::Png, ImageKind::Webp]
        .into_iter()
        .find(|k| k.mime() == u.content_type)?;
    let h = &u.sha256;
    (h.len() == 64 && h.is_ascii())
        .then(|| format!("{}/{}/{}.{}", &h[0..2], &h[2..4], h, kind.extension()))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::domain::ids::*;
    use crate::store::{AccountSubject, PersonContact, SubjectSuggestion};
    use chrono::Utc;

    fn subject() -> ErasureSubject {
        ErasureSubject {
            account: Some(AccountSubject {
                account_id: AccountId(7),
                community_id: Some(CommunityId(1)),
                display_name: "王秀英".into(),
                profile_name: Some("王秀英".into()),
                phone: Some("13812345678".into()),
                wechat_openid: Some("o-abcdef123".into()),
                wechat_unionid: None,
            }),
            persons: vec![PersonContact {
                person_id: PersonId(3),
                community_id: CommunityId(1),
                name: Some("王阿姨".into()),
                phone: Some("13812345678".into()),
                created_at: Utc::now(),
            }],
            suggestions: vec![SubjectSuggestion {
                suggestion_id: SuggestionId(11),
                community_id: CommunityId(1),
                title: Some("王秀英反映".into()),
                body: "我是王秀英，电话138 1234 5678，3号楼电梯坏了".into(),
                place: None,
                own: true,
            }],
            uploads: vec![
                UploadRef {
                    upload_id: "u1".into(),
                    sha256: "a".repeat(64),
                    content_type: "image/png".into(),
                },
                UploadRef {
                    upload_id: "u1".into(),
                    sha256: "a".repeat(64),
                    content_type: "image/png".into(),
                },
            ],
            exports: vec!["e1".into()],
        }
    }

    #[test]
    fn an_account_erasure_removes_names_and_numbers_from_its_texts_and_keeps_the_rest() {
        let plan = plan_account(&subject(), 0).unwrap();
        assert_eq!(plan.account, Some(AccountId(7)));
        assert_eq!(plan.persons, vec![PersonId(3)]);
        let (id, title, body, place) = &plan.texts[0];
        assert_eq!(*id, SuggestionId(11));
        assert_eq!(title.as_deref(), Some("***反映"));
        assert_eq!(body, "我是***，电话***，3号楼电梯坏了");
        assert_eq!(*place, None);
        assert_eq!(plan.uploads.len(), 1, "an upload is deleted once");
        assert_eq!(plan.communities, vec![CommunityId(1)]);
        assert!(plan.needles.contains(&"王秀英".to_string()));
        assert!(plan.needles.contains(&"王阿姨".to_string()));
        assert!(plan.needles.contains(&"o-abcdef123".to_string()));
        let summary = plan.summary.to_string();
        assert!(
            !summary.contains("王") && !summary.contains("138"),
            "{summary}"
        );
    }

    #[test]
    fn placeholders_and_single_characters_are_never_needles() {
        let n = needles(
            ["居民", "王", "微信居民", " 李建国 "],
            ["12345", "022-2888-1234"],
            [],
        );
        assert_eq!(n, vec!["022-2888-1234".to_string(), "李建国".to_string()]);
    }

    #[test]
    fn longer_needles_come_first_so_a_full_name_goes_whole() {
        let n = needles(["秀英", "王秀英"], [], []);
        assert_eq!(scrub("王秀英和秀英", &n), "***和***");
        assert_eq!(n[0], "王秀英");
    }

    #[test]
    fn a_person_erasure_needs_a_person() {
        assert!(plan_persons(&ErasureSubject::default(), 0).is_none());
        let mut s = subject();
        s.account = None;
        let plan = plan_persons(&s, 1).unwrap();
        assert_eq!(plan.account, None);
        assert_eq!(plan.action, "person.erase");
        assert_eq!(plan.summary["suggestions_withdrawn"], 1);
        assert_eq!(plan.summary["suggestions_kept_anonymous"], 0);
    }

    #[test]
    fn blob_keys_follow_the_storage_layout() {
        let u = UploadRef {
            upload_id: "x".into(),
            sha256: format!("abcd{}", "0".repeat(60)),
            content_type: "image/jpeg".into(),
        };
        assert_eq!(
            blob_key(&u).unwrap(),
            format!("ab/cd/abcd{}.jpg", "0".repeat(60))
        );
        let odd = UploadRef {
            content_type: "text/html".into(),
            ..u
        };
        assert_eq!(blob_key(&odd), None);
    }
}
