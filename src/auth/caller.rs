//! Extractors that carry identity and scope: a handler that takes `Admin` cannot run for a
//! resident, and `Caller::community` answers 404 for a community outside the caller's scope.
pub use super::identity::Caller;
use crate::domain::ids::CommunityId;
use crate::domain::role::Role;
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::parse_role;
use actix_web::{dev::Payload, http::header, web, FromRequest, HttpRequest};
use std::future::Future;
use std::pin::Pin;

fn bearer(req: &HttpRequest) -> Option<&str> {
    req.headers()
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
}

async fn load(req: HttpRequest) -> Result<Caller, ApiError> {
    let state = req
        .app_data::<web::Data<AppState>>()
        .ok_or_else(|| anyhow::anyhow!("app state missing"))?;
    let token = bearer(&req).ok_or_else(ApiError::unauthorized)?;
    let claims = state
        .jwt
        .verify(token)
        .ok_or_else(ApiError::invalid_token)?;
    let account_id = claims.account_id().ok_or_else(ApiError::invalid_token)?;
    if let Some(c) = state
        .sessions
        .get(&claims.sid)
        .filter(|c| c.account_id == account_id)
    {
        return Ok(c);
    }
    // The session table makes logins revocable before the token expires.
    let account = state
        .store
        .session_account(&claims.sid)
        .await?
        .filter(|a| a.account_id == account_id)
        .ok_or_else(ApiError::invalid_token)?;
    let role = parse_role(&account.role)?;
    let admin_area = account.admin_area();
    let communities = scope_of(state, &account, role).await?;
    let caller = Caller {
        account_id,
        role,
        session_id: claims.sid,
        communities,
        admin_area,
    };
    state.sessions.put(&caller);
    Ok(caller)
}

/// The communities an account may act in, from the store (never from a stale token).
pub async fn scope_of(
    state: &AppState,
    account: &crate::store::AccountRow,
    role: Role,
) -> Result<Vec<CommunityId>, ApiError> {
    Ok(match role {
        Role::Resident => account.community_id.into_iter().collect(),
        Role::Admin => match account.admin_area() {
            Some(area) => state
                .store
                .communities_in(area)
                .await?
                .into_iter()
                .map(|c| c.community_id)
                .collect(),
            None => state.store.account_communities(account.account_id).await?,
        },
        Role::Worker | Role::Volunteer => {
            state.store.account_communities(account.account_id).await?
        }
    })
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;
    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        Box::pin(load(req.clone()))
    }
}

macro_rules! role_extractor {
    ($(#[$doc:meta])* $name:ident, $allowed:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone)]
        pub struct $name(pub Caller);

        impl std::ops::Deref for $name {
            type Target = Caller;
            fn deref(&self) -> &Caller {
                &self.0
            }
        }

        impl FromRequest for $name {
            type Error = ApiError;
            type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;
            fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
                let req = req.clone();
                Box::pin(async move {
                    let caller = load(req).await?;
                    let allowed: &[Role] = $allowed;
                    if allowed.contains(&caller.role) {
                        Ok($name(caller))
                    } else {
                        Err(ApiError::forbidden())
                    }
                })
            }
        }
    };
}

role_extractor!(
    /// Any staff member: volunteer, worker or admin.
    Staff, &[Role::Volunteer, Role::Worker, Role::Admin]);
role_extractor!(
    /// A community social worker or an admin.
    Worker, &[Role::Worker, Role::Admin]);
role_extractor!(
    /// A district or street administrator.
    Admin, &[Role::Admin]);
role_extractor!(
    /// A resident.
    Resident, &[Role::Resident]);
