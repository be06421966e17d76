//! What every handler can reach.
use crate::auth::jwt::JwtKeys;
use crate::auth::wechat::WechatClient;
use crate::config::Settings;
use crate::metrics::Metrics;
use crate::store::DynStore;
use std::sync::Arc;

pub struct AppState {
    pub settings: Arc<Settings>,
    pub store: DynStore,
    pub jwt: JwtKeys,
    pub wechat: std::sync::Arc<WechatClient>,
    pub metrics: Arc<Metrics>,
    pub queue: crate::queue::QueueHandle,
    pub processor: std::sync::Arc<dyn crate::queue::processor::Processor>,
    /// The grouping engines, read for "similar topics" (the same step as `processor` unless
    /// a test brought its own).
    pub grouping: Arc<crate::topics::grouping_step::GroupingStep>,
    pub limits: crate::intake::Limits,
    pub words: crate::intake::moderation::WordFilter,
    pub sessions: crate::auth::session_cache::SessionCache,
    /// Communities' pre-moderation switch, cached for 2 s (cleared when changed here).
    pub premoderation: std::sync::Mutex<
        std::collections::HashMap<crate::domain::ids::CommunityId, (std::time::Instant, bool)>,
    >,
    pub blobs: std::sync::Arc<dyn crate::media::BlobStorage>,
    /// SMS login codes (the residents' mobile web version).
    pub sms: crate::auth::sms::SmsService,
    /// Residents' posts, committed in groups under load (`src/intake/batcher.rs`).
    pub intake: crate::intake::batcher::Batcher,
    /// Client addresses behind proxies, live streams per session, upload bursts.
    pub guards: crate::auth::guards::Guards,
    /// Signs and checks communities' join codes (their QR posters).
    pub join_codes: crate::auth::join_code::JoinCodes,
    /// Each community's moderation words (configured, district and community lists), rebuilt
    /// when older than 2 s.
    pub community_words: crate::intake::moderation::CommunityWords,
    /// Residents' data rights: exports, erasure, retention (`src/privacy/`).
    pub privacy: std::sync::Arc<crate::privacy::job::PrivacyService>,
}

impl AppState {
    /// Whether `community` holds every suggestion for review (cached briefly: asked per post).
    pub async fn premoderates(
        &self,
        community: crate::domain::ids::CommunityId,
    ) -> anyhow::Result<bool> {
        let fresh = std::time::Duration::from_secs(2);
        if let Some((at, on)) = self
            .premoderation
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&community)
        {
            if at.elapsed() < fresh {
                return Ok(*on);
            }
        }
        let on = self
            .store
            .community(community)
            .await?
            .is_some_and(|c| c.premoderate);
        self.premoderation
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(community, (std::time::Instant::now(), on));
        Ok(on)
    }
}
