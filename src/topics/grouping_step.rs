//! The queue's processing step: run the grouping engine on an accepted suggestion.
//!
//! Each process keeps one engine per community in memory, rebuilt from the store on first use.
//! Grouping within a community is serialised across workers and processes by a compare-and-set
//! on the community's clock in the store (`assign`): a worker whose engine is behind gets
//! `Stale`, catches up from the store (or rebuilds after a withdrawal or correction) and
//! decides again. So two workers never open two topics for one new issue, and a suggestion
//! that is already grouped is left as it is.
use crate::domain::ids::{CommunityId, SuggestionId, TopicId};
use crate::grouping::{Decision, Engine, EngineConfig, Lesson, Prepared, Synonyms};
use crate::intake::mask::{is_contact_keyword, scrub_contacts, scrub_title};
use crate::metrics::Metrics;
use crate::queue::processor::Processor;
use crate::queue::QueueMessage;
use crate::store::{AssignOutcome, Assignment, DynStore, GroupClock, SUGGESTION_ACCEPTED};
use async_trait::async_trait;
use std::collections::HashMap;
use std::sync::Arc;
use tokio::sync::Mutex;

struct CommunityEngine {
    engine: Engine,
    clock: Option<GroupClock>,
    /// The community's accepted synonyms, as of the last rebuild.
    synonyms: Arc<Synonyms>,
}

pub struct GroupingStep {
    store: DynStore,
    config: EngineConfig,
    engines: Mutex<HashMap<CommunityId, Arc<Mutex<CommunityEngine>>>>,
    /// Each community's synonyms as last loaded, to prepare texts before taking its engine
    /// (checked again once the engine is in sync).
    synonyms: std::sync::Mutex<HashMap<CommunityId, Arc<Synonyms>>>,
    metrics: Option<Arc<Metrics>>,
    /// Hours a new topic has to be triaged (0: no deadline).
    new_topic_hours: i64,
}

impl GroupingStep {
    /// The triage deadline of new topics (`hall.new_hours`).
    pub fn with_new_topic_hours(mut self, hours: i64) -> Self {
        self.new_topic_hours = hours;
        self
    }

    pub fn new(store: DynStore, config: EngineConfig, metrics: Option<Arc<Metrics>>) -> Self {
        Self {
            store,
            config,
            engines: Mutex::new(HashMap::new()),
            synonyms: Default::default(),
            new_topic_hours: 72,
            metrics,
        }
    }

    /// The synonyms `community`'s texts were last prepared with (none before its first
    /// rebuild; checked again once the engine is in sync).
    fn cached_synonyms(&self, community: CommunityId) -> Arc<Synonyms> {
        let cache = self.synonyms.lock().unwrap_or_else(|e| e.into_inner());
        cache.get(&community).cloned().unwrap_or_default()
    }

    async fn engine_of(&self, community: CommunityId) -> Arc<Mutex<CommunityEngine>> {
        let mut map = self.engines.lock().await;
        map.entry(community)
            .or_insert_with(|| {
                Arc::new(Mutex::new(CommunityEngine {
                    engine: Engine::new(self.config.clone()),
                    clock: None,
                    synonyms: Arc::default(),
                }))
            })
            .clone()
    }

    /// Bring the engine up to the store's clock: replay what others appended, or rebuild.
    async fn sync(
        &self,
        community: CommunityId,
        ce: &mut CommunityEngine,
    ) -> anyhow::Result<GroupClock> {
        let clock = self.store.group_clock(community).await?;
        if ce.clock == Some(clock) {
            return Ok(clock);
        }
        let rebuild = ce.clock.is_none_or(|c| c.group_epoch != clock.group_epoch);
        let after = if rebuild {
            0
        } else {
            ce.clock.map(|c| c.group_seq).unwrap_or(0)
        };
        let docs = self.store.grouped_since(community, after).await?;
        // Workers' corrections and synonyms: taught in full at each rebuild (a correction or
        // a synonym's decision forces one).
        let lessons = match rebuild {
            true => self.store.grouping_lessons(community).await?,
            false => Vec::new(),
        };
        if rebuild {
            let rows = self.store.grouping_synonyms(community).await?;
            let accepted = rows
                .into_iter()
                .filter(|r| r.accepted)
                .map(|r| (r.surface, r.canonical));
            ce.synonyms = Arc::new(Synonyms::new(accepted));
            let mut cache = self.synonyms.lock().unwrap_or_else(|e| e.into_inner());
            cache.insert(community, ce.synonyms.clone());
        }
        let synonyms = ce.synonyms.clone();
        let config = self.config.clone();
        let mut engine = if rebuild {
            Engine::new(config)
        } else {
            std::mem::replace(&mut ce.engine, Engine::new(EngineConfig::default()))
        };
        // Preparing many documents is CPU work: off the async runtime.
        let engine = tokio::task::spawn_blocking(move || {
            for d in docs {
                let doc = synonyms.prepare(d.title.as_deref(), &d.body);
                engine.insert_existing(
                    d.suggestion_id.0 as u64,
                    doc,
                    d.topic_id.0 as u64,
                    d.pinned,
                );
            }
            for l in lessons {
                engine.learn_lesson(Lesson {
                    key: l.suggestion_id.0 as u64,
                    other: l.other_suggestion_id.0 as u64,
                    together: l.together,
                });
            }
            engine
        })
        .await?;
        ce.engine = engine;
        ce.clock = Some(clock);
        Ok(clock)
    }

    #[tracing::instrument(skip_all, fields(suggestion_id = %message.suggestion_id))]
    async fn group(&self, message: &QueueMessage) -> anyhow::Result<()> {
        let Some(s) = self.store.suggestion(message.suggestion_id).await? else {
            return Ok(());
        };
        if s.state != crate::hall::status::SuggestionState::Queued {
            return Ok(());
        }
        let started = std::time::Instant::now();
        let (title, body) = (s.title.clone(), s.body.clone());
        let mut synonyms = self.cached_synonyms(s.community_id);
        let prep = synonyms.clone();
        let mut doc =
            tokio::task::spawn_blocking(move || prep.prepare(title.as_deref(), &body)).await?;
        let handle = self.engine_of(s.community_id).await;
        let mut ce = handle.lock().await;
        for _ in 0..20 {
            let clock = self.sync(s.community_id, &mut ce).await?;
            if *synonyms != *ce.synonyms {
                synonyms = ce.synonyms.clone();
                doc = synonyms.prepare(s.title.as_deref(), &s.body);
            }
            let key = s.suggestion_id.0 as u64;
            // A corrected entry comes back: its old membership goes first.
            if ce.engine.topic_of(key).is_some() {
                ce.engine.remove(key);
            }
            let decision = ce.engine.decide(&doc);
            let (topic, similarity, duplicate_of) = match &decision {
                Decision::Join {
                    topic,
                    similarity,
                    duplicate_of,
                } => (
                    Some(TopicId(*topic as i64)),
                    Some(*similarity),
                    duplicate_of.map(|d| SuggestionId(d as i64)),
                ),
                Decision::Open => (None, None, None),
            };
            let (title, keywords) = match topic.and_then(|t| ce.engine.label(t.0 as u64)) {
                Some(l) => public_label(&l.title, &l.keywords),
                None => (provisional_title(&s.title, &s.body), Vec::new()),
            };
            let assignment = Assignment {
                suggestion_id: s.suggestion_id,
                community_id: s.community_id,
                topic,
                expected: clock,
                title,
                keywords,
                similarity,
                duplicate_of,
                due_at: (self.new_topic_hours > 0)
                    .then(|| chrono::Utc::now() + chrono::Duration::hours(self.new_topic_hours)),
            };
            match self.store.assign(&assignment).await? {
                AssignOutcome::Assigned { topic, group_seq } => {
                    ce.engine.apply(key, doc, topic.0 as u64);
                    ce.clock = Some(GroupClock {
                        group_seq,
                        group_epoch: clock.group_epoch,
                    });
                    if let Some(label) = ce.engine.label(topic.0 as u64) {
                        let rep = SuggestionId(label.representative as i64);
                        let (title, keywords) = public_label(&label.title, &label.keywords);
                        self.store
                            .relabel(topic, &title, &keywords, Some(rep))
                            .await?;
                    }
                    let outcome = if assignment.topic.is_some() {
                        "joined"
                    } else {
                        "opened"
                    };
                    if let Some(m) = &self.metrics {
                        m.grouping_latency
                            .with_label_values(&[outcome])
                            .observe(started.elapsed().as_secs_f64());
                    }
                    return Ok(());
                }
                AssignOutcome::NotQueued => return Ok(()),
                AssignOutcome::Stale => continue,
            }
        }
        anyhow::bail!(
            "grouping kept losing the race for community {}",
            s.community_id
        )
    }
}

/// Each suggestion prepared with the community's synonyms.
fn prepare_all(
    synonyms: &Synonyms,
    rows: &[crate::store::SuggestionRow],
) -> HashMap<SuggestionId, Prepared> {
    rows.iter()
        .map(|s| {
            (
                s.suggestion_id,
                synonyms.prepare(s.title.as_deref(), &s.body),
            )
        })
        .collect()
}

/// A title until the engine labels the topic: the suggestion's own title or its first words.
fn provisional_title(title: &Option<String>, body: &str) -> String {
    let source = title
        .as_deref()
        .filter(|t| !t.trim().is_empty())
        .unwrap_or(body);
    scrub_contacts(source.trim())
        .chars()
        .take(crate::grouping::TITLE_MAX_CHARS)
        .collect()
}

/// Titles and keywords are public: no phone numbers, WeChat or QQ ids, ID-card numbers or
/// licence plates in them, not even the pieces the engine cut them into.
fn public_label(title: &str, keywords: &[String]) -> (String, Vec<String>) {
    let keywords = keywords
        .iter()
        .filter(|k| !is_contact_keyword(k))
        .cloned()
        .collect();
    (scrub_title(title), keywords)
}

/// The engine of one community, driven by `assign_batch` inside its transaction.
struct Batch<'a> {
    engine: &'a mut Engine,
    synonyms: &'a Synonyms,
    docs: HashMap<SuggestionId, crate::grouping::Prepared>,
    opened: bool,
    new_topic_due: Option<chrono::DateTime<chrono::Utc>>,
}

impl crate::store::BatchGrouper for Batch<'_> {
    fn decide(&mut self, s: &crate::store::SuggestionRow) -> crate::store::Planned {
        let key = s.suggestion_id.0 as u64;
        // A corrected entry comes back: its old membership goes first.
        if self.engine.topic_of(key).is_some() {
            self.engine.remove(key);
        }
        let fallback;
        let doc = match self.docs.get(&s.suggestion_id) {
            Some(d) => d,
            None => {
                fallback = self.synonyms.prepare(s.title.as_deref(), &s.body);
                &fallback
            }
        };
        match self.engine.decide(doc) {
            Decision::Join {
                topic,
                similarity,
                duplicate_of,
            } => {
                // A joined topic is relabelled once the member is in (`applied`); the plan's
                // title is only for opening a topic.
                crate::store::Planned {
                    topic: Some(TopicId(topic as i64)),
                    title: String::new(),
                    keywords: Vec::new(),
                    similarity: Some(similarity),
                    duplicate_of: duplicate_of.map(|d| SuggestionId(d as i64)),
                    due_at: None,
                }
            }
            Decision::Open => {
                self.opened = true;
                crate::store::Planned {
                    topic: None,
                    title: provisional_title(&s.title, &s.body),
                    keywords: Vec::new(),
                    similarity: None,
                    duplicate_of: None,
                    due_at: self.new_topic_due,
                }
            }
        }
    }

    fn applied(&mut self, s: &crate::store::SuggestionRow, topic: TopicId) {
        let doc = self
            .docs
            .remove(&s.suggestion_id)
            .unwrap_or_else(|| self.synonyms.prepare(s.title.as_deref(), &s.body));
        self.engine
            .apply(s.suggestion_id.0 as u64, doc, topic.0 as u64);
    }

    fn label(&mut self, topic: TopicId) -> Option<crate::store::TopicLabelRow> {
        let label = self.engine.label(topic.0 as u64)?;
        let (title, keywords) = public_label(&label.title, &label.keywords);
        Some((
            title,
            keywords,
            Some(SuggestionId(label.representative as i64)),
        ))
    }
}

impl GroupingStep {
    /// Topics of `community` like `topic` that the engine did not join with it (near misses
    /// a worker may merge), best first, each with its similarity; brought up to the store's
    /// state first.
    pub async fn similar_topics(
        &self,
        community: CommunityId,
        topic: TopicId,
        limit: usize,
    ) -> anyhow::Result<Vec<(TopicId, f32)>> {
        let handle = self.engine_of(community).await;
        let mut ce = handle.lock().await;
        self.sync(community, &mut ce).await?;
        let found = ce.engine.similar_topics(topic.0 as u64, limit);
        Ok(found
            .into_iter()
            .map(|(t, sim)| (TopicId(t as i64), sim))
            .collect())
    }

    /// Group one community's share of a batch in one transaction.
    async fn group_batch(
        &self,
        community: CommunityId,
        ids: Vec<SuggestionId>,
    ) -> anyhow::Result<()> {
        let started = std::time::Instant::now();
        let rows = self.store.suggestions_by_ids(&ids).await?;
        let queued: Vec<_> = rows
            .into_iter()
            .filter(|s| s.state == crate::hall::status::SuggestionState::Queued)
            .collect();
        if queued.is_empty() {
            return Ok(());
        }
        let ids: Vec<SuggestionId> = queued.iter().map(|s| s.suggestion_id).collect();
        let mut synonyms = self.cached_synonyms(community);
        let prep = synonyms.clone();
        let mut docs = tokio::task::spawn_blocking(move || prepare_all(&prep, &queued)).await?;
        let handle = self.engine_of(community).await;
        let mut ce = handle.lock().await;
        for _ in 0..20 {
            let clock = self.sync(community, &mut ce).await?;
            if *synonyms != *ce.synonyms {
                synonyms = ce.synonyms.clone();
                let rows = self.store.suggestions_by_ids(&ids).await?;
                docs = prepare_all(&synonyms, &rows);
            }
            let mut batch = Batch {
                synonyms: &synonyms,
                engine: &mut ce.engine,
                docs: docs.clone(),
                opened: false,
                new_topic_due: (self.new_topic_hours > 0)
                    .then(|| chrono::Utc::now() + chrono::Duration::hours(self.new_topic_hours)),
            };
            match self
                .store
                .assign_batch(community, clock, &ids, &mut batch)
                .await
            {
                Ok(crate::store::BatchOutcome::Done { clock, assigned }) => {
                    ce.clock = Some(clock);
                    if let Some(m) = &self.metrics {
                        let per = started.elapsed().as_secs_f64() / assigned.len().max(1) as f64;
                        for _ in &assigned {
                            m.grouping_latency
                                .with_label_values(&["batch"])
                                .observe(per);
                        }
                    }
                    return Ok(());
                }
                Ok(crate::store::BatchOutcome::Stale) => continue,
                Err(e) => {
                    // The engine may hold decisions the store rolled back: rebuild it next time.
                    ce.clock = None;
                    return Err(e);
                }
            }
        }
        anyhow::bail!("grouping kept losing the race for community {community}")
    }
}

#[async_trait]
impl Processor for GroupingStep {
    async fn process_batch(&self, messages: &[QueueMessage]) -> Vec<anyhow::Result<()>> {
        let mut by_community: Vec<(CommunityId, Vec<SuggestionId>)> = Vec::new();
        for m in messages.iter().filter(|m| m.kind == SUGGESTION_ACCEPTED) {
            match by_community.iter_mut().find(|(c, _)| *c == m.community_id) {
                Some((_, ids)) => ids.push(m.suggestion_id),
                None => by_community.push((m.community_id, vec![m.suggestion_id])),
            }
        }
        let mut failed: Vec<CommunityId> = Vec::new();
        let mut unavailable: Vec<(CommunityId, String)> = Vec::new();
        for (community, ids) in by_community {
            if let Err(e) = self.group_batch(community, ids).await {
                if crate::error::store_unavailable(&e) {
                    // Nothing wrong with the suggestions: the whole batch waits for the store.
                    unavailable.push((community, format!("{e:#}")));
                } else {
                    tracing::warn!(error = %format!("{e:#}"), %community, "batch grouping failed; grouping one by one");
                    failed.push(community);
                }
            }
        }
        // One bad suggestion must not fail its batch-mates: retry a failed batch one by one.
        let mut out = Vec::with_capacity(messages.len());
        for m in messages {
            if let Some((_, e)) = unavailable.iter().find(|(c, _)| *c == m.community_id) {
                out.push(Err(
                    anyhow::anyhow!(sqlx::Error::PoolTimedOut).context(e.clone())
                ));
            } else if failed.contains(&m.community_id) {
                out.push(self.process(m).await);
            } else {
                out.push(Ok(()));
            }
        }
        out
    }

    async fn process(&self, message: &QueueMessage) -> anyhow::Result<()> {
        if message.kind == SUGGESTION_ACCEPTED {
            self.group(message).await
        } else {
            // Withdrawals reach the engine through the community's epoch (see `sync`).
            Ok(())
        }
    }
}
