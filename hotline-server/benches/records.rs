//! The records behind the agent's screen at a big hotline's scale: fills a database with
//! 1,000,000 tickets and 1,000,000 calls from 200,000 numbers (a year of a large city's 12345),
//! then measures full-text ticket search and the screen-pop query (p50 / p99).
//!
//! `cargo bench -p hotline-server --bench records` — sizes and the database file come from
//! `RECORDS_TICKETS`, `RECORDS_CALLS`, `RECORDS_DB` (an existing file is reused as is, so the
//! queries can be measured again without refilling).

use std::path::PathBuf;
use std::time::{Duration, Instant};

use hotline_server::store::{
    CallEnd, CallerHistoryQuery, NewCall, Store, TicketDraft, TicketFilter, spawn_writer,
};
use hotline_server::tickets::{Actor, Channel, Pin, Role, TicketType, TimeLimit, Urgency};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const NUMBERS: u64 = 200_000;
const DAY_MS: i64 = 86_400_000;
/// 2026-01-01T00:00:00Z; a year of records follows.
const START_MS: i64 = 1_767_225_600_000;

const DISTRICTS: [&str; 8] = [
    "东城区",
    "西城区",
    "朝阳区",
    "海淀区",
    "丰台区",
    "上城区",
    "鼓楼区",
    "江宁区",
];
const STREETS: [&str; 6] = ["幸福路", "和平路", "人民路", "解放路", "建设路", "中山路"];
const MATTERS: [(&str, &str); 10] = [
    ("小区夜间施工噪音扰民", "urban_construction"),
    ("路灯不亮存在安全隐患", "urban_construction"),
    ("拖欠农民工工资三个月", "labour"),
    ("餐馆油烟污染影响居民", "environment"),
    ("公交线路调整出行不便", "traffic"),
    ("物业服务收费不合理", "urban_construction"),
    ("学校周边占道经营", "urban_construction"),
    ("自来水水质浑浊发黄", "urban_construction"),
    ("医保报销流程咨询", "social_security"),
    ("共享单车乱停乱放", "traffic"),
];

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn number(i: u64) -> String {
    format!("139{:08}", i % NUMBERS)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx.min(sorted.len() - 1)]
}

fn report(what: &str, mut samples: Vec<Duration>) {
    samples.sort();
    println!(
        "{what}: n={} p50={:.2} ms p99={:.2} ms max={:.2} ms",
        samples.len(),
        percentile(&samples, 0.5).as_secs_f64() * 1e3,
        percentile(&samples, 0.99).as_secs_f64() * 1e3,
        samples.last().copied().unwrap_or_default().as_secs_f64() * 1e3
    );
}

fn fill_tickets(store: &Store, n: u64, rng: &mut StdRng) {
    let t0 = Instant::now();
    let agent = Actor::centre("bench", Role::Agent);
    let tz = jiff::tz::TimeZone::get("Asia/Shanghai").expect("tz");
    for i in 0..n {
        let (matter, category) = MATTERS[rng.random_range(0..MATTERS.len())];
        let district = DISTRICTS[rng.random_range(0..DISTRICTS.len())];
        let street = STREETS[rng.random_range(0..STREETS.len())];
        let address = format!(
            "{district}{street}{}号{}栋",
            rng.random_range(1..300),
            rng.random_range(1..30)
        );
        let draft = TicketDraft {
            profile: "12345".to_owned(),
            ticket_type: TicketType::Complaint,
            channel: Channel::Phone,
            category: category.to_owned(),
            urgency: Urgency::Normal,
            limit: TimeLimit::Days(10),
            subject: format!("{district}{matter}"),
            description: format!("来电人反映{address}{matter}，请尽快核实处理。编号{i}"),
            address,
            region: district.to_owned(),
            caller_id: None,
            caller_number: number(rng.random_range(0..NUMBERS)),
            call_id: None,
        };
        let at = START_MS + (i as i64 * 365 * DAY_MS) / n.max(1) as i64;
        let now = jiff::Timestamp::from_millisecond(at).expect("time");
        store
            .create_ticket(&draft, &agent, Pin::from_random(rng.random()), &tz, now)
            .expect("ticket");
        if (i + 1) % 100_000 == 0 {
            println!("  {} tickets, {:.0} s", i + 1, t0.elapsed().as_secs_f64());
        }
    }
    println!("filled {n} tickets in {:.0} s", t0.elapsed().as_secs_f64());
}

fn fill_calls(path: &std::path::Path, n: u64, rng: &mut StdRng) {
    let t0 = Instant::now();
    let (writer, _handle) = spawn_writer(path).expect("writer");
    for i in 0..n {
        let id = format!("bench-call-{i}");
        let at = START_MS + (i as i64 * 365 * DAY_MS) / n.max(1) as i64;
        writer.call_started(NewCall {
            id: id.clone(),
            started_at_ms: at,
            caller: number(rng.random_range(0..NUMBERS)),
            caller_e164: String::new(),
            dnis: "12345".to_owned(),
            profile: "12345".to_owned(),
            flow: "12345".to_owned(),
            trunk: "carrier".to_owned(),
            transport: "udp".to_owned(),
            remote: "10.0.0.1:5060".to_owned(),
            caller_location: "北京".to_owned(),
        });
        writer.call_answered(&id, at + 5_000);
        let agent = format!("agent{}", rng.random_range(0..300));
        writer.call_event(
            &id,
            at + 20_000,
            "connected",
            serde_json::json!({ "agent": agent }),
        );
        writer.call_ended(CallEnd {
            call_id: id,
            at_ms: at + 200_000,
            cause: "caller hangup".to_owned(),
            digits: String::new(),
            queue: Some("general".to_owned()),
        });
        if (i + 1) % 50_000 == 0 {
            let _ = writer.flush().blocking_recv();
        }
    }
    let _ = writer.flush().blocking_recv();
    println!("filled {n} calls in {:.0} s", t0.elapsed().as_secs_f64());
}

fn main() {
    let tickets = env("RECORDS_TICKETS", 1_000_000);
    let calls = env("RECORDS_CALLS", 1_000_000);
    let keep = std::env::var("RECORDS_DB").ok().map(PathBuf::from);
    let dir = tempfile::tempdir().expect("temp dir");
    let path = keep.unwrap_or_else(|| dir.path().join("records.db"));
    let fresh = !path.exists();
    let store = Store::open(&path).expect("store");
    let mut rng = StdRng::seed_from_u64(12345);
    if fresh {
        fill_tickets(&store, tickets, &mut rng);
        fill_calls(&path, calls, &mut rng);
    }
    let size = std::fs::metadata(&path).map_or(0, |m| m.len());
    println!("database {} ({} MiB)", path.display(), size / (1 << 20));

    let terms = [
        "噪音扰民",
        "路灯",
        "农民工工资",
        "油烟",
        "朝阳区 施工",
        "幸福路12号",
        "水质浑浊",
        "乱停乱放",
    ];
    let mut search = Vec::new();
    let mut per_term: Vec<Vec<Duration>> = vec![Vec::new(); terms.len()];
    for round in 0..25 {
        for (i, t) in terms.into_iter().enumerate() {
            let filter = TicketFilter {
                q: Some(t.to_owned()),
                limit: Some(50),
                offset: round % 2,
                ..TicketFilter::default()
            };
            let t0 = Instant::now();
            let hits = store.search_tickets(&filter).expect("search");
            search.push(t0.elapsed());
            per_term[i].push(t0.elapsed());
            assert!(!hits.is_empty(), "{t}");
        }
    }
    report("ticket search (full text, 50 rows)", search);
    for (t, samples) in terms.iter().zip(per_term) {
        report(&format!("  \"{t}\""), samples);
    }

    let mut pops = Vec::new();
    for i in 0..2_000u64 {
        let q = CallerHistoryQuery {
            number: number(rng.random_range(0..NUMBERS)),
            current_call: format!("now-{i}"),
            repeat_since_ms: START_MS + 300 * DAY_MS,
            first_contact_since_ms: Some(START_MS + 360 * DAY_MS),
            max_calls: 10,
            max_tickets: 20,
        };
        let t0 = Instant::now();
        let h = store.caller_history(&q).expect("screen-pop");
        pops.push(t0.elapsed());
        std::hint::black_box(h);
    }
    report("screen-pop query", pops);
}
