-- A community's own synonyms for the grouping engine (issue 13): residents of this community
-- write `surface` for `canonical` (升降机 for 电梯). Workers' corrections propose them; a worker
-- accepts (the engine rewrites the community's texts before grouping) or rejects them (never
-- proposed again). Words only, chosen by a worker: no personal data.
create table grouping_synonym (
    synonym_id bigint generated always as identity primary key,
    community_id bigint not null references community (community_id),
    surface text not null,
    canonical text not null,
    accepted boolean not null,
    -- Corrected suggestions behind it when it was decided (0: typed in by a worker).
    evidence integer not null,
    actor_account_id bigint references account (account_id),
    created_at timestamptz not null,
    unique (community_id, surface)
);
