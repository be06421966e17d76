//! The access log's vocabulary: why staff saw unmasked personal data, and which fields.
use crate::domain::ids::{AccountId, CommunityId, PersonId};
use crate::store::NewAccess;
use chrono::Utc;

/// Why a staff member saw a resident's unmasked phone number or name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// 电话回访: calling a paper-form resident back about their topic.
    Callback,
    /// 纸质表单更正: checking or correcting what was typed from a paper form.
    PaperCorrection,
}

impl Purpose {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Callback => "callback",
            Self::PaperCorrection => "paper_correction",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "callback" => Some(Self::Callback),
            "paper_correction" => Some(Self::PaperCorrection),
            _ => None,
        }
    }
    pub fn label_zh(self) -> &'static str {
        match self {
            Self::Callback => "电话回访",
            Self::PaperCorrection => "纸质表单核对更正",
        }
    }
    pub fn label_en(self) -> &'static str {
        match self {
            Self::Callback => "call-back",
            Self::PaperCorrection => "paper form check or correction",
        }
    }
}

/// The fields shown unmasked, as stored (`name`, `phone`, `name,phone`); `None` when neither.
pub fn fields(name: bool, phone: bool) -> Option<&'static str> {
    match (name, phone) {
        (true, true) => Some("name,phone"),
        (true, false) => Some("name"),
        (false, true) => Some("phone"),
        (false, false) => None,
    }
}

/// `name,phone` → `姓名、电话`.
pub fn fields_label_zh(fields: &str) -> String {
    fields
        .split(',')
        .map(|f| match f {
            "name" => "姓名",
            "phone" => "电话",
            _ => "其他",
        })
        .collect::<Vec<_>>()
        .join("、")
}

/// One access to a paper-form person's contact data, now.
pub fn person_access(
    staff: AccountId,
    community: CommunityId,
    person: PersonId,
    fields: &'static str,
    purpose: Purpose,
    reason: Option<String>,
    request_id: Option<String>,
) -> NewAccess {
    NewAccess {
        at: Utc::now(),
        staff,
        community,
        subject_account: None,
        subject_person: Some(person),
        fields,
        purpose: purpose.as_str(),
        reason,
        request_id,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn purposes_round_trip_and_have_labels() {
        for p in [Purpose::Callback, Purpose::PaperCorrection] {
            assert_eq!(Purpose::parse(p.as_str()), Some(p));
            assert!(!p.label_zh().is_empty() && !p.label_en().is_empty());
        }
        assert_eq!(Purpose::parse("curiosity"), None);
    }

    #[test]
    fn fields_are_named_in_chinese() {
        assert_eq!(fields(true, true), Some("name,phone"));
        assert_eq!(fields(false, false), None);
        assert_eq!(fields_label_zh("name,phone"), "姓名、电话");
        assert_eq!(fields_label_zh("phone"), "电话");
    }
}
