-- Intake: idempotent suggestions, the relay's leases on outbox rows, grouping order.
alter table suggestion add column request_hash text;
alter table suggestion add column consent_by_resident integer not null default 0;
-- Position in the community's grouping order, so every worker replays the same history.
alter table suggestion add column group_seq integer;
create unique index suggestion_group_seq on suggestion (community_id, group_seq);
alter table community add column group_seq integer not null default 0;

alter table outbox add column claimed_until text;

-- Person records are unique per community by name + phone when a phone is given.
create index person_by_phone on person (community_id, phone);

alter table paper_batch add column import_count integer not null default 0;
