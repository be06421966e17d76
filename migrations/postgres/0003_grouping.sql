-- Grouping: a community's epoch changes when membership changes other than by appending
-- (a withdrawal, a correction), so workers rebuild their engine instead of catching up.
alter table community add column group_epoch bigint not null default 0;
-- A worker's title is never overwritten by the algorithm's label.
alter table topic add column title_locked boolean not null default false;
