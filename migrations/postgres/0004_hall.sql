-- Deliberation hall: deadlines, reopening, merges that can be undone, satisfaction, meeting
-- action items, notifications (outbox, in-app, call-backs), subscribe-message grants and the
-- per-community event log behind the dashboard's live stream.
alter table topic add column due_at timestamptz;
alter table topic add column flagged boolean not null default false;
alter table topic add column decided_at timestamptz;
alter table topic add column resolved_at timestamptz;
alter table topic add column first_suggestion_at timestamptz;
create index topic_due on topic (community_id, due_at);
create index topic_waiting on topic (community_id, status_changed_at);
create index support_by_account on support (account_id);
create index suggestion_by_building on suggestion (building_id, topic_id);

-- A merge remembers what it moved so it can be undone exactly.
create table topic_merge (
    merge_id bigint generated always as identity primary key,
    source_topic_id bigint not null references topic (topic_id),
    target_topic_id bigint not null references topic (topic_id),
    -- JSON arrays: the suggestions moved, the supporters added to the target.
    moved_suggestions text not null,
    added_supporters text not null,
    source_status text not null,
    source_status_reason text,
    actor_account_id bigint references account (account_id),
    reason text,
    created_at timestamptz not null,
    undone_at timestamptz
);
create index topic_merge_by_source on topic_merge (source_topic_id);

-- Deadlines kept or missed, one row per status a topic left (for the on-time rate).
create table topic_deadline (
    topic_id bigint not null references topic (topic_id),
    community_id bigint not null references community (community_id),
    status text not null,
    due_at timestamptz not null,
    left_at timestamptz not null,
    met boolean not null
);
create index topic_deadline_by_community on topic_deadline (community_id, left_at);

-- Residents' satisfaction with a resolved topic, one answer per person per round.
create table satisfaction (
    topic_id bigint not null references topic (topic_id),
    account_id bigint not null references account (account_id),
    round integer not null,
    answer text not null check (answer in ('satisfied', 'basically_satisfied', 'unsatisfied')),
    comment text,
    created_at timestamptz not null,
    primary key (topic_id, account_id, round)
);

create table meeting_action (
    action_id bigint generated always as identity primary key,
    meeting_id bigint not null references meeting (meeting_id),
    topic_id bigint references topic (topic_id),
    description text not null,
    owner text not null,
    due_on date,
    done boolean not null default false,
    created_at timestamptz not null,
    updated_at timestamptz not null
);
create index meeting_action_by_meeting on meeting_action (meeting_id);

-- One row per recipient of a public timeline entry: a WeChat subscribe message, an in-app
-- notice, or a call-back for volunteers (paper submitters without an account).
create table notification (
    notification_id bigint generated always as identity primary key,
    timeline_entry_id bigint not null references timeline_entry (timeline_entry_id),
    topic_id bigint not null references topic (topic_id),
    community_id bigint not null references community (community_id),
    account_id bigint references account (account_id),
    person_id bigint references person (person_id),
    channel text not null check (channel in ('wechat', 'in_app', 'callback')),
    state text not null check (state in ('pending', 'sent', 'failed', 'done')),
    attempts integer not null default 0,
    next_attempt_at timestamptz not null,
    last_error text,
    read_at timestamptz,
    done_by_account_id bigint references account (account_id),
    created_at timestamptz not null,
    sent_at timestamptz,
    unique (timeline_entry_id, account_id, person_id)
);
create index notification_due on notification (state, next_attempt_at);
create index notification_by_account on notification (account_id, notification_id);
create index notification_callbacks on notification (community_id, channel, state);

-- Subscribe-message grants: each accepted template allows one message.
create table subscribe_grant (
    account_id bigint not null references account (account_id),
    template_id text not null,
    remaining integer not null default 0,
    updated_at timestamptz not null,
    primary key (account_id, template_id)
);

-- What the dashboard's live stream replays after `Last-Event-ID`.
create table hall_event (
    event_id bigint generated always as identity primary key,
    community_id bigint not null references community (community_id),
    kind text not null,
    topic_id bigint,
    suggestion_id bigint,
    payload text not null,
    created_at timestamptz not null
);
create index hall_event_by_community on hall_event (community_id, event_id);
