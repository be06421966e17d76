//! Scale run of the grouping engine on synthetic suggestions of one community.
//!
//!     cargo run --release --example grouping_scale -- --n 1000000 [--seed 7] [--consolidate-every 10000]
//!
//! The generator combines places × issues × paraphrases × openings/endings, so every
//! suggestion has a known true issue (place + problem). Suggestions are generated and
//! prepared one at a time (preparing is timed apart: the service does it outside the
//! community lock); `decide` + `apply` are timed per suggestion. Prints one JSON object.

use std::time::Instant;

use minyi::grouping::{prepare, score, warm_up, Decision, Engine, EngineConfig, TopicId};

const ISSUES: &[&[&str]] = &[
    &[
        "电梯经常坏，上周还困了人",
        "电梯三天两头出故障停运",
        "电梯老化总是停，老人下不了楼",
        "电梯又坏了，维修太不及时",
    ],
    &[
        "希望加装电梯",
        "老楼没有电梯，请推进加装电梯",
        "老人爬楼太难，盼着装电梯",
        "加装电梯的事什么时候启动",
    ],
    &[
        "顶楼下雨就漏水",
        "屋顶防水坏了，一下雨家里滴水",
        "楼顶渗水，天花板发霉",
        "顶层漏雨，墙皮往下掉",
    ],
    &[
        "楼道灯坏了",
        "楼道里的声控灯不亮",
        "楼梯间没有灯，晚上太黑",
        "楼道照明坏了一个多月",
    ],
    &[
        "乱停车堵了消防通道",
        "消防通道被私家车占满",
        "楼前乱停乱放，救护车进不来",
        "车停在消防通道上没人管",
    ],
    &[
        "垃圾桶满了没人清运",
        "垃圾清运不及时，臭气熏天",
        "垃圾堆到桶外面，招老鼠",
        "垃圾站好几天才拉走一次",
    ],
    &[
        "装修噪音太大",
        "有人装修天天砸墙，吵得没法休息",
        "装修电钻声从早响到晚",
        "违规时间装修扰民",
    ],
    &[
        "下水道堵了，污水返上来",
        "排污管道堵塞，卫生间返水",
        "下水管堵了，一楼污水倒灌",
        "化粪池满了，下水道一直堵",
    ],
    &[
        "水压太低，高层没水",
        "高层水龙头出水很小",
        "一到晚上就没水，加压泵坏了",
        "自来水水压不够，热水器打不着火",
    ],
    &[
        "电动车飞线充电很危险",
        "没有充电桩，只能拉线充电",
        "希望增设电动车充电桩",
        "楼道里给电动车充电有火灾隐患",
    ],
    &[
        "流浪狗太多，咬伤了人",
        "流浪狗成群乱叫还追孩子",
        "有几条流浪狗很危险",
        "请收容流浪狗，已经有人被咬",
    ],
    &[
        "门禁坏了，外人随便进出",
        "门禁卡刷不开，门一直敞着",
        "电子门禁失灵，小区不安全",
        "门禁系统坏了好几天",
    ],
];

const BUILDING_PLACES: usize = 200;
const NAMED_PLACES: &[&str] = &[
    "北门",
    "南门",
    "西门",
    "东门",
    "中心广场",
    "车棚",
    "幼儿园门口",
    "菜市场旁",
];
const OPENINGS: &[&str] = &[
    "",
    "您好，",
    "反映一个问题：",
    "我是老住户，",
    "麻烦社区看一下，",
    "各位领导好，",
];
const ENDINGS: &[&str] = &[
    "",
    "请尽快解决。",
    "希望社区管一管。",
    "已经很久了！",
    "谢谢！",
    "大家意见很大。",
];

/// A small deterministic generator (xorshift), so runs are repeatable without crates.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn place_name(p: usize) -> String {
    if p < BUILDING_PLACES {
        format!("{}号楼", p + 1)
    } else {
        NAMED_PLACES[p - BUILDING_PLACES].to_string()
    }
}

/// One suggestion and its true issue id (place × problem). Popular issues are skewed:
/// a place draws from a few of the problems, as in real buildings.
fn generate(rng: &mut Rng) -> (String, u64) {
    let places = BUILDING_PLACES + NAMED_PLACES.len();
    let p = rng.below(places);
    // each place has 3 problems that residents raise
    let k = (p * 7 + rng.below(3) * 5) % ISSUES.len();
    let para = ISSUES[k][rng.below(ISSUES[k].len())];
    let text = format!(
        "{}{}{}{}",
        OPENINGS[rng.below(OPENINGS.len())],
        place_name(p),
        para,
        ENDINGS[rng.below(ENDINGS.len())]
    );
    (text, (p * ISSUES.len() + k) as u64)
}

fn peak_rss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0)
}

fn arg(args: &[String], name: &str, default: u64) -> u64 {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n = arg(&args, "--n", 100_000);
    let seed = arg(&args, "--seed", 7);
    let every = arg(&args, "--consolidate-every", 10_000);
    let show = arg(&args, "--show", 0);
    let mut shown: Vec<(u64, String)> = Vec::new();
    let start = Instant::now();
    warm_up();
    let startup = start.elapsed().as_secs_f64();

    let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ seed);
    // MINYI_SCALE_CONFIG: engine parameters as JSON (defaults otherwise).
    let cfg: EngineConfig = std::env::var("MINYI_SCALE_CONFIG")
        .ok()
        .and_then(|c| serde_json::from_str(&c).ok())
        .unwrap_or_default();
    let mut engine = Engine::new(cfg);
    let mut next: TopicId = 0;
    let mut lat_ns: Vec<u32> = Vec::with_capacity(n as usize);
    let mut truth: Vec<u32> = Vec::with_capacity(n as usize);
    let (mut prep_s, mut assign_s, mut cons_s) = (0.0f64, 0.0f64, 0.0f64);
    let mut changes = 0usize;
    for key in 0..n {
        let (text, issue) = generate(&mut rng);
        truth.push(issue as u32);
        if key < show {
            shown.push((key, text.clone()));
        }
        let t0 = Instant::now();
        let doc = prepare(None, &text);
        let t1 = Instant::now();
        let topic = match engine.decide(&doc) {
            Decision::Join { topic, .. } => topic,
            Decision::Open => {
                next += 1;
                next
            }
        };
        engine.apply(key, doc, topic);
        let t2 = Instant::now();
        prep_s += (t1 - t0).as_secs_f64();
        assign_s += (t2 - t1).as_secs_f64();
        lat_ns.push((t2 - t1).as_nanos().min(u32::MAX as u128) as u32);
        if every > 0 && (key + 1) % every == 0 {
            let c0 = Instant::now();
            changes += engine
                .consolidate(&mut || {
                    next += 1;
                    next
                })
                .len();
            cons_s += c0.elapsed().as_secs_f64();
        }
    }
    for (key, text) in &shown {
        let t = engine.topic_of(*key).unwrap_or(0);
        eprintln!("{key}\ttopic {t}\tissue {}\t{text}", truth[*key as usize]);
    }
    let pairs: Vec<(TopicId, u32)> = (0..n)
        .map(|k| (engine.topic_of(k).unwrap_or(0), truth[k as usize]))
        .collect();
    let s = score(&pairs);
    lat_ns.sort_unstable();
    let pct = |p: f64| {
        let i = ((lat_ns.len() as f64 * p) as usize).min(lat_ns.len().saturating_sub(1));
        lat_ns.get(i).copied().unwrap_or(0) as f64 / 1e6
    };
    let out = serde_json::json!({
        "n": n,
        "true_issues": s.groups,
        "topics": engine.topic_count(),
        "startup_s": startup,
        "assign_per_s": (n as f64 / assign_s.max(1e-9)).round(),
        "assign_p50_ms": pct(0.50),
        "assign_p99_ms": pct(0.99),
        "assign_max_ms": pct(1.0),
        "prepare_per_s": (n as f64 / prep_s.max(1e-9)).round(),
        "end_to_end_per_s": (n as f64 / (prep_s + assign_s + cons_s).max(1e-9)).round(),
        "consolidate_s": cons_s,
        "consolidate_changes": changes,
        "peak_rss_mb": peak_rss_kb() / 1024,
        "b3_p": s.b3_p, "b3_r": s.b3_r, "b3_f1": s.b3_f1,
        "wall_s": start.elapsed().as_secs_f64(),
    });
    println!("{out}");
}
