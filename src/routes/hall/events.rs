//! The dashboard's live stream: server-sent events of one community (new suggestions, new or
//! changed topics, status changes), replayed after `Last-Event-ID`. Events come from the store's
//! event log, written in the same transactions as the changes, so every API process and
//! worker sees the same stream; an open stream polls the log once a second.
use crate::auth::caller::Staff;
use crate::domain::ids::CommunityId;
use crate::error::ApiResult;
use crate::state::AppState;
use actix_web::web::Bytes;
use actix_web::{get, web, HttpRequest, HttpResponse};
use serde::Deserialize;
use std::collections::VecDeque;
use std::time::{Duration, Instant};

#[derive(Deserialize, utoipa::IntoParams)]
pub struct EventQuery {
    /// Resume after this event (the `Last-Event-ID` header takes precedence).
    pub last_event_id: Option<i64>,
}

struct Stream {
    state: web::Data<AppState>,
    community: CommunityId,
    last: i64,
    buffer: VecDeque<Bytes>,
    until: Instant,
    last_sent: Instant,
    first: bool,
}

const HEARTBEAT: Duration = Duration::from_secs(15);
const POLL: Duration = Duration::from_millis(500);

/// Live events of a community, as `text/event-stream`. Each event has an `id` to resume from,
/// an `event` kind (`suggestion.created`, `topic.created`, `topic.updated`, `topic.status`) and
/// JSON `data`. The stream ends when the access token would expire; reconnect with a fresh token
/// and `Last-Event-ID`.
#[utoipa::path(params(("id" = i64, Path), EventQuery), responses((status = 200, content_type = "text/event-stream"), (status = 404, body = crate::error::Problem)), tag = "hall", security(("bearer" = [])))]
#[get("/communities/{id}/events")]
pub async fn stream(
    state: web::Data<AppState>,
    caller: Staff,
    req: HttpRequest,
    path: web::Path<CommunityId>,
    q: web::Query<EventQuery>,
) -> ApiResult<HttpResponse> {
    let community = caller.community(path.into_inner())?;
    let header = req
        .headers()
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<i64>().ok());
    let last = match header.or(q.last_event_id) {
        Some(id) => id.max(0),
        None => state.store.last_event_id(community).await?,
    };
    let ttl = Duration::from_secs(state.settings.auth.access_ttl_seconds.clamp(30, 3600) as u64);
    let s = Stream {
        state: state.clone(),
        community,
        last,
        buffer: VecDeque::new(),
        until: Instant::now() + ttl,
        last_sent: Instant::now(),
        first: true,
    };
    let body = futures_util::stream::unfold(s, |mut s| async move {
        loop {
            if s.first {
                s.first = false;
                // Tell EventSource-style clients how soon to reconnect.
                return Some((
                    Ok::<_, actix_web::Error>(Bytes::from_static(b"retry: 2000\n\n")),
                    s,
                ));
            }
            if let Some(b) = s.buffer.pop_front() {
                s.last_sent = Instant::now();
                return Some((Ok(b), s));
            }
            if Instant::now() >= s.until {
                return None;
            }
            match s.state.store.events_after(s.community, s.last, 100).await {
                Ok(events) if !events.is_empty() => {
                    for e in events {
                        s.last = e.event_id;
                        s.buffer.push_back(Bytes::from(format!(
                            "id: {}\nevent: {}\ndata: {}\n\n",
                            e.event_id, e.kind, e.payload
                        )));
                    }
                    continue;
                }
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!(error = %format!("{e:#}"), "reading live events failed");
                }
            }
            if s.last_sent.elapsed() >= HEARTBEAT {
                s.last_sent = Instant::now();
                return Some((Ok(Bytes::from_static(b": ping\n\n")), s));
            }
            tokio::time::sleep(POLL).await;
        }
    });
    Ok(HttpResponse::Ok()
        .content_type("text/event-stream")
        .insert_header(("cache-control", "no-cache"))
        .insert_header(("x-accel-buffering", "no"))
        .streaming(body))
}
