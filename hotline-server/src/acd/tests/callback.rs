//! Callback in queue (排队回拨): the entry keeps its place, is served in turn, and failed
//! attempts are retried from the head of the queue after the delay, up to the limit.

use super::*;

fn callback_queue() -> QueueConfig {
    let mut q = QueueConfig::new("q", Strategy::Linear);
    q.announce_interval = Some(secs(30));
    q.max_wait = Some(secs(100));
    q.overflow = OverflowTarget::Voicemail;
    q.callback = CallbackPolicy {
        max_attempts: 2,
        retry_delay: secs(60),
    };
    q
}

fn request(sim: &mut Sim, call: u64, number: &str) -> Vec<AcdEffect> {
    let r = sim.acd.request_callback(CallId(call), number, sim.now);
    sim.check(r)
}

fn fail(sim: &mut Sim, call: u64, retry: bool) -> Vec<AcdEffect> {
    let r = sim.acd.callback_failed(CallId(call), retry, sim.now);
    sim.check(r)
}

/// Call 1 asked for a callback while nobody was ready; a1 then went ready, was offered it and
/// answered (the server now dials the citizen).
fn a1_dials_callback_1() -> Sim {
    let mut sim = Sim::new();
    sim.queue(callback_queue());
    sim.login("a1", &[], &[]);
    sim.call(1, "q");
    request(&mut sim, 1, "13800000001");
    let r = sim.acd.set_ready(&agent("a1"), sim.now);
    assert_eq!(offers(&sim.check(r)), offer(1, "a1"));
    sim.answer("a1", 1);
    sim
}

/// The ACD's verdict on a failed attempt of callback `call`.
fn failed(call: u64, attempts: u32, retry_at: Option<Instant>) -> AcdEffect {
    AcdEffect::CallbackFailed {
        call: CallId(call),
        attempts,
        retry_at,
    }
}

fn announced(fx: &[AcdEffect]) -> Vec<(u64, usize)> {
    fx.iter()
        .filter_map(|e| match e {
            AcdEffect::Announce { call, position, .. } => Some((call.0, *position)),
            _ => None,
        })
        .collect()
}

#[test]
fn a_callback_keeps_its_place_and_is_served_in_turn() {
    let mut sim = Sim::new();
    sim.queue(callback_queue());
    // Logged in but not ready: nobody takes calls, and the queue does not overflow.
    sim.login("a1", &[], &[]);
    for id in 1..=3 {
        sim.call(id, "q");
    }
    request(&mut sim, 2, "13800000002");
    assert_eq!(sim.acd.callback_number(CallId(2)), Some("13800000002"));
    assert_eq!(sim.waiting("q"), [1, 2, 3], "the order is unchanged");

    // Announcements: the callback hears none, the caller behind it still counts it.
    let fx = sim.advance(secs(30));
    assert_eq!(announced(&fx), [(1, 1), (3, 3)]);

    // Past max_wait the live callers overflow to voicemail; the callback stays.
    let fx = sim.advance(secs(70));
    let overflowed: Vec<u64> = fx
        .iter()
        .filter_map(|e| match e {
            AcdEffect::Overflow { call, .. } => Some(call.0),
            _ => None,
        })
        .collect();
    assert_eq!(overflowed, [1, 3]);
    assert_eq!(sim.waiting("q"), [2]);

    // Its turn: offered like a call; the agent answers and is connected.
    let r = sim.acd.set_ready(&agent("a1"), sim.now);
    let fx = sim.check(r);
    assert_eq!(offers(&fx), offer(2, "a1"));
    let fx = sim.answer("a1", 2);
    assert!(fx.contains(&AcdEffect::Connect {
        call: CallId(2),
        agent: agent("a1"),
    }));
    // The citizen answered and the conversation ended: an ordinary end.
    sim.advance(secs(40));
    sim.end(2);
    assert_eq!(sim.state("a1"), AgentState::Ready);
    assert!(sim.waiting("q").is_empty());
}

#[test]
fn a_failed_attempt_frees_the_agent_and_retries_from_the_head_after_the_delay() {
    let mut sim = a1_dials_callback_1();
    sim.call(2, "q");

    // Busy: the agent is ready at once (no wrap-up), and takes the next caller meanwhile.
    let fx = fail(&mut sim, 1, true);
    assert!(fx.contains(&failed(1, 1, Some(sim.at(60)))));
    assert!(has_state(
        &fx,
        "a1",
        &AgentState::Ready,
        StateCause::CallEnded
    ));
    assert_eq!(offers(&fx), offer(2, "a1"), "held back during its delay");
    assert_eq!(sim.waiting("q"), [1, 2], "back at the head");
    assert_eq!(
        sim.acd.next_deadline(),
        Some(sim.at(20)),
        "the ring timeout"
    );
    sim.serve("a1", 2, secs(10));
    assert_eq!(sim.acd.next_deadline(), Some(sim.at(60)), "the retry");

    // The delay is over: offered again, first.
    let fx = sim.advance(secs(50));
    assert_eq!(offers(&fx), offer(1, "a1"));
    sim.answer("a1", 1);
    sim.call(3, "q");

    // Second failure of two allowed: given up, gone from the ACD.
    let fx = fail(&mut sim, 1, true);
    assert!(fx.contains(&failed(1, 2, None)));
    assert_eq!(offers(&fx), offer(3, "a1"));
    assert_eq!(sim.acd.callback_number(CallId(1)), None);
}

/// The agent logged out while the citizen's phone rang: not the citizen's failure. The attempt
/// is not counted and there is no retry delay; the queue's two attempts are both still there.
#[test]
fn an_attempt_abandoned_on_our_side_is_not_counted_and_is_offered_again_at_once() {
    let mut sim = a1_dials_callback_1();

    let r = sim.acd.callback_abandoned(CallId(1), sim.now);
    let fx = sim.check(r);
    assert!(fx.contains(&failed(1, 0, Some(sim.now))));
    assert_eq!(offers(&fx), offer(1, "a1"), "offered again at once");
    sim.answer("a1", 1);

    let fx = fail(&mut sim, 1, true);
    assert!(fx.contains(&failed(1, 1, Some(sim.at(60)))));
    let fx = sim.advance(secs(60));
    assert_eq!(offers(&fx), offer(1, "a1"));
    sim.answer("a1", 1);
    let fx = fail(&mut sim, 1, true);
    assert!(fx.contains(&failed(1, 2, None)));
}

#[test]
fn a_result_not_worth_retrying_ends_the_callback_at_once() {
    let mut sim = Sim::new();
    sim.queue(callback_queue());
    sim.ready_agent("a1", &[]);
    sim.login("a2", &[], &[]);
    // a1 is busy with call 1 so call 2 waits and asks for a callback.
    sim.call(1, "q");
    sim.answer("a1", 1);
    sim.call(2, "q");
    request(&mut sim, 2, "000");
    sim.end(1);
    sim.answer("a1", 2);
    let fx = fail(&mut sim, 2, false);
    assert!(fx.contains(&failed(2, 1, None)));
    assert!(sim.waiting("q").is_empty());
}

#[test]
fn a_callback_is_refused_while_ringing_or_twice() {
    let mut sim = Sim::new();
    sim.queue(callback_queue());
    sim.ready_agent("a1", &[]);
    sim.call(1, "q");
    assert_eq!(
        sim.acd.request_callback(CallId(1), "1", sim.now),
        Err(AcdError::NotWaiting(CallId(1)))
    );
    sim.call(2, "q");
    request(&mut sim, 2, "2");
    assert_eq!(
        sim.acd.request_callback(CallId(2), "2", sim.now),
        Err(AcdError::NotWaiting(CallId(2)))
    );
    assert_eq!(
        sim.acd.callback_failed(CallId(2), true, sim.now),
        Err(AcdError::NotConnected(CallId(2)))
    );
    // An ordinary connected call is not a callback.
    sim.answer("a1", 1);
    assert_eq!(
        sim.acd.callback_failed(CallId(1), true, sim.now),
        Err(AcdError::NotConnected(CallId(1)))
    );
}

#[test]
fn queues_left_without_agents_keep_their_callbacks() {
    let mut sim = Sim::new();
    sim.queue(callback_queue());
    sim.login("a1", &[], &[]);
    sim.call(1, "q");
    sim.call(2, "q");
    request(&mut sim, 2, "2");
    let r = sim.acd.log_out(&agent("a1"), sim.now);
    let fx = sim.check(r);
    assert!(fx.contains(&AcdEffect::Overflow {
        call: CallId(1),
        to: OverflowTarget::Voicemail,
        cause: OverflowCause::NoAgents,
    }));
    assert_eq!(sim.waiting("q"), [2]);
}

fn campaign_entry(sim: &mut Sim, call: u64, number: &str) -> Vec<AcdEffect> {
    let incoming = IncomingCall {
        call: CallId(call),
        caller: number.into(),
        queue: QueueId("q".into()),
        priority: 0,
        vip: false,
        last_agent: None,
        arrived_at: sim.now,
    };
    let r = sim
        .acd
        .callback_entry_arrived(incoming, CallbackStart::new(number), sim.now);
    sim.check(r)
}

#[test]
fn a_campaign_entry_waits_like_a_callback_and_its_failure_is_final() {
    let mut sim = Sim::new();
    sim.queue(callback_queue());
    // Nobody ready: it waits, silent, and does not overflow past max_wait.
    sim.login("a1", &[], &[]);
    let fx = campaign_entry(&mut sim, 1, "13800000001");
    assert!(offers(&fx).is_empty());
    assert_eq!(sim.acd.callback_number(CallId(1)), Some("13800000001"));
    let fx = sim.advance(secs(120));
    assert!(announced(&fx).is_empty(), "the citizen is not on the line");
    assert_eq!(sim.waiting("q"), [1]);
    let again = IncomingCall {
        call: CallId(1),
        caller: "x".into(),
        queue: QueueId("q".into()),
        priority: 0,
        vip: false,
        last_agent: None,
        arrived_at: sim.now,
    };
    assert_eq!(
        sim.acd
            .callback_entry_arrived(again, CallbackStart::new("x"), sim.now),
        Err(AcdError::DuplicateCall(CallId(1)))
    );

    // Offered in turn; the agent answers; the dial fails: the campaign decides, so the entry
    // leaves the ACD at once although the queue would allow another attempt.
    let r = sim.acd.set_ready(&agent("a1"), sim.now);
    assert_eq!(offers(&sim.check(r)), offer(1, "a1"));
    sim.answer("a1", 1);
    let fx = fail(&mut sim, 1, false);
    assert!(fx.contains(&failed(1, 1, None)));
    assert!(sim.waiting("q").is_empty());
    assert_eq!(sim.state("a1"), AgentState::Ready);

    // The next attempt is a new entry; answered, it ends like any call.
    campaign_entry(&mut sim, 2, "13800000001");
    sim.answer("a1", 2);
    sim.advance(secs(30));
    sim.end(2);
    assert_eq!(sim.state("a1"), AgentState::Ready);
    assert_eq!(sim.acd.callback_number(CallId(2)), None);
}

#[test]
fn a_restored_callback_keeps_its_attempts_and_its_retry_delay() {
    let mut sim = Sim::new();
    sim.queue(callback_queue());
    sim.login("a1", &[], &[]);
    sim.call(2, "q");
    // Restored with one failed attempt of two, 30 s of its retry delay left.
    let incoming = IncomingCall {
        call: CallId(1),
        caller: "13800000001".into(),
        queue: QueueId("q".into()),
        priority: 0,
        vip: false,
        last_agent: None,
        arrived_at: sim.now,
    };
    let start = CallbackStart {
        number: "13800000001".into(),
        failed: 1,
        not_before: Some(sim.at(30)),
    };
    let r = sim.acd.callback_entry_arrived(incoming, start, sim.now);
    sim.check(r);
    assert_eq!(
        sim.waiting("q"),
        [1, 2],
        "a retried callback waits at the head"
    );
    let r = sim.acd.set_ready(&agent("a1"), sim.now);
    assert_eq!(
        offers(&sim.check(r)),
        offer(2, "a1"),
        "held back: its delay runs"
    );
    sim.serve("a1", 2, secs(10));
    let fx = sim.advance(secs(20));
    assert_eq!(offers(&fx), offer(1, "a1"));
    sim.answer("a1", 1);
    // Its last attempt: a failure ends it, although it was restored.
    let fx = fail(&mut sim, 1, true);
    assert!(fx.contains(&failed(1, 2, None)));
    assert!(sim.waiting("q").is_empty());
}
