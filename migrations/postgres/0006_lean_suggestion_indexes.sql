-- Intake speed: a new suggestion has no topic, group position or (from a phone) paper batch
-- yet, and often no building. Index those columns only where they are set, so each post writes
-- four fewer index entries. Every query on them compares a value, which implies "is not null",
-- so the partial indexes serve them as before.
drop index suggestion_by_topic;
create index suggestion_by_topic on suggestion (topic_id) where topic_id is not null;
drop index suggestion_group_seq;
create unique index suggestion_group_seq on suggestion (community_id, group_seq) where group_seq is not null;
drop index suggestion_by_building;
create index suggestion_by_building on suggestion (building_id, topic_id) where building_id is not null;
alter table suggestion drop constraint suggestion_paper_serial_key;
create unique index suggestion_paper_serial_key on suggestion (paper_batch_id, paper_serial)
    where paper_batch_id is not null;
-- A resident's own suggestions are found through the unique (author_account_id, client_id)
-- index, which leads with the author; a resident has few, so no second author index.
drop index suggestion_by_author;
-- The relay now deletes the outbox rows it has published: what is left is all unpublished,
-- and the primary key orders it. Rows published before this change are done with.
delete from outbox where published_at is not null;
drop index outbox_unpublished;
-- Posts committed together share one outbox row; it counts the suggestions it names.
alter table outbox add column suggestion_count integer not null default 1;
