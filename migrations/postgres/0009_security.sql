-- Security review (issue 12).

-- Where a worker or volunteer belongs when they serve no community any more: the narrowest
-- area (street, else district) of the communities they last served. Kept up to date on every
-- change of their communities, so the admin of that area can still manage the account.
alter table account add column home_street_id bigint references street (street_id);
alter table account add column home_district_id bigint references district (district_id);

update account set
    home_street_id = (
        select case when count(distinct c.street_id) = 1 then min(c.street_id) end
        from account_community ac join community c on c.community_id = ac.community_id
        where ac.account_id = account.account_id),
    home_district_id = (
        select case when count(distinct s.district_id) = 1 then min(s.district_id) end
        from account_community ac join community c on c.community_id = ac.community_id
        join street s on s.street_id = c.street_id
        where ac.account_id = account.account_id)
where role in ('worker', 'volunteer')
    and exists (select 1 from account_community ac where ac.account_id = account.account_id);

-- Staff who already lost their last community: the community of their latest audit record.
update account set home_street_id = (
        select c.street_id from audit_log al join community c on c.community_id = al.community_id
        where al.entity_type = 'account' and al.entity_id = cast(account.account_id as text)
        order by al.audit_id desc limit 1)
where role in ('worker', 'volunteer')
    and not exists (select 1 from account_community ac where ac.account_id = account.account_id);
update account set home_district_id = (
        select s.district_id from street s where s.street_id = account.home_street_id)
where home_street_id is not null and home_district_id is null;

-- An admin's scope is their district or street, never a community membership: bootstrap used
-- to add the district admin to its first community, which made it look like that community's
-- staff to the street's admin.
delete from account_community where account_id in (
    select account_id from account
    where role = 'admin' and (admin_district_id is not null or admin_street_id is not null));

-- Failed logins per client address, across login names (login_throttle is per name).
create table login_ip_throttle (
    client_ip text primary key,
    failures bigint not null,
    locked_until timestamptz,
    updated_at timestamptz not null
);

-- Upload quotas count an account's recent uploads.
create index upload_by_account on upload (account_id, created_at);
