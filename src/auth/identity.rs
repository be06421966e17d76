//! Who is calling: an account, its role and the communities it may act in. The extractors that
//! load it from a request live in `caller.rs`; this type stays apart from them so the session
//! cache (which `AppState` holds) does not depend on the extractors (which read `AppState`).
use crate::domain::ids::{AccountId, CommunityId};
use crate::domain::role::Role;
use crate::error::ApiError;
use crate::store::AdminArea;

#[derive(Debug, Clone)]
pub struct Caller {
    pub account_id: AccountId,
    pub role: Role,
    pub session_id: String,
    /// Communities the caller may act in (staff: assigned; admins: their area; residents: home).
    pub communities: Vec<CommunityId>,
    pub admin_area: Option<AdminArea>,
    /// The account logs in through WeChat (its posts come from the mini-program unless the
    /// client says otherwise).
    pub wechat: bool,
}

impl Caller {
    pub fn in_scope(&self, community: CommunityId) -> bool {
        self.communities.contains(&community)
    }
    /// `Ok` when the caller may act in `community`; otherwise 404, so ids are not confirmed.
    pub fn community(&self, community: CommunityId) -> Result<CommunityId, ApiError> {
        if self.in_scope(community) {
            Ok(community)
        } else {
            Err(ApiError::not_found())
        }
    }
}
