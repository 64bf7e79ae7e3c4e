//! Each strategy with three agents, plus eligibility and skill-level tie-breaks.

use super::*;

fn three_agents(strategy: Strategy) -> Sim {
    let mut sim = Sim::new();
    let mut q = QueueConfig::new("q", strategy);
    q.skills = vec!["s".to_owned()];
    sim.queue(q);
    sim.ready_agent("a1", &[("s", 5)]);
    sim.ready_agent("a2", &[("s", 3)]);
    sim.ready_agent("a3", &[("s", 1)]);
    sim
}

#[test]
fn ring_all_offers_everyone_and_first_answer_wins() {
    let mut sim = three_agents(Strategy::RingAll);
    let fx = sim.call(1, "q");
    assert_eq!(offers(&fx).len(), 3);
    let fx = sim.answer("a2", 1);
    assert!(fx.contains(&AcdEffect::Connect {
        call: CallId(1),
        agent: agent("a2"),
    }));
    for other in ["a1", "a3"] {
        assert!(fx.contains(&AcdEffect::CancelOffer {
            call: CallId(1),
            agent: agent(other),
            reason: CancelReason::AnsweredElsewhere,
        }));
        assert!(has_state(
            &fx,
            other,
            &AgentState::Ready,
            StateCause::OfferWithdrawn
        ));
    }
    assert_eq!(sim.state("a2"), AgentState::OnCall { call: CallId(1) });
    // A late answer from a cancelled agent is refused.
    assert!(sim.acd.answer(&agent("a1"), CallId(1), sim.now).is_err());
}

#[test]
fn round_robin_rotates() {
    let mut sim = three_agents(Strategy::RoundRobin);
    let mut got = Vec::new();
    for call in 1..=4 {
        let fx = sim.call(call, "q");
        let (_, who) = offers(&fx).pop().expect("offered");
        sim.serve(&who, call, secs(10));
        got.push(who);
    }
    assert_eq!(got, ["a1", "a2", "a3", "a1"]);
}

#[test]
fn linear_follows_configured_order_then_skill() {
    let mut sim = three_agents(Strategy::Linear);
    let mut q = QueueConfig::new("q", Strategy::Linear);
    q.skills = vec!["s".to_owned()];
    q.agent_order = vec![agent("a3")];
    sim.queue(q);
    // a3 is listed; then a1 (level 5) before a2 (level 3); each stays busy.
    assert_eq!(offers(&sim.call(1, "q")), offer(1, "a3"));
    sim.answer("a3", 1);
    assert_eq!(offers(&sim.call(2, "q")), offer(2, "a1"));
    sim.answer("a1", 2);
    assert_eq!(offers(&sim.call(3, "q")), offer(3, "a2"));
    // Once free, a3 is first again.
    sim.end(1);
    sim.answer("a2", 3);
    assert_eq!(offers(&sim.call(4, "q")), offer(4, "a3"));
}

#[test]
fn longest_idle_picks_who_waited_longest() {
    let mut sim = Sim::new();
    sim.queue(QueueConfig::new("q", Strategy::LongestIdle));
    sim.ready_agent("a3", &[]);
    sim.advance(secs(1));
    sim.ready_agent("a1", &[]);
    sim.advance(secs(1));
    sim.ready_agent("a2", &[]);
    assert_eq!(offers(&sim.call(1, "q")), offer(1, "a3"));
    sim.serve("a3", 1, secs(5));
    // a3 just finished: a1 has now been idle longest, then a2.
    assert_eq!(offers(&sim.call(2, "q")), offer(2, "a1"));
    sim.serve("a1", 2, secs(5));
    assert_eq!(offers(&sim.call(3, "q")), offer(3, "a2"));
}

#[test]
fn fewest_calls_today_with_skill_tie_break() {
    let mut sim = three_agents(Strategy::FewestCalls);
    let mut got = Vec::new();
    for call in 1..=4 {
        let fx = sim.call(call, "q");
        let (_, who) = offers(&fx).pop().expect("offered");
        sim.serve(&who, call, secs(10));
        got.push(who);
    }
    // All start at 0: best skill first; then whoever has fewer.
    assert_eq!(got, ["a1", "a2", "a3", "a1"]);
    sim.acd.reset_daily_stats();
    assert_eq!(offers(&sim.call(5, "q")), offer(5, "a1"));
}

#[test]
fn least_talk_time_today() {
    let mut sim = three_agents(Strategy::LeastTalkTime);
    assert_eq!(offers(&sim.call(1, "q")), offer(1, "a1"));
    sim.serve("a1", 1, secs(100));
    assert_eq!(offers(&sim.call(2, "q")), offer(2, "a2"));
    sim.serve("a2", 2, secs(10));
    assert_eq!(offers(&sim.call(3, "q")), offer(3, "a3"));
    sim.serve("a3", 3, secs(50));
    // Talk today: a1 100 s, a2 10 s, a3 50 s.
    assert_eq!(offers(&sim.call(4, "q")), offer(4, "a2"));
}

#[test]
fn random_is_seeded_and_spreads() {
    let run = |seed| {
        let mut sim = Sim::with_seed(seed);
        let mut q = QueueConfig::new("q", Strategy::Random);
        q.skills = vec!["s".to_owned()];
        sim.queue(q);
        for id in ["a1", "a2", "a3"] {
            sim.ready_agent(id, &[("s", 2)]);
        }
        (1..=30)
            .map(|call| {
                let (_, who) = offers(&sim.call(call, "q")).pop().expect("offered");
                sim.serve(&who, call, secs(1));
                who
            })
            .collect::<Vec<_>>()
    };
    let first = run(42);
    assert_eq!(first, run(42));
    for id in ["a1", "a2", "a3"] {
        assert!(first.iter().any(|w| w == id), "{id} never chosen");
    }
}

#[test]
fn only_agents_with_every_skill_are_offered() {
    let mut sim = Sim::new();
    let mut q = QueueConfig::new("q", Strategy::RingAll);
    q.skills = vec!["complaint".to_owned(), "english".to_owned()];
    sim.queue(q);
    sim.ready_agent("a1", &[("complaint", 9)]);
    sim.ready_agent("a2", &[("complaint", 2), ("english", 2)]);
    sim.ready_agent("a3", &[("english", 9)]);
    assert_eq!(offers(&sim.call(1, "q")), offer(1, "a2"));
}

#[test]
fn one_agent_serving_two_queues_gets_the_earlier_call() {
    let mut sim = Sim::new();
    sim.queue(QueueConfig::new("q1", Strategy::Linear));
    sim.queue(QueueConfig::new("q2", Strategy::Linear));
    sim.login("a1", &[], &[]);
    sim.call(1, "q2");
    sim.call(2, "q1");
    let r = sim.acd.set_ready(&agent("a1"), sim.now);
    assert_eq!(offers(&sim.check(r)), offer(1, "a1"));
}
