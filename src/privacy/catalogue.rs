//! Where each piece of residents' personal data lives, and how it is exported, erased and
//! retained. The API tests check every `(table, column)` named here against both schemas, so
//! this table cannot silently drift from the store.

pub struct PersonalField {
    pub field: &'static str,
    /// `(table, column)` pairs; `data_dir/…` for files.
    pub lives_in: &'static [(&'static str, &'static str)],
    pub export: &'static str,
    pub erase: &'static str,
    pub retention: &'static str,
}

pub const CATALOGUE: &[PersonalField] = &[
    PersonalField {
        field: "phone (account)",
        lives_in: &[("account", "phone")],
        export: "account.phone",
        erase: "set to null; also replaced by *** in the community's texts and audit records",
        retention: "privacy.inactive_account_days without login, refresh or post",
    },
    PersonalField {
        field: "WeChat openid / unionid",
        lives_in: &[("account", "wechat_openid"), ("account", "wechat_unionid")],
        export: "account.wechat_openid, account.wechat_unionid",
        erase: "set to null",
        retention: "with the account",
    },
    PersonalField {
        field: "name or nickname (profile)",
        lives_in: &[("account", "profile_name"), ("account", "display_name")],
        export: "account.name, account.display_name",
        erase: "profile_name null, display_name 已注销居民; the name replaced by *** in the community's texts",
        retention: "with the account",
    },
    PersonalField {
        field: "building (profile)",
        lives_in: &[("account", "building_id")],
        export: "account.building",
        erase: "set to null",
        retention: "with the account",
    },
    PersonalField {
        field: "name and phone on a paper form or assisted post",
        lives_in: &[("person", "name"), ("person", "phone")],
        export: "paper_forms[].name_on_form / phone_on_form (linked by the account's phone)",
        erase: "set to null (account erasure, or staff erasure with who and why); pending call-backs dropped",
        retention: "privacy.paper_contact_days after the person's last suggestion or call-back",
    },
    PersonalField {
        field: "suggestion texts",
        lives_in: &[("suggestion", "title"), ("suggestion", "body"), ("suggestion", "place")],
        export: "suggestions[], paper_forms[]",
        erase: "kept as anonymous voices: phone-like numbers, the name and phone replaced by ***, \
                name hidden, client key removed; withdrawn first if the resident asks",
        retention: "kept (the community's deliberation record), anonymous after erasure",
    },
    PersonalField {
        field: "photos",
        lives_in: &[("upload", "sha256"), ("suggestion_photo", "upload_id"), ("data_dir/uploads", "*")],
        export: "photos/ in the archive, photos[] in the document",
        erase: "rows deleted; the file deleted when no other upload shares its bytes",
        retention: "residents' photos no live suggestion shows: privacy.unpublished_photo_days",
    },
    PersonalField {
        field: "supports",
        lives_in: &[("support", "account_id")],
        export: "supports[]",
        erase: "kept on the tombstone account (counts stay true, nobody is named)",
        retention: "kept",
    },
    PersonalField {
        field: "satisfaction answers and comments",
        lives_in: &[("satisfaction", "answer"), ("satisfaction", "comment")],
        export: "satisfaction[]",
        erase: "answer kept on the tombstone account, comment deleted",
        retention: "kept",
    },
    PersonalField {
        field: "notices and subscribe grants",
        lives_in: &[("notification", "account_id"), ("subscribe_grant", "account_id")],
        export: "notifications[], subscriptions[]",
        erase: "deleted",
        retention: "kept while the account exists",
    },
    PersonalField {
        field: "logins",
        lives_in: &[("session", "account_id"), ("refresh_token", "session_id"), ("idempotency", "account_id")],
        export: "logins[]",
        erase: "deleted (sessions revoked at once)",
        retention: "kept while the account exists",
    },
    PersonalField {
        field: "SMS login codes",
        lives_in: &[("sms_code", "phone_key")],
        export: "not exported: a peppered hash, not the phone",
        erase: "deleted by retention",
        retention: "privacy.sms_code_days",
    },
    PersonalField {
        field: "consents",
        lives_in: &[("privacy_consent", "notice_version"), ("suggestion", "consent_by_resident")],
        export: "consents[], paper_forms[].consent",
        erase: "the resident's acceptances deleted; assist consents stay with their (anonymous) suggestion",
        retention: "kept while the account exists",
    },
    PersonalField {
        field: "staff access to unmasked data",
        lives_in: &[("access_log", "subject_account_id"), ("access_log", "subject_person_id")],
        export: "access_log[]",
        erase: "kept (staff accountability); holds no personal data once the subject is erased",
        retention: "kept",
    },
    PersonalField {
        field: "exports",
        lives_in: &[("data_export", "account_id"), ("data_dir/exports", "*")],
        export: "-",
        erase: "row and file deleted",
        retention: "privacy.export_ttl_hours",
    },
    PersonalField {
        field: "names or phones written in other records",
        lives_in: &[
            ("topic", "title"),
            ("topic", "summary"),
            ("topic", "keywords"),
            ("timeline_entry", "body"),
            ("meeting", "attendance_names"),
            ("meeting", "minutes"),
            ("audit_log", "before_json"),
            ("audit_log", "after_json"),
        ],
        export: "the topics' timelines in topics[]",
        erase: "the exact name and phone replaced by *** in the community's records",
        retention: "-",
    },
];

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn every_entry_says_where_and_how() {
        for f in CATALOGUE {
            assert!(!f.lives_in.is_empty(), "{}", f.field);
            assert!(!f.export.is_empty() && !f.erase.is_empty() && !f.retention.is_empty());
        }
    }
}
