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
    pub wechat: WechatClient,
    pub metrics: Arc<Metrics>,
    pub queue: crate::queue::QueueHandle,
    pub processor: std::sync::Arc<dyn crate::queue::processor::Processor>,
    pub limits: crate::intake::Limits,
    pub words: crate::intake::moderation::WordFilter,
    pub sessions: crate::auth::session_cache::SessionCache,
    pub blobs: std::sync::Arc<dyn crate::media::BlobStorage>,
}
