-- SMS login codes for the residents' mobile web version. Neither the phone nor the code is
-- stored: `phone_key` and `code_hash` are peppered SHA-256 hashes (see src/auth/sms.rs).
create table sms_code (
    sms_code_id integer primary key autoincrement,
    phone_key text not null,
    code_hash text not null,
    attempts integer not null default 0,
    created_at text not null,
    expires_at text not null,
    used_at text
);
create index sms_code_by_phone on sms_code (phone_key, created_at);

-- Volunteer assist mode: a suggestion entered for a resident (no account of their own) is
-- idempotent per volunteer and client id, as residents' own posts are per author.
create unique index suggestion_assist_key on suggestion (entered_by_account_id, client_id)
    where author_account_id is null and paper_batch_id is null;
