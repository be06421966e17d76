-- minyi schema, PostgreSQL. Timestamps are UTC (text); ids are bigint identities.

-- Area tree: district -> street/town -> community -> building.
create table district (
    district_id integer primary key autoincrement,
    name text not null,
    created_at text not null,
    constraint district_name_key unique (name)
);
create table street (
    street_id integer primary key autoincrement,
    district_id bigint not null references district (district_id),
    name text not null,
    created_at text not null,
    constraint street_name_key unique (district_id, name)
);
create table community (
    community_id integer primary key autoincrement,
    street_id bigint not null references street (street_id),
    name text not null,
    premoderate integer not null default 0,
    created_at text not null,
    constraint community_name_key unique (street_id, name)
);
create table building (
    building_id integer primary key autoincrement,
    community_id bigint not null references community (community_id),
    name text not null,
    created_at text not null,
    constraint building_name_key unique (community_id, name)
);

-- Accounts: residents (WeChat openid or phone), volunteers, workers, admins.
create table account (
    account_id integer primary key autoincrement,
    role text not null check (role in ('resident', 'volunteer', 'worker', 'admin')),
    username text,
    password_hash text,
    display_name text not null,
    wechat_openid text,
    wechat_unionid text,
    phone text,
    -- A resident's home community.
    community_id bigint references community (community_id),
    -- An admin's scope: a whole district, or one street.
    admin_district_id bigint references district (district_id),
    admin_street_id bigint references street (street_id),
    disabled_at text,
    created_at text not null,
    updated_at text not null,
    constraint account_username_key unique (username),
    constraint account_openid_key unique (wechat_openid),
    constraint account_phone_key unique (phone)
);
-- Staff membership in the communities they serve.
create table account_community (
    account_id bigint not null references account (account_id),
    community_id bigint not null references community (community_id),
    created_at text not null,
    primary key (account_id, community_id)
);
create index account_community_by_community on account_community (community_id);

-- Failed-login throttling, keyed by the login name tried (known or not).
create table login_throttle (
    login_key text primary key,
    failures bigint not null,
    locked_until text,
    updated_at text not null
);

-- Sessions behind the short-lived JWTs; refresh tokens are stored hashed and rotated.
create table session (
    session_id text primary key,
    account_id bigint not null references account (account_id),
    created_at text not null,
    revoked_at text,
    revoked_reason text
);
create index session_by_account on session (account_id);
create table refresh_token (
    token_hash text primary key,
    session_id text not null references session (session_id),
    issued_at text not null,
    expires_at text not null,
    used_at text
);
create index refresh_token_by_session on refresh_token (session_id);

-- Every staff action and algorithmic change: who, when, what, before/after, why.
create table audit_log (
    audit_id integer primary key autoincrement,
    at text not null,
    actor_account_id bigint references account (account_id),
    actor_kind text not null,
    action text not null,
    entity_type text not null,
    entity_id text not null,
    community_id bigint references community (community_id),
    reason text,
    before_json text,
    after_json text,
    request_id text
);
create index audit_log_by_entity on audit_log (entity_type, entity_id);
create index audit_log_by_community on audit_log (community_id, at);

-- Idempotency keys: a retry returns the stored response.
create table idempotency (
    account_id bigint not null references account (account_id),
    idempotency_key text not null,
    request_hash text not null,
    response_status integer,
    response_body text,
    created_at text not null,
    primary key (account_id, idempotency_key)
);

-- Transactional outbox: written with the change, moved to the queue by the relay.
create table outbox (
    outbox_id integer primary key autoincrement,
    kind text not null,
    payload text not null,
    created_at text not null,
    published_at text,
    attempts integer not null default 0
);
create index outbox_unpublished on outbox (outbox_id) where published_at is null;

-- Paper forms: the person who wrote them (contact kept private), and the batch they came in.
create table person (
    person_id integer primary key autoincrement,
    community_id bigint not null references community (community_id),
    name text,
    phone text,
    created_at text not null
);
create table paper_batch (
    paper_batch_id integer primary key autoincrement,
    community_id bigint not null references community (community_id),
    collection_kind text not null check (collection_kind in ('suggestion_box', 'door_to_door', 'event', 'other')),
    collection_point text not null,
    collected_on text not null,
    sheet_count integer not null check (sheet_count >= 0),
    note text,
    volunteer_account_id bigint not null references account (account_id),
    status text not null default 'open' check (status in ('open', 'closed')),
    created_at text not null,
    closed_at text
);

-- Topics (议题) of a community's deliberation hall.
create table topic (
    topic_id integer primary key autoincrement,
    community_id bigint not null references community (community_id),
    title text not null,
    summary text,
    keywords text not null default '[]',
    category text,
    status text not null default 'new'
        check (status in ('new', 'accepted', 'scheduled', 'decided', 'in_progress', 'resolved', 'rejected', 'merged')),
    status_reason text,
    merged_into_topic_id bigint references topic (topic_id),
    representative_suggestion_id bigint,
    member_count integer not null default 0,
    paper_count integer not null default 0,
    supporter_count integer not null default 0,
    heat real not null default 0,
    reopened_count integer not null default 0,
    version integer not null default 1,
    created_at text not null,
    updated_at text not null,
    status_changed_at text not null,
    last_activity_at text not null
);
create index topic_inbox on topic (community_id, status, heat desc);
create index topic_recent on topic (community_id, created_at desc);

-- Suggestions (建议/意见) from phones, paper and meetings.
create table suggestion (
    suggestion_id integer primary key autoincrement,
    community_id bigint not null references community (community_id),
    client_id text,
    channel text not null check (channel in ('mini_program', 'paper', 'h5', 'hotline', 'meeting')),
    author_account_id bigint references account (account_id),
    author_person_id bigint references person (person_id),
    entered_by_account_id bigint references account (account_id),
    title text,
    body text not null,
    building_id bigint references building (building_id),
    place text,
    category text,
    show_author integer not null default 0,
    paper_batch_id bigint references paper_batch (paper_batch_id),
    paper_serial text,
    state text not null
        check (state in ('pending_review', 'queued', 'grouped', 'failed', 'withdrawn', 'rejected')),
    moderation_reason text,
    topic_id bigint references topic (topic_id),
    pinned integer not null default 0,
    attempts integer not null default 0,
    last_error text,
    created_at text not null,
    updated_at text not null,
    processed_at text,
    constraint suggestion_client_id_key unique (author_account_id, client_id),
    constraint suggestion_paper_serial_key unique (paper_batch_id, paper_serial)
);
create index suggestion_by_topic on suggestion (topic_id);
create index suggestion_by_state on suggestion (state, created_at);
create index suggestion_by_author on suggestion (author_account_id, created_at desc);
create index suggestion_by_community on suggestion (community_id, created_at desc);

create table upload (
    upload_id text primary key,
    sha256 text not null,
    content_type text not null,
    byte_size bigint not null,
    account_id bigint not null references account (account_id),
    community_id bigint references community (community_id),
    created_at text not null
);
create table suggestion_photo (
    suggestion_id bigint not null references suggestion (suggestion_id),
    upload_id text not null references upload (upload_id),
    position integer not null,
    primary key (suggestion_id, position)
);

-- Support: one per person per topic.
create table support (
    topic_id bigint not null references topic (topic_id),
    account_id bigint not null references account (account_id),
    created_at text not null,
    primary key (topic_id, account_id)
);

-- Meetings (议事会) and their agenda.
create table meeting (
    meeting_id integer primary key autoincrement,
    community_id bigint not null references community (community_id),
    title text not null,
    held_at text not null,
    place text not null,
    status text not null default 'planned' check (status in ('planned', 'held', 'cancelled')),
    attendance_count integer not null default 0,
    attendance_names text,
    minutes text,
    created_by_account_id bigint not null references account (account_id),
    created_at text not null,
    updated_at text not null,
    version integer not null default 1
);
create table meeting_topic (
    meeting_id bigint not null references meeting (meeting_id),
    topic_id bigint not null references topic (topic_id),
    position integer not null,
    decision text,
    decision_mode text check (decision_mode in ('consensus', 'vote')),
    votes_for integer,
    votes_against integer,
    votes_abstain integer,
    primary key (meeting_id, topic_id)
);
create index meeting_topic_by_topic on meeting_topic (topic_id);

-- Timeline: public events of a topic, shown to residents and notified to authors/supporters.
create table timeline_entry (
    timeline_entry_id integer primary key autoincrement,
    topic_id bigint not null references topic (topic_id),
    kind text not null,
    body text not null,
    public integer not null default 1,
    actor_account_id bigint references account (account_id),
    meeting_id bigint references meeting (meeting_id),
    created_at text not null
);
create index timeline_by_topic on timeline_entry (topic_id, created_at);
