//! A community's own synonyms for the grouping engine: what workers' corrections propose
//! (a suggestion moved or merged into a topic said the topic's problem in a word the engine did
//! not know) and what workers accepted or rejected. An accepted synonym rewrites the
//! community's texts before grouping; a rejected one is never proposed again. Each decision is
//! audited and makes the community's engines rebuild.
use crate::auth::caller::Worker;
use crate::domain::ids::{AccountId, CommunityId, SuggestionId, TopicId};
use crate::error::{ApiError, ApiResult};
use crate::grouping::{propose_synonyms, Synonyms};
use crate::routes::admin::audit_of;
use crate::routes::hall::opt_text;
use crate::state::AppState;
use crate::store::{SynonymDecision, SynonymRow};
use actix_web::{delete, get, post, web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Latest "together" lessons read to propose synonyms.
const LESSONS_READ: usize = 4000;
/// Accepted synonyms a community may hold.
const MAX_ACCEPTED: usize = 300;
/// Characters of a surface or canonical word.
const MIN_CHARS: usize = 2;
const MAX_CHARS: usize = 12;

#[derive(Serialize, utoipa::ToSchema)]
pub struct SynonymExample {
    pub suggestion_id: SuggestionId,
    /// The topic the worker put it in.
    pub topic_id: Option<TopicId>,
    pub topic_title: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct SynonymView {
    /// Set once a worker decided it.
    pub synonym_id: Option<i64>,
    /// What residents of this community write (`升降机`).
    pub surface: String,
    /// The word the engine knows (`电梯`): a problem of the shipped lexicon, or any word.
    pub canonical: String,
    /// `proposed` (by workers' corrections, undecided), `accepted` or `rejected`.
    pub status: String,
    /// Corrected suggestions behind it (when decided: at the time; 0 if typed in).
    pub evidence: i32,
    /// A few of those suggestions and where the worker put them.
    pub examples: Vec<SynonymExample>,
    pub decided_by: Option<String>,
    pub decided_at: Option<chrono::DateTime<chrono::Utc>>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct SynonymList {
    /// Proposals first (most evidence first), then decided ones by surface.
    pub items: Vec<SynonymView>,
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct DecideSynonym {
    pub surface: String,
    pub canonical: String,
    /// True: the engine uses it from now on; false: never propose it again.
    pub accepted: bool,
    /// Why (kept in the audit log).
    pub reason: Option<String>,
}

/// Proposals from the community's corrections, with the accepted synonyms applied (so an
/// accepted one is not proposed again).
async fn proposals(
    state: &AppState,
    community: CommunityId,
    decided: &[SynonymRow],
) -> ApiResult<(
    Vec<crate::grouping::Proposal>,
    HashMap<SuggestionId, Option<TopicId>>,
)> {
    let lessons = state.store.grouping_lessons(community).await?;
    let pairs: Vec<(SuggestionId, SuggestionId)> = lessons
        .iter()
        .rev()
        .filter(|l| l.together)
        .take(LESSONS_READ)
        .map(|l| (l.suggestion_id, l.other_suggestion_id))
        .collect();
    let mut ids: Vec<SuggestionId> = pairs.iter().flat_map(|&(a, b)| [a, b]).collect();
    ids.sort_unstable_by_key(|i| i.0);
    ids.dedup();
    let mut rows = Vec::new();
    for chunk in ids.chunks(500) {
        rows.extend(state.store.suggestions_by_ids(chunk).await?);
    }
    let topics: HashMap<SuggestionId, Option<TopicId>> =
        rows.iter().map(|r| (r.suggestion_id, r.topic_id)).collect();
    let synonyms = Synonyms::new(
        decided
            .iter()
            .filter(|r| r.accepted)
            .map(|r| (r.surface.clone(), r.canonical.clone())),
    );
    let found = tokio::task::spawn_blocking(move || {
        let prepared: HashMap<SuggestionId, crate::grouping::Prepared> = rows
            .iter()
            .map(|r| {
                (
                    r.suggestion_id,
                    synonyms.prepare(r.title.as_deref(), &r.body),
                )
            })
            .collect();
        propose_synonyms(
            pairs
                .iter()
                .filter_map(|(a, b)| Some((a.0 as u64, prepared.get(a)?, prepared.get(b)?))),
        )
    })
    .await
    .map_err(anyhow::Error::from)?;
    Ok((found, topics))
}

async fn names(state: &AppState, rows: &[SynonymRow]) -> ApiResult<HashMap<AccountId, String>> {
    let mut ids: Vec<AccountId> = rows.iter().filter_map(|r| r.actor_account_id).collect();
    ids.sort_unstable_by_key(|a| a.0);
    ids.dedup();
    Ok(state.store.account_names(&ids).await?.into_iter().collect())
}

fn decided_view(r: SynonymRow, names: &HashMap<AccountId, String>) -> SynonymView {
    SynonymView {
        synonym_id: Some(r.synonym_id),
        status: if r.accepted { "accepted" } else { "rejected" }.into(),
        decided_by: r.actor_account_id.and_then(|a| names.get(&a).cloned()),
        decided_at: Some(r.created_at),
        surface: r.surface,
        canonical: r.canonical,
        evidence: r.evidence,
        examples: Vec::new(),
    }
}

/// A community's synonyms: proposals from its workers' corrections and the decided ones.
/// Workers of the community and admins of its area.
#[utoipa::path(params(("id" = i64, Path)), responses((status = 200, body = SynonymList), (status = 404, body = crate::error::Problem)), tag = "hall", security(("bearer" = [])))]
#[get("/communities/{id}/synonyms")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Worker,
    path: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let community = caller.community(CommunityId(path.into_inner()))?;
    let decided = state.store.grouping_synonyms(community).await?;
    let (found, topics) = proposals(&state, community, &decided).await?;
    let mut titles: HashMap<TopicId, String> = HashMap::new();
    let mut items = Vec::new();
    for p in found
        .into_iter()
        .filter(|p| !decided.iter().any(|d| d.surface == p.surface))
    {
        let mut examples = Vec::new();
        for id in p.examples {
            let suggestion_id = SuggestionId(id as i64);
            let topic_id = topics.get(&suggestion_id).copied().flatten();
            let topic_title = match topic_id {
                Some(t) => match titles.get(&t) {
                    Some(title) => Some(title.clone()),
                    None => {
                        let title = state.store.topic(t).await?.map(|row| row.title);
                        if let Some(title) = &title {
                            titles.insert(t, title.clone());
                        }
                        title
                    }
                },
                None => None,
            };
            examples.push(SynonymExample {
                suggestion_id,
                topic_id,
                topic_title,
            });
        }
        items.push(SynonymView {
            synonym_id: None,
            surface: p.surface,
            canonical: p.canonical,
            status: "proposed".into(),
            evidence: p.evidence as i32,
            examples,
            decided_by: None,
            decided_at: None,
        });
    }
    let names = names(&state, &decided).await?;
    items.extend(decided.into_iter().map(|r| decided_view(r, &names)));
    Ok(HttpResponse::Ok()
        .insert_header(("cache-control", "no-store"))
        .json(SynonymList { items }))
}

/// One word of a synonym: trimmed, 2–12 letters or digits, no spaces.
fn word(field: &str, v: &str) -> ApiResult<String> {
    let w = v.trim();
    let n = w.chars().count();
    if !(MIN_CHARS..=MAX_CHARS).contains(&n) || !w.chars().all(char::is_alphanumeric) {
        return Err(ApiError::field(
            field,
            "synonym_word_invalid",
            format!(
                "请填写 {MIN_CHARS}–{MAX_CHARS} 个字的词，不含空格和标点 / \
                 {MIN_CHARS}–{MAX_CHARS} letters or digits, no spaces or punctuation"
            ),
        ));
    }
    Ok(w.to_string())
}

/// Accept or reject a synonym (a proposal, or one typed in); replaces an earlier decision on
/// the same word. The community's grouping uses accepted ones from its next suggestion on.
#[utoipa::path(params(("id" = i64, Path)), request_body = DecideSynonym, responses((status = 200, body = SynonymView), (status = 404, body = crate::error::Problem)), tag = "hall", security(("bearer" = [])))]
#[post("/communities/{id}/synonyms")]
pub async fn decide(
    state: web::Data<AppState>,
    caller: Worker,
    req: HttpRequest,
    path: web::Path<i64>,
    body: web::Json<DecideSynonym>,
) -> ApiResult<HttpResponse> {
    let community = caller.community(CommunityId(path.into_inner()))?;
    let surface = word("surface", &body.surface)?;
    let canonical = word("canonical", &body.canonical)?;
    let reason = opt_text("reason", &body.reason, 500)?;
    if surface == canonical {
        return Err(ApiError::field(
            "canonical",
            "synonym_same_word",
            "同义词不能和原词相同 / the two words must differ",
        ));
    }
    let decided = state.store.grouping_synonyms(community).await?;
    let others = || {
        decided
            .iter()
            .filter(|r| r.accepted && r.surface != surface)
    };
    if body.accepted
        && (others().any(|r| r.surface == canonical) || others().any(|r| r.canonical == surface))
    {
        return Err(ApiError::field(
            "canonical",
            "synonym_chain",
            "这个词已是另一条同义词的一端，请直接写成最终的词 / \
             one of the words is already part of another synonym: name the final word directly",
        ));
    }
    if body.accepted && others().count() >= MAX_ACCEPTED {
        return Err(ApiError::field(
            "surface",
            "too_many_synonyms",
            format!("每个社区最多 {MAX_ACCEPTED} 条同义词 / at most {MAX_ACCEPTED} synonyms per community"),
        ));
    }
    let (found, _) = proposals(&state, community, &decided).await?;
    let evidence = found
        .iter()
        .find(|p| p.surface == surface && p.canonical == canonical)
        .map_or(0, |p| p.evidence as i32);
    let decision = SynonymDecision {
        surface,
        canonical,
        accepted: body.accepted,
        evidence,
    };
    let audit = audit_of(&caller, &req, reason);
    let row = state
        .store
        .decide_synonym(community, &decision, &audit)
        .await?;
    let names = names(&state, std::slice::from_ref(&row)).await?;
    Ok(HttpResponse::Ok().json(decided_view(row, &names)))
}

/// Remove a decision: an accepted synonym stops rewriting, a rejected one may be proposed
/// again.
#[utoipa::path(params(("id" = i64, Path), ("synonym_id" = i64, Path)), responses((status = 204), (status = 404, body = crate::error::Problem)), tag = "hall", security(("bearer" = [])))]
#[delete("/communities/{id}/synonyms/{synonym_id}")]
pub async fn remove(
    state: web::Data<AppState>,
    caller: Worker,
    req: HttpRequest,
    path: web::Path<(i64, i64)>,
) -> ApiResult<HttpResponse> {
    let (id, synonym_id) = path.into_inner();
    let community = caller.community(CommunityId(id))?;
    let audit = audit_of(&caller, &req, None);
    if !state
        .store
        .remove_synonym(community, synonym_id, &audit)
        .await?
    {
        return Err(ApiError::not_found());
    }
    Ok(HttpResponse::NoContent().finish())
}
