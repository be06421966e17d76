-- What people hit on first use (issue 16).

-- Joining a community goes through its QR code: the code is signed over the community and this
-- epoch, so raising the epoch (a new poster) voids every code printed before.
alter table community add column join_epoch bigint not null default 1;

-- Residents see a suggestion's photo only once a worker has published it.
alter table suggestion_photo add column public boolean not null default false;

-- Moderation word lists kept by admins, one per community and one per district, on top of the
-- configured list (`intake.sensitive_words`).
create table moderation_word_list (
    scope text not null check (scope in ('community', 'district')),
    scope_id bigint not null,
    -- JSON array of words.
    words text not null default '[]',
    version integer not null default 1,
    updated_at timestamptz not null,
    updated_by_account_id bigint references account (account_id),
    primary key (scope, scope_id)
);
