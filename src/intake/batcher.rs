//! Group commit for residents' posts. Requests that arrive while the database is busy are
//! committed together, in one transaction with their outbox rows, instead of one transaction
//! each: under load the commits (and, on PostgreSQL, the round trips) are shared, so the intake
//! keeps up with many phones at once. A request is answered only after its own commit, so `202`
//! still means "stored"; nothing is held in memory on the promise of a later write.
//!
//! Only residents' own plain posts are batched ([`NewSuggestion::batchable`]). Everything else,
//! and any post whose key is already taken (a retry, or its racing twin), goes through
//! [`crate::store::IntakeStore::create_suggestions`]'s single-row sibling, which answers with the
//! original. When a whole batch fails (say, one row breaks a constraint), each of its posts is
//! retried on its own, so one bad post cannot fail the others.
use crate::store::{CreateOutcome, DynStore, NewSuggestion, SuggestionRow};
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot, Notify, Semaphore};

enum Reply {
    Created(Box<SuggestionRow>),
    /// Not inserted by the batch (key taken, or the batch failed): go the single-row way.
    OnItsOwn,
    /// The database is unreachable: answer at once (503) instead of trying again alone.
    Unavailable(Arc<anyhow::Error>),
}

struct Job {
    new: NewSuggestion,
    reply: oneshot::Sender<Reply>,
}

/// The handle handlers post through; cheap to share.
pub struct Batcher {
    store: DynStore,
    jobs: Option<mpsc::UnboundedSender<Job>>,
    committed: Arc<Notify>,
}

impl Batcher {
    /// A batcher whose committing task runs on the current Tokio runtime: up to `max_batch`
    /// posts per transaction and `in_flight` transactions at once (1 for SQLite's single
    /// writer). `max_batch` 0 turns batching off: every post commits on its own.
    pub fn start(store: DynStore, max_batch: usize, in_flight: usize) -> Self {
        if max_batch <= 1 || tokio::runtime::Handle::try_current().is_err() {
            return Self {
                store,
                jobs: None,
                committed: Arc::default(),
            };
        }
        let (tx, rx) = mpsc::unbounded_channel();
        tokio::spawn(run(store.clone(), rx, max_batch, in_flight.max(1)));
        Self {
            store,
            jobs: Some(tx),
            committed: Arc::default(),
        }
    }

    /// Rung after every post this batcher commits: the relay listens, so a new suggestion is
    /// on its way to the queue without waiting for the relay's next poll.
    pub fn committed(&self) -> Arc<Notify> {
        self.committed.clone()
    }

    /// Commit `new` (batched when it can be) and answer like
    /// [`crate::store::IntakeStore::create_suggestion`].
    pub async fn create(&self, new: NewSuggestion) -> anyhow::Result<CreateOutcome> {
        if let (Some(jobs), true) = (&self.jobs, new.batchable()) {
            let (reply, answer) = oneshot::channel();
            let job = Job {
                new: new.clone(),
                reply,
            };
            if jobs.send(job).is_ok() {
                // A dropped sender (the task ended) falls through to the single-row path.
                match answer.await {
                    Ok(Reply::Created(row)) => {
                        self.committed.notify_one();
                        return Ok(CreateOutcome::Created(*row));
                    }
                    Ok(Reply::Unavailable(e)) => {
                        return Err(
                            anyhow::anyhow!(sqlx::Error::PoolTimedOut).context(format!("{e:#}"))
                        );
                    }
                    _ => {}
                }
            }
        }
        let outcome = self.store.create_suggestion(&new, None).await?;
        if matches!(outcome, CreateOutcome::Created(_)) {
            self.committed.notify_one();
        }
        Ok(outcome)
    }
}

async fn run(
    store: DynStore,
    mut rx: mpsc::UnboundedReceiver<Job>,
    max_batch: usize,
    in_flight: usize,
) {
    let slots = Arc::new(Semaphore::new(in_flight));
    loop {
        // Take a slot first: while every slot is busy, posts gather in the channel and the
        // next batch takes them all.
        let Ok(slot) = slots.clone().acquire_owned().await else {
            return;
        };
        let Some(first) = rx.recv().await else {
            return;
        };
        let mut jobs = vec![first];
        while jobs.len() < max_batch {
            match rx.try_recv() {
                Ok(job) => jobs.push(job),
                Err(_) => break,
            }
        }
        let store = store.clone();
        tokio::spawn(async move {
            commit(&store, jobs).await;
            drop(slot);
        });
    }
}

/// Commit one batch and answer each post in it.
async fn commit(store: &DynStore, jobs: Vec<Job>) {
    // The same author and key twice in one batch: the second waits for the first's commit and
    // is then answered with the original by the single-row path.
    let mut seen = std::collections::HashSet::new();
    let (batch, twins): (Vec<Job>, Vec<Job>) = jobs.into_iter().partition(|j| {
        seen.insert((
            j.new.author_account_id,
            j.new.community_id,
            j.new.client_id.clone(),
        ))
    });
    let news: Vec<NewSuggestion> = batch.iter().map(|j| j.new.clone()).collect();
    // Microseconds: what both databases keep, so the answer matches later reads.
    let now = chrono::SubsecRound::trunc_subsecs(chrono::Utc::now(), 6);
    let rows = match store.create_suggestions(&news, now).await {
        Ok(rows) => rows,
        Err(e) if crate::error::store_unavailable(&e) => {
            let e = Arc::new(e);
            for job in batch.into_iter().chain(twins) {
                let _ = job.reply.send(Reply::Unavailable(e.clone()));
            }
            return;
        }
        Err(e) => {
            tracing::warn!(error = %format!("{e:#}"), n = news.len(), "a batch of posts failed; committing them one by one");
            Vec::new()
        }
    };
    let mut rows = rows.into_iter();
    for job in batch {
        let reply = match rows.next().flatten() {
            Some(row) => Reply::Created(Box::new(row)),
            None => Reply::OnItsOwn,
        };
        // The requester may have gone (client disconnected): the row is stored either way.
        let _ = job.reply.send(reply);
    }
    for job in twins {
        let _ = job.reply.send(Reply::OnItsOwn);
    }
}
