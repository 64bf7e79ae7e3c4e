//! ACD decision time at hotline scale: 1,000 agents, 10,000 waiting calls.
//! `cargo bench -p hotline-server --bench acd` prints the time per routing decision.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use hotline_server::acd::{
    Acd, AcdEffect, AcdSettings, AgentId, AgentLogin, CallId, IncomingCall, QueueConfig, QueueId,
    Strategy,
};

fn main() {
    for strategy in [
        Strategy::LongestIdle,
        Strategy::RoundRobin,
        Strategy::FewestCalls,
        Strategy::RingAll,
        Strategy::Linear,
        Strategy::LeastTalkTime,
        Strategy::Random,
    ] {
        run(strategy);
    }
}

fn run(strategy: Strategy) {
    let t0 = Instant::now();
    let mut acd = Acd::new(AcdSettings::default(), 7);
    for q in 0..50 {
        let mut c = QueueConfig::new(format!("q{q}"), strategy);
        c.skills = vec![format!("s{}", q % 10)];
        c.ring_timeout = Duration::from_secs(20);
        acd.define_queue(c, t0).expect("queue");
    }
    for a in 0..1000 {
        let skills: BTreeMap<String, u8> = (0..10)
            .filter(|s| (a + s) % 3 == 0)
            .map(|s| (format!("s{s}"), 5))
            .collect();
        let id = AgentId(format!("a{a}"));
        acd.log_in(
            AgentLogin {
                id: id.clone(),
                skills,
                backup_groups: BTreeSet::new(),
            },
            t0,
        )
        .expect("login");
    }
    // 10,000 calls wait while every agent is not ready.
    for c in 0..10_000u64 {
        let call = IncomingCall {
            call: CallId(c),
            caller: format!("138{c:08}"),
            queue: QueueId(format!("q{}", c % 50)),
            priority: 0,
            vip: false,
            last_agent: None,
            arrived_at: t0,
        };
        acd.call_arrived(call, t0).expect("arrive");
    }
    // Now agents become ready one by one: each readiness is a routing decision over the queues.
    let mut decisions = 0u64;
    let mut offers = 0u64;
    let mut worst = Duration::ZERO;
    let start = Instant::now();
    for a in 0..1000 {
        let t = Instant::now();
        let effects = acd.set_ready(&AgentId(format!("a{a}")), t0).expect("ready");
        let dt = t.elapsed();
        worst = worst.max(dt);
        decisions += 1;
        offers += effects
            .iter()
            .filter(|e| matches!(e, AcdEffect::Offer { .. }))
            .count() as u64;
    }
    // And calls keep arriving with agents busy ringing: 1,000 more arrivals.
    for c in 10_000..11_000u64 {
        let t = Instant::now();
        let call = IncomingCall {
            call: CallId(c),
            caller: format!("139{c:08}"),
            queue: QueueId(format!("q{}", c % 50)),
            priority: 0,
            vip: false,
            last_agent: None,
            arrived_at: t0,
        };
        acd.call_arrived(call, t0).expect("arrive");
        worst = worst.max(t.elapsed());
        decisions += 1;
    }
    let total = start.elapsed();
    println!(
        "{strategy:?}: {decisions} decisions in {:.1} ms, {:.1} µs each on average, worst {:.1} µs; {offers} offers made",
        total.as_secs_f64() * 1000.0,
        total.as_secs_f64() * 1e6 / decisions as f64,
        worst.as_secs_f64() * 1e6
    );
}
