-- What workers' corrections taught the grouping engine about a community (issue 13): two
-- suggestions belong together (a merge, a move into a topic) or apart (a split, a move out of
-- a topic, an undone merge). Written in the correction's transaction; the engine reloads them
-- whenever it rebuilds a community, so they survive restarts. Only ids: no personal data.
create table grouping_lesson (
    lesson_id integer primary key autoincrement,
    community_id bigint not null references community (community_id),
    suggestion_id bigint not null references suggestion (suggestion_id),
    other_suggestion_id bigint not null references suggestion (suggestion_id),
    together integer not null,
    -- The correction that taught it: merge, unmerge, split or move.
    source text not null check (source in ('merge', 'unmerge', 'split', 'move')),
    actor_account_id bigint references account (account_id),
    created_at text not null
);
create index grouping_lesson_by_community on grouping_lesson (community_id, lesson_id);
