//! Extractors that carry identity and scope: a handler that takes `Admin` cannot run for a
//! resident, and `Caller::community` answers 404 for a community outside the caller's scope.
pub use super::identity::Caller;
use crate::domain::ids::{AccountId, CommunityId};
use crate::domain::role::Role;
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::parse_role;
use actix_web::{dev::Payload, http::header, web, FromRequest, HttpRequest};
use std::future::Future;
use std::pin::Pin;

/// The token of an `Authorization: Bearer <token>` header; the scheme is case-insensitive
/// (RFC 9110 §11.1), so `bearer` and `BEARER` work too.
pub fn bearer(req: &HttpRequest) -> Option<&str> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim_start().split_once([' ', '\t'])?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
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
    session_caller(state, &claims.sid, account_id)
        .await?
        .ok_or_else(ApiError::invalid_token)
}

/// The caller behind a live session of `account_id` as it stands now, or `None` once the
/// session is revoked (logout, password reset, reuse of a refresh token) or the account disabled.
pub async fn session_caller(
    state: &AppState,
    session_id: &str,
    account_id: AccountId,
) -> Result<Option<Caller>, ApiError> {
    if let Some(c) = state
        .sessions
        .get(session_id)
        .filter(|c| c.account_id == account_id)
    {
        return Ok(Some(c));
    }
    // The session table makes logins revocable before the token expires.
    let Some(account) = state
        .store
        .session_account(session_id)
        .await?
        .filter(|a| a.account_id == account_id)
    else {
        return Ok(None);
    };
    let role = parse_role(&account.role)?;
    let admin_area = account.admin_area();
    let communities = scope_of(state, &account, role).await?;
    let caller = Caller {
        account_id,
        role,
        session_id: session_id.to_string(),
        communities,
        admin_area,
        wechat: account.wechat_openid.is_some(),
    };
    state.sessions.put(&caller);
    Ok(Some(caller))
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
        // What they see comes from their assignments (see `routes::projects::access`).
        Role::Reviewer | Role::Supervisor | Role::OrgLead => Vec::new(),
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
    /// Anyone who works on community projects: staff of the hall, reviewers, supervisors and
    /// organisation leads (each sees what their scope allows).
    ProjectStaff, &[Role::Worker, Role::Admin, Role::Reviewer, Role::Supervisor, Role::OrgLead, Role::Volunteer]);
role_extractor!(
    /// A resident.
    Resident, &[Role::Resident]);

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn with(value: &str) -> Option<String> {
        let req = TestRequest::default()
            .insert_header((header::AUTHORIZATION, value))
            .to_http_request();
        bearer(&req).map(str::to_string)
    }

    #[test]
    fn the_bearer_scheme_is_case_insensitive_and_other_schemes_are_not_tokens() {
        for v in [
            "Bearer abc.def",
            "bearer abc.def",
            "BEARER  abc.def ",
            "BeArEr\tabc.def",
        ] {
            assert_eq!(with(v).as_deref(), Some("abc.def"), "{v:?}");
        }
        for v in [
            "Basic abc.def",
            "Bearer",
            "Bearer   ",
            "Bearerabc.def",
            "abc.def",
        ] {
            assert_eq!(with(v), None, "{v:?}");
        }
    }
}
