//! File adapter of the grouping engine for `minyi group` and `minyi eval`: reads JSON
//! lines, groups each community in time order, writes JSON lines, scores against labels.

use std::collections::HashMap;
use std::fs;
use std::io::{BufWriter, Write};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::Instant;

use anyhow::{bail, Context};
use serde_json::{json, Value};

use crate::grouping::{
    group_all, near_misses, prepare, replay_with_worker, score, synonyms_from_worker, warm_up,
    Corrections, EngineConfig, NearMisses, Normalised, Prepared, Synonyms, TopicId,
};

/// One input line.
#[derive(Clone)]
pub struct Item {
    /// The `id` exactly as given (a string or a number).
    pub id: Value,
    pub subject: Option<String>,
    pub text: String,
    pub time: Option<String>,
    pub community: String,
    /// The whole object, for label fields.
    pub raw: Value,
}

/// The grouping of a file: per item, in input order, its topic and the topic's title.
pub struct FileGrouping {
    pub items: Vec<Item>,
    pub topics: Vec<TopicId>,
    pub titles: Vec<String>,
    pub topic_count: usize,
    pub seconds: f64,
}

fn optional_string(obj: &Value, field: &str, line: usize) -> anyhow::Result<Option<String>> {
    match obj.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(Value::Number(n)) if field == "community" => Ok(Some(n.to_string())),
        Some(_) => bail!("line {line}: `{field}` must be a string"),
    }
}

/// Parses JSON lines; blank lines are skipped, anything else malformed is an error that
/// names its line number.
pub fn parse_items(content: &str) -> anyhow::Result<Vec<Item>> {
    let mut items = Vec::new();
    for (i, text) in content.lines().enumerate() {
        let line = i + 1;
        if text.trim().is_empty() {
            continue;
        }
        let raw: Value = serde_json::from_str(text)
            .with_context(|| format!("line {line}: not a valid JSON object"))?;
        if !raw.is_object() {
            bail!("line {line}: expected a JSON object");
        }
        let id = match raw.get("id") {
            Some(v @ (Value::String(_) | Value::Number(_))) => v.clone(),
            Some(_) => bail!("line {line}: `id` must be a string or a number"),
            None => bail!("line {line}: `id` is missing"),
        };
        let text = match raw.get("text") {
            Some(Value::String(s)) => s.clone(),
            Some(_) => bail!("line {line}: `text` must be a string"),
            None => bail!("line {line}: `text` is missing"),
        };
        items.push(Item {
            id,
            subject: optional_string(&raw, "subject", line)?,
            text,
            time: optional_string(&raw, "time", line)?,
            community: optional_string(&raw, "community", line)?.unwrap_or_default(),
            raw,
        });
    }
    Ok(items)
}

/// Suggestions per unit of work the preparing threads hand to the grouping thread.
const PREPARE_CHUNK: usize = 32;

/// Prepares the items at `sequence` (indices into `items`) on all available cores, in
/// chunks, and hands the prepared items to `consume` in `sequence` order as they come:
/// grouping one community (which cannot be split) overlaps with preparing the next
/// suggestions instead of waiting for all of them. Preparing needs no engine state.
fn prepare_streamed<R>(
    items: &[Item],
    sequence: &[usize],
    head: &[Normalised],
    consume: impl FnOnce(&mut dyn Iterator<Item = Prepared>) -> R,
) -> R {
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, 8);
    let chunks = sequence.len().div_ceil(PREPARE_CHUNK);
    let next = AtomicUsize::new(0);
    std::thread::scope(|s| {
        let (tx, rx) = mpsc::channel::<(usize, Vec<Prepared>)>();
        for _ in 0..threads {
            let tx = tx.clone();
            let next = &next;
            s.spawn(move || loop {
                let c = next.fetch_add(1, Ordering::Relaxed);
                if c >= chunks {
                    break;
                }
                let part = c * PREPARE_CHUNK..((c + 1) * PREPARE_CHUNK).min(sequence.len());
                let prepared = part
                    .map(|k| match head.get(k) {
                        Some(normalised) => normalised.prepare(),
                        None => {
                            let it = &items[sequence[k]];
                            prepare(it.subject.as_deref(), &it.text)
                        }
                    })
                    .collect();
                if tx.send((c, prepared)).is_err() {
                    break;
                }
            });
        }
        drop(tx);
        let mut in_order = InOrder {
            rx,
            waiting: vec![None; chunks],
            next: 0,
            current: Vec::new().into_iter(),
        };
        consume(&mut in_order)
    })
}

/// One community's items (`idx`) in `time` order; an item without a time keeps its place
/// after the item before it.
fn arrival_order(items: &[Item], idx: &[usize]) -> Vec<usize> {
    let mut last = String::new();
    let mut keyed: Vec<(String, usize)> = idx
        .iter()
        .map(|&i| {
            if let Some(t) = &items[i].time {
                last.clone_from(t);
            }
            (last.clone(), i)
        })
        .collect();
    keyed.sort_by(|a, b| a.0.cmp(&b.0));
    keyed.into_iter().map(|(_, i)| i).collect()
}

/// The prepared chunks in order, whatever order the threads finish them in.
struct InOrder {
    rx: mpsc::Receiver<(usize, Vec<Prepared>)>,
    waiting: Vec<Option<Vec<Prepared>>>,
    next: usize,
    current: std::vec::IntoIter<Prepared>,
}

impl Iterator for InOrder {
    type Item = Prepared;

    fn next(&mut self) -> Option<Prepared> {
        loop {
            if let Some(p) = self.current.next() {
                return Some(p);
            }
            if self.next == self.waiting.len() {
                return None;
            }
            while self.waiting[self.next].is_none() {
                // Only a panicking preparing thread leaves a chunk unsent; the scope
                // passes its panic on.
                let (c, chunk) = self.rx.recv().ok()?;
                self.waiting[c] = Some(chunk);
            }
            self.current = self.waiting[self.next]
                .take()
                .unwrap_or_default()
                .into_iter();
            self.next += 1;
        }
    }
}

/// Groups the items: one engine per community, each fed in `time` order (items without
/// a time keep their place after the item before them). Topic ids are numbered across
/// communities in order of first appearance in the input.
pub fn group_items(items: Vec<Item>, cfg: &EngineConfig) -> FileGrouping {
    let start = Instant::now();
    let loading = std::thread::spawn(warm_up);

    let mut by_community: HashMap<&str, Vec<usize>> = HashMap::new();
    let mut order: Vec<&str> = Vec::new();
    for (i, it) in items.iter().enumerate() {
        let c = it.community.as_str();
        by_community.entry(c).or_insert_with(|| {
            order.push(c);
            Vec::new()
        });
        by_community.entry(c).or_default().push(i);
    }

    // Each community's items in time order, the communities one after the other.
    let keyed: Vec<Vec<usize>> = order
        .iter()
        .map(|c| arrival_order(&items, &by_community[c]))
        .collect();
    let sequence: Vec<usize> = keyed.iter().flatten().copied().collect();

    // While the dictionaries load, this thread normalises the first suggestions.
    let mut head: Vec<Normalised> = Vec::new();
    while !loading.is_finished() && head.len() < sequence.len() {
        let it = &items[sequence[head.len()]];
        head.push(Normalised::new(it.subject.as_deref(), &it.text));
    }
    if let Err(panic) = loading.join() {
        std::panic::resume_unwind(panic);
    }

    let mut local = vec![(0usize, 0u64); items.len()];
    let mut titles_of: HashMap<(usize, TopicId), String> = HashMap::new();
    prepare_streamed(&items, &sequence, &head, |prepared| {
        for (ci, community) in keyed.iter().enumerate() {
            let g = group_all(cfg, (&mut *prepared).take(community.len()));
            for (pos, &i) in community.iter().enumerate() {
                let topic = g.topics[pos];
                local[i] = (ci, topic);
                titles_of
                    .entry((ci, topic))
                    .or_insert_with(|| g.engine.label(topic).map(|l| l.title).unwrap_or_default());
            }
        }
    });

    let mut global: HashMap<(usize, TopicId), TopicId> = HashMap::new();
    let mut topics = Vec::with_capacity(items.len());
    let mut titles = Vec::with_capacity(items.len());
    for l in &local {
        let next = global.len() as TopicId + 1;
        topics.push(*global.entry(*l).or_insert(next));
        titles.push(titles_of.get(l).cloned().unwrap_or_default());
    }
    FileGrouping {
        topic_count: global.len(),
        items,
        topics,
        titles,
        seconds: start.elapsed().as_secs_f64(),
    }
}

/// Reads and parses the input while another thread starts loading the segmentation
/// dictionaries, which grouping needs next.
fn read_input(input: &Path) -> anyhow::Result<Vec<Item>> {
    std::thread::spawn(warm_up);
    let content =
        fs::read_to_string(input).with_context(|| format!("cannot read {}", input.display()))?;
    parse_items(&content).with_context(|| format!("in {}", input.display()))
}

/// Reads an engine configuration (JSON; absent fields take their defaults).
pub fn load_config(path: Option<&Path>) -> anyhow::Result<EngineConfig> {
    let Some(path) = path else {
        return Ok(EngineConfig::default());
    };
    let content =
        fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    serde_json::from_str(&content).with_context(|| format!("bad engine config {}", path.display()))
}

/// `minyi group`: one `{"id", "topic", "title"}` line per input line, in input order.
pub fn run_group(input: &Path, output: &Path, cfg: &EngineConfig) -> anyhow::Result<()> {
    let g = group_items(read_input(input)?, cfg);
    let file =
        fs::File::create(output).with_context(|| format!("cannot create {}", output.display()))?;
    let mut w = BufWriter::new(file);
    for ((it, topic), title) in g.items.iter().zip(&g.topics).zip(&g.titles) {
        let line = json!({"id": it.id, "topic": topic, "title": title});
        writeln!(w, "{line}").with_context(|| format!("cannot write {}", output.display()))?;
    }
    w.flush()
        .with_context(|| format!("cannot write {}", output.display()))?;
    Ok(())
}

/// `minyi eval`: groups the file and scores it against `label_field` (lines where that
/// field is present and not empty).
pub fn run_eval(input: &Path, label_field: &str, cfg: &EngineConfig) -> anyhow::Result<Value> {
    let items = read_input(input)?;
    // Cold start matters most: the grouping a worker sees after the first suggestions.
    let curve: Vec<Value> = CURVE_POINTS
        .iter()
        .filter(|&&n| n < items.len())
        .filter_map(|&n| {
            let g = group_items(items[..n].to_vec(), cfg);
            let l = labelled(&g, label_field);
            let s = (!l.is_empty()).then(|| score(&l))?;
            Some(json!({"after": n, "topics": g.topic_count, "b3_f1": r4(s.b3_f1)}))
        })
        .collect();
    let corrections = corrections_needed(&items, label_field, cfg);
    let synonyms = synonyms_learned(&items, label_field, cfg);
    let g = group_items(items, cfg);
    let l = labelled(&g, label_field);
    if l.is_empty() {
        bail!("no line has a non-empty `{label_field}`");
    }
    let s = score(&l);
    Ok(json!({
        "messages": g.items.len(),
        "labelled": s.n,
        "groups": s.groups,
        "topics": g.topic_count,
        "pair_p": r4(s.pair_p), "pair_r": r4(s.pair_r), "pair_f1": r4(s.pair_f1),
        "b3_p": r4(s.b3_p), "b3_r": r4(s.b3_r), "b3_f1": r4(s.b3_f1),
        "curve": curve,
        "corrections": corrections,
        "synonyms": synonyms,
        "seconds": r4(g.seconds),
        "messages_per_second": (g.items.len() as f64 / g.seconds.max(1e-9)).round(),
    }))
}

/// Corrections a worker makes while the labelled lines arrive in file order (one community
/// at a time), without and with the engine learning from them, and how well "similar
/// topics" finds the topics the service split from one issue (`grouping::replay`).
fn corrections_needed(items: &[Item], label_field: &str, cfg: &EngineConfig) -> Value {
    let communities = communities_of(items);
    let stream = |idx: &[usize]| labelled_stream(items, idx, label_field);
    let run = |learn: bool| {
        let mut total = Corrections::default();
        for (_, idx) in &communities {
            let got = replay_with_worker(cfg, stream(idx), learn);
            total.wrong_joins += got.wrong_joins;
            total.missed_joins += got.missed_joins;
        }
        total
    };
    let (without, with) = (run(false), run(true));
    let mut near = NearMisses::default();
    for (_, idx) in &communities {
        let n = near_misses(cfg, stream(idx));
        near.split_topics += n.split_topics;
        near.found_first += n.found_first;
        near.found_in_3 += n.found_in_3;
        near.found_in_5 += n.found_in_5;
        near.listed += n.listed;
        near.listed_same_issue += n.listed_same_issue;
    }
    json!({
        "similar_topics": near,
        "without_lessons": without.total(),
        "with_lessons": with.total(),
        "detail": {"without_lessons": without, "with_lessons": with},
    })
}

/// Each community's line numbers, communities in order of first appearance.
fn communities_of(items: &[Item]) -> Vec<(&str, Vec<usize>)> {
    let mut communities: Vec<(&str, Vec<usize>)> = Vec::new();
    for (i, it) in items.iter().enumerate() {
        match communities.iter_mut().find(|(c, _)| *c == it.community) {
            Some((_, idx)) => idx.push(i),
            None => communities.push((&it.community, vec![i])),
        }
    }
    communities
}

/// One community's labelled lines, prepared, in arrival order.
fn labelled_stream<'a>(
    items: &'a [Item],
    idx: &[usize],
    label_field: &'a str,
) -> impl Iterator<Item = (Prepared, String)> + 'a {
    arrival_order(items, idx)
        .into_iter()
        .map(|i| &items[i])
        .filter_map(move |it| Some((it, label_of(it, label_field)?)))
        .map(|(it, label)| (prepare(it.subject.as_deref(), &it.text), label))
}

/// Proposals with at least this much evidence are taken as accepted by the simulated worker.
const ACCEPTED_EVIDENCE: u32 = 2;

/// The synonyms the simulated worker's corrections propose (`grouping::synonyms`), and the
/// file grouped again with the well-evidenced ones accepted, as a worker who accepts the
/// proposals would see the suggestions that follow. (Learnt from the same file: it shows what
/// the mechanism can carry, not a held-out score.)
fn synonyms_learned(items: &[Item], label_field: &str, cfg: &EngineConfig) -> Value {
    let mut proposed = Vec::new();
    let mut rewritten = items.to_vec();
    let mut accepted = 0;
    for (_, idx) in communities_of(items) {
        let found = synonyms_from_worker(cfg, labelled_stream(items, &idx, label_field));
        let keep: Vec<(String, String)> = found
            .iter()
            .filter(|p| p.evidence >= ACCEPTED_EVIDENCE)
            .map(|p| (p.surface.clone(), p.canonical.clone()))
            .collect();
        accepted += keep.len();
        let syn = Synonyms::new(keep);
        for &i in &idx {
            let it = &mut rewritten[i];
            it.text = syn.apply(&it.text).into_owned();
            it.subject = it.subject.as_deref().map(|s| syn.apply(s).into_owned());
        }
        proposed.extend(found);
    }
    proposed.sort_by(|a, b| b.evidence.cmp(&a.evidence).then(a.surface.cmp(&b.surface)));
    let top: Vec<String> = proposed
        .iter()
        .take(12)
        .map(|p| format!("{}→{} ×{}", p.surface, p.canonical, p.evidence))
        .collect();
    let g = group_items(rewritten, cfg);
    let l = labelled(&g, label_field);
    let b3 = (!l.is_empty()).then(|| r4(score(&l).b3_f1));
    json!({
        "proposed": proposed.len(),
        "top": top,
        "accepted": accepted,
        "accepted_at_evidence": ACCEPTED_EVIDENCE,
        "b3_f1_with_accepted": b3,
    })
}

/// Prefixes of the input scored on their own by `minyi eval`.
const CURVE_POINTS: [usize; 3] = [30, 60, 100];

fn r4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

/// The line's label: `label_field`, present and not empty.
fn label_of(it: &Item, label_field: &str) -> Option<String> {
    match it.raw.get(label_field)? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Null | Value::String(_) => None,
        other => Some(other.to_string()),
    }
}

/// (topic, label) of the lines where `label_field` is present and not empty.
fn labelled(g: &FileGrouping, label_field: &str) -> Vec<(TopicId, String)> {
    g.items
        .iter()
        .zip(&g.topics)
        .filter_map(|(it, &t)| Some((t, label_of(it, label_field)?)))
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_bad_line_is_reported_with_its_number() {
        let input = "{\"id\": 1, \"text\": \"电梯坏了\"}\n\n{\"id\": [1], \"text\": \"x\"}\n";
        let err = parse_items(input).err().unwrap();
        assert!(format!("{err:#}").contains("line 3"), "{err:#}");
        let err = parse_items("{\"id\": 1}").err().unwrap();
        assert!(format!("{err:#}").contains("line 1"), "{err:#}");
        let err = parse_items("not json").err().unwrap();
        assert!(format!("{err:#}").contains("line 1"), "{err:#}");
    }

    #[test]
    fn ids_keep_their_json_type_and_order() {
        let input = concat!(
            "{\"id\": \"a\", \"text\": \"3栋电梯坏了没人修\", \"time\": \"2020-01-02\"}\n",
            "{\"id\": 7, \"text\": \"3栋电梯坏了没人修\", \"time\": \"2020-01-01\"}\n",
            "{\"id\": 8, \"text\": \"小区门口垃圾桶满了\", \"community\": \"other\"}\n",
        );
        let g = group_items(parse_items(input).unwrap(), &EngineConfig::default());
        assert_eq!(g.items[0].id, json!("a"));
        assert_eq!(g.items[1].id, json!(7));
        assert_eq!(g.topics[0], g.topics[1]);
        assert_ne!(g.topics[2], g.topics[0]);
    }

    #[test]
    fn eval_reports_the_cold_start_curve() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("labelled.jsonl");
        let lines: String = (0..35)
            .map(|i| {
                let (text, topic) = if i % 2 == 0 {
                    (
                        format!("{}号楼电梯坏了", i % 6 + 1),
                        format!("lift-{}", i % 6 + 1),
                    )
                } else {
                    ("南门垃圾站太臭了".to_string(), "rubbish".to_string())
                };
                json!({"id": i, "text": text, "topic": topic}).to_string() + "\n"
            })
            .collect();
        fs::write(&path, lines).unwrap();
        let v = run_eval(&path, "topic", &EngineConfig::default()).unwrap();
        let curve = v["curve"].as_array().unwrap();
        assert_eq!(curve.len(), 1, "{v}");
        assert_eq!(curve[0]["after"], 30);
        assert!(curve[0]["b3_f1"].as_f64().unwrap() > 0.0, "{v}");
        assert_eq!(v["messages"], 35);
    }
}
