-- Community projects and 公益创投 (issue 17): community social organisations, funding rounds
-- with phases, project applications linked to hall topics, reviews, awards, milestones,
-- activities, spending against budget lines, supervision visits and evaluation. Money in fen.
--
-- SQLite cannot change a check constraint, so the account table is rebuilt to admit the roles
-- that serve projects only (SQLite's documented twelve-step procedure; the store runs its
-- migrations with foreign keys off and checks every reference afterwards).
create table account_new (
    account_id integer primary key autoincrement,
    role text not null check (role in
        ('resident', 'volunteer', 'worker', 'admin', 'reviewer', 'supervisor', 'org_lead')),
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
    home_street_id bigint references street (street_id),
    home_district_id bigint references district (district_id),
    profile_name text,
    building_id bigint references building (building_id),
    erased_at text,
    constraint account_username_key unique (username),
    constraint account_openid_key unique (wechat_openid),
    constraint account_phone_key unique (phone)
);
insert into account_new (account_id, role, username, password_hash, display_name, wechat_openid,
        wechat_unionid, phone, community_id, admin_district_id, admin_street_id, disabled_at,
        created_at, updated_at, home_street_id, home_district_id, profile_name, building_id,
        erased_at)
    select account_id, role, username, password_hash, display_name, wechat_openid,
        wechat_unionid, phone, community_id, admin_district_id, admin_street_id, disabled_at,
        created_at, updated_at, home_street_id, home_district_id, profile_name, building_id,
        erased_at
    from account;
drop table account;
alter table account_new rename to account;
create index account_by_phone_created on account (created_at) where phone is not null;

-- 社区社会组织: the registry of a community.
create table organisation (
    organisation_id integer primary key autoincrement,
    community_id bigint not null references community (community_id),
    name text not null,
    kind text not null check (kind in ('service', 'public_interest', 'mutual_aid')),
    stage text not null check (stage in ('budding', 'developing', 'mature')),
    lead_name text not null,
    -- Personal data: masked in every answer but the organisation's own page for staff.
    lead_phone text,
    lead_account_id bigint references account (account_id),
    members_count integer not null default 0 check (members_count >= 0),
    volunteers_count integer not null default 0 check (volunteers_count >= 0),
    notes text,
    created_at text not null,
    updated_at text not null,
    version integer not null default 1,
    constraint organisation_name_key unique (community_id, name)
);
create index organisation_by_lead on organisation (lead_account_id) where lead_account_id is not null;

-- 公益创投 rounds: a district's (street_id null) or a street's.
create table funding_round (
    round_id integer primary key autoincrement,
    district_id bigint not null references district (district_id),
    street_id bigint references street (street_id),
    name text not null,
    phase text not null default 'apply' check (phase in
        ('apply', 'review', 'announce', 'implement', 'midterm', 'evaluate', 'published')),
    -- The review criteria: JSON [{key, label_zh, label_en, max}].
    criteria text not null,
    created_by_account_id bigint not null references account (account_id),
    created_at text not null,
    updated_at text not null,
    version integer not null default 1
);
-- Where a round's pool comes from (区财政按比例匹配, a foundation, the street…).
create table round_source (
    round_id bigint not null references funding_round (round_id),
    position integer not null,
    name text not null,
    amount_fen bigint not null check (amount_fen >= 0),
    primary key (round_id, position)
);
-- The planned dates of each phase.
create table round_phase (
    round_id bigint not null references funding_round (round_id),
    phase text not null,
    starts_on text not null,
    ends_on text not null,
    primary key (round_id, phase)
);
create table round_reviewer (
    round_id bigint not null references funding_round (round_id),
    account_id bigint not null references account (account_id),
    primary key (round_id, account_id)
);

-- A project application (项目书) and, once approved, the project.
create table project (
    project_id integer primary key autoincrement,
    round_id bigint not null references funding_round (round_id),
    community_id bigint not null references community (community_id),
    organisation_id bigint not null references organisation (organisation_id),
    title text not null,
    need text not null,
    goals text not null,
    plan text not null,
    beneficiaries_target integer not null check (beneficiaries_target >= 0),
    starts_on text not null,
    ends_on text not null,
    lead_worker_account_id bigint references account (account_id),
    volunteers_planned integer not null default 0 check (volunteers_planned >= 0),
    status text not null default 'submitted' check (status in
        ('submitted', 'approved', 'rejected', 'withdrawn')),
    awarded_fen bigint check (awarded_fen >= 0),
    decision_reason text,
    decided_by_account_id bigint references account (account_id),
    decided_at text,
    created_by_account_id bigint not null references account (account_id),
    created_at text not null,
    updated_at text not null,
    version integer not null default 1
);
create index project_by_round on project (round_id, project_id);
create index project_by_community on project (community_id, project_id);
-- The hall's topics (and through them the residents' suggestions) a project answers.
create table project_topic (
    project_id bigint not null references project (project_id),
    topic_id bigint not null references topic (topic_id),
    primary key (project_id, topic_id)
);
create index project_topic_by_topic on project_topic (topic_id);
create table budget_line (
    line_id integer primary key autoincrement,
    project_id bigint not null references project (project_id),
    position integer not null,
    category text not null check (category in
        ('personnel', 'materials', 'venue', 'publicity', 'services', 'other')),
    description text not null,
    amount_fen bigint not null check (amount_fen >= 0)
);
create index budget_line_by_project on budget_line (project_id, position);
-- A reviewer's scores ({criterion: points} as JSON) on one application.
create table project_review (
    project_id bigint not null references project (project_id),
    reviewer_account_id bigint not null references account (account_id),
    scores text not null,
    total integer not null,
    comment text,
    -- A declared conflict of interest: the review is kept but not counted.
    conflict integer not null default 0,
    updated_at text not null,
    primary key (project_id, reviewer_account_id)
);
create table project_supervisor (
    project_id bigint not null references project (project_id),
    account_id bigint not null references account (account_id),
    primary key (project_id, account_id)
);
create index project_supervisor_by_account on project_supervisor (account_id);
create table milestone (
    milestone_id integer primary key autoincrement,
    project_id bigint not null references project (project_id),
    title text not null,
    due_on text not null,
    done_at text,
    done_note text,
    created_at text not null
);
create index milestone_by_project on milestone (project_id, due_on);
create table project_activity (
    activity_id integer primary key autoincrement,
    project_id bigint not null references project (project_id),
    held_on text not null,
    place text not null,
    summary text not null,
    participants integer not null check (participants >= 0),
    beneficiaries integer not null check (beneficiaries >= 0),
    -- Volunteer hours in tenths of an hour (2.5 h is 25).
    volunteer_tenths integer not null check (volunteer_tenths >= 0),
    -- Photos: upload ids as JSON.
    photos text not null default '[]',
    created_by_account_id bigint not null references account (account_id),
    created_at text not null
);
create index project_activity_by_project on project_activity (project_id, held_on);
-- Spending against a budget line. Spending that would take a line over its amount waits for
-- an approval with a reason and counts only once approved.
create table project_spending (
    spending_id integer primary key autoincrement,
    project_id bigint not null references project (project_id),
    line_id bigint not null references budget_line (line_id),
    amount_fen bigint not null check (amount_fen > 0),
    spent_on text not null,
    note text not null,
    receipt_upload_id text references upload (upload_id),
    state text not null check (state in ('recorded', 'pending', 'approved', 'refused')),
    approved_by_account_id bigint references account (account_id),
    approval_reason text,
    created_by_account_id bigint not null references account (account_id),
    created_at text not null
);
create index project_spending_by_project on project_spending (project_id, spending_id);
-- 督导: a supervisor's one-to-one visit; the follow-up is answered by the project's lead.
create table supervision_visit (
    visit_id integer primary key autoincrement,
    project_id bigint not null references project (project_id),
    supervisor_account_id bigint not null references account (account_id),
    visited_on text not null,
    stage text not null check (stage in ('start', 'midterm', 'closing')),
    findings text not null,
    recommendations text not null,
    follow_up text,
    response text,
    responded_by_account_id bigint references account (account_id),
    responded_at text,
    created_at text not null
);
create index supervision_visit_by_project on supervision_visit (project_id, visited_on);
-- 结项评估 in three parts, each scored 0–100.
create table project_evaluation (
    project_id bigint primary key references project (project_id),
    finance_score integer not null check (finance_score between 0 and 100),
    finance_notes text not null,
    operation_score integer not null check (operation_score between 0 and 100),
    operation_notes text not null,
    results_score integer not null check (results_score between 0 and 100),
    results_notes text not null,
    grade text not null check (grade in ('excellent', 'good', 'pass', 'fail')),
    evaluated_by_account_id bigint not null references account (account_id),
    evaluated_at text not null
);
-- Residents taking part in or volunteering for a project, and rating its result.
create table project_signup (
    project_id bigint not null references project (project_id),
    account_id bigint not null references account (account_id),
    kind text not null check (kind in ('participant', 'volunteer')),
    created_at text not null,
    primary key (project_id, account_id, kind)
);
create table project_rating (
    project_id bigint not null references project (project_id),
    account_id bigint not null references account (account_id),
    stars integer not null check (stars between 1 and 5),
    comment text,
    created_at text not null,
    primary key (project_id, account_id)
);
