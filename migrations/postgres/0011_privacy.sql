-- Residents' data rights (PIPL) and their profile.
--
-- The profile: a name or nickname the resident chose (shown in full where they allowed it,
-- "愿意公开我的姓名"; masked otherwise) and their building. An erased account stays as a
-- tombstone without personal data, so supports, answers and counts remain true.
alter table account add column profile_name text;
alter table account add column building_id bigint references building (building_id);
alter table account add column erased_at timestamptz;

-- Consents: the privacy notice version a resident accepted and when (`account`), and the
-- consent a volunteer recorded when entering a suggestion for a resident (`assist`), which
-- stays linked to that suggestion whatever version is current later.
create table privacy_consent (
    consent_id bigint generated always as identity primary key,
    kind text not null check (kind in ('account', 'assist')),
    account_id bigint references account (account_id),
    suggestion_id bigint references suggestion (suggestion_id),
    notice_version text not null,
    recorded_by_account_id bigint references account (account_id),
    accepted_at timestamptz not null
);
create index privacy_consent_by_account on privacy_consent (account_id, consent_id);
create unique index privacy_consent_by_suggestion on privacy_consent (suggestion_id)
    where suggestion_id is not null;

-- Every time staff see an unmasked phone number or name: who, when, whose, which fields, why.
create table access_log (
    access_id bigint generated always as identity primary key,
    at timestamptz not null,
    staff_account_id bigint not null references account (account_id),
    community_id bigint not null references community (community_id),
    subject_account_id bigint references account (account_id),
    subject_person_id bigint references person (person_id),
    -- Comma-separated: `name`, `phone`.
    fields text not null,
    purpose text not null check (purpose in ('callback', 'paper_correction')),
    reason text,
    request_id text
);
create index access_log_by_community on access_log (community_id, access_id);
create index access_log_by_person on access_log (subject_person_id) where subject_person_id is not null;
create index access_log_by_account on access_log (subject_account_id) where subject_account_id is not null;

-- Exports prepared in the background (large ones); the archive is a file under
-- `data_dir/exports/`, removed when it expires or when the account is erased.
create table data_export (
    export_id text primary key,
    account_id bigint not null references account (account_id),
    state text not null check (state in ('pending', 'ready', 'failed')),
    byte_size bigint,
    created_at timestamptz not null,
    claimed_until timestamptz,
    ready_at timestamptz,
    expires_at timestamptz not null
);
create index data_export_by_account on data_export (account_id, created_at);
create index data_export_by_state on data_export (state, created_at);

-- Retention looks for old rows by time.
create index person_by_created on person (created_at);
create index upload_by_created on upload (created_at);
create index sms_code_by_created on sms_code (created_at);
create index suggestion_photo_by_upload on suggestion_photo (upload_id);
create index account_by_phone_created on account (created_at) where phone is not null;
