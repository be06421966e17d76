//! Who may see and do what in community projects. Hall staff act in their communities' projects;
//! an admin funds the rounds of their area; a reviewer sees the applications of the rounds
//! they review; a supervisor the projects assigned to them; an organisation's lead their
//! organisation's projects. Anything outside the caller's scope is 404, as in the hall.
use crate::auth::caller::Caller;
use crate::domain::ids::{AccountId, CommunityId, DistrictId, ProjectId, RoundId};
use crate::domain::role::Role;
use crate::error::{ApiError, ApiResult};
use crate::projects::codes::ProjectStatus;
use crate::state::AppState;
use crate::store::{AdminArea, ProjectRow, RoundRow};

/// A staff member as projects show them: the name only, never a contact.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct StaffName {
    pub account_id: AccountId,
    pub display_name: String,
}

/// The names of these accounts, in their order (an account gone is left out).
pub async fn staff_names(state: &AppState, ids: &[AccountId]) -> ApiResult<Vec<StaffName>> {
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        if let Some(a) = state.store.account(*id).await? {
            out.push(StaffName {
                account_id: a.account_id,
                display_name: a.display_name,
            });
        }
    }
    Ok(out)
}

/// What the caller may do with one project.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct Rights {
    /// Edit the application, record milestones, activities and spending, answer supervisors.
    pub run: bool,
    /// Score it (a reviewer of its round).
    pub review: bool,
    /// Award or reject it, approve overspending, assign supervisors, evaluate it.
    pub fund: bool,
    /// Record supervision visits (an assigned supervisor).
    pub supervise: bool,
}

/// The districts a caller's scope lies in.
async fn districts(state: &AppState, caller: &Caller) -> ApiResult<Vec<DistrictId>> {
    let mut out = Vec::new();
    if let Some(area) = caller.admin_area {
        out.push(match area {
            AdminArea::District(d) => d,
            AdminArea::Street(s) => match state.store.street(s).await? {
                Some(st) => st.district_id,
                None => return Ok(out),
            },
        });
    }
    for c in communities_of(state, caller).await? {
        if let Some(row) = state.store.community(c).await? {
            if !out.contains(&row.district_id) {
                out.push(row.district_id);
            }
        }
    }
    Ok(out)
}

/// The communities whose projects a caller runs: staff's own, an organisation lead's
/// organisations'.
pub async fn communities_of(state: &AppState, caller: &Caller) -> ApiResult<Vec<CommunityId>> {
    if caller.role == Role::OrgLead {
        let mut out: Vec<CommunityId> = Vec::new();
        for o in state.store.organisations_led_by(caller.account_id).await? {
            if !out.contains(&o.community_id) {
                out.push(o.community_id);
            }
        }
        return Ok(out);
    }
    Ok(caller.communities.clone())
}

/// Whether an admin funds `round`: a district admin every round of the district, a street
/// admin the rounds of their street.
pub fn funds(caller: &Caller, round: &RoundRow) -> bool {
    caller.role == Role::Admin
        && match caller.admin_area {
            Some(AdminArea::District(d)) => round.district_id == d,
            Some(AdminArea::Street(s)) => round.street_id == Some(s),
            None => false,
        }
}

/// Whether `round` covers `community` (a district round all of its district's communities, a
/// street round its street's).
pub async fn covers(state: &AppState, round: &RoundRow, community: CommunityId) -> ApiResult<bool> {
    let Some(c) = state.store.community(community).await? else {
        return Ok(false);
    };
    Ok(c.district_id == round.district_id && round.street_id.is_none_or(|s| s == c.street_id))
}

/// The rounds the caller may see, newest first.
pub async fn visible_rounds(state: &AppState, caller: &Caller) -> ApiResult<Vec<RoundRow>> {
    let mut out = Vec::new();
    match caller.role {
        Role::Reviewer => {
            for id in state.store.rounds_reviewed_by(caller.account_id).await? {
                out.extend(state.store.round(id).await?);
            }
        }
        Role::Supervisor => {
            for id in state
                .store
                .projects_supervised_by(caller.account_id)
                .await?
            {
                if let Some(p) = state.store.project(id).await? {
                    if !out.iter().any(|r: &RoundRow| r.round_id == p.round_id) {
                        out.extend(state.store.round(p.round_id).await?);
                    }
                }
            }
        }
        _ => {
            for d in districts(state, caller).await? {
                for r in state.store.rounds_of_district(d).await? {
                    if round_visible(state, caller, &r).await? {
                        out.push(r);
                    }
                }
            }
        }
    }
    out.sort_by_key(|r| std::cmp::Reverse(r.round_id));
    Ok(out)
}

async fn round_visible(state: &AppState, caller: &Caller, r: &RoundRow) -> ApiResult<bool> {
    if funds(caller, r) {
        return Ok(true);
    }
    match caller.role {
        Role::Reviewer => Ok(state
            .store
            .round_reviewers(r.round_id)
            .await?
            .contains(&caller.account_id)),
        Role::Supervisor => {
            for id in state
                .store
                .projects_supervised_by(caller.account_id)
                .await?
            {
                if state.store.project(id).await?.map(|p| p.round_id) == Some(r.round_id) {
                    return Ok(true);
                }
            }
            Ok(false)
        }
        _ => {
            for c in communities_of(state, caller).await? {
                if covers(state, r, c).await? {
                    return Ok(true);
                }
            }
            Ok(false)
        }
    }
}

/// The round, if the caller may see it (404 otherwise).
pub async fn visible_round(state: &AppState, caller: &Caller, id: RoundId) -> ApiResult<RoundRow> {
    let r = state
        .store
        .round(id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    if round_visible(state, caller, &r).await? {
        Ok(r)
    } else {
        Err(ApiError::not_found())
    }
}

/// A project the caller may see, its round and what the caller may do (404 otherwise).
pub async fn visible_project(
    state: &AppState,
    caller: &Caller,
    id: ProjectId,
) -> ApiResult<(ProjectRow, RoundRow, Rights)> {
    let p = state
        .store
        .project(id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let r = state
        .store
        .round(p.round_id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let rights = rights(state, caller, &p, &r).await?;
    let staff_sees = matches!(caller.role, Role::Worker | Role::Admin | Role::Volunteer)
        && caller.in_scope(p.community_id);
    if rights == Rights::default() && !staff_sees {
        return Err(ApiError::not_found());
    }
    Ok((p, r, rights))
}

async fn rights(
    state: &AppState,
    caller: &Caller,
    p: &ProjectRow,
    r: &RoundRow,
) -> ApiResult<Rights> {
    let mut out = Rights::default();
    match caller.role {
        Role::Admin => {
            out.fund = funds(caller, r);
            out.run = caller.in_scope(p.community_id);
        }
        Role::Worker => out.run = caller.in_scope(p.community_id),
        Role::OrgLead => {
            out.run = state
                .store
                .organisation(p.organisation_id)
                .await?
                .is_some_and(|o| o.lead_account_id == Some(caller.account_id));
        }
        Role::Reviewer => {
            out.review = p.status != ProjectStatus::Withdrawn
                && state
                    .store
                    .round_reviewers(r.round_id)
                    .await?
                    .contains(&caller.account_id);
        }
        Role::Supervisor => {
            out.supervise = state
                .store
                .supervisors(p.project_id)
                .await?
                .contains(&caller.account_id);
        }
        Role::Volunteer | Role::Resident => {}
    }
    Ok(out)
}

/// 403 unless `allowed`.
pub fn require(allowed: bool) -> ApiResult<()> {
    if allowed {
        Ok(())
    } else {
        Err(ApiError::forbidden())
    }
}

/// 409 naming the phase a kind of work needs.
pub fn wrong_phase() -> ApiError {
    crate::routes::hall::invalid("phase_closed")
}
