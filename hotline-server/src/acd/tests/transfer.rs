//! Blind transfer: to a ready agent (offered to them alone), back to routing when they let it
//! go, and to another queue ahead of new callers.

use super::*;

fn skilled(name: &str, skill: &str) -> QueueConfig {
    let mut q = QueueConfig::new(name, Strategy::Linear);
    q.skills = vec![skill.to_owned()];
    q.ring_timeout = secs(10);
    q
}

#[test]
fn transfer_to_an_agent_rings_them_alone_then_routes_as_usual() {
    let mut sim = Sim::new();
    let mut q = QueueConfig::new("q", Strategy::Linear);
    q.ring_timeout = secs(10);
    q.wrap_up = secs(30);
    sim.queue(q);
    for id in ["a1", "a2", "a3"] {
        sim.ready_agent(id, &[]);
    }
    assert_eq!(offers(&sim.call(1, "q")), offer(1, "a1"));
    sim.answer("a1", 1);
    sim.advance(secs(20));

    // Linear would pick a2; the transfer names a3.
    let r = sim.acd.transfer(
        &agent("a1"),
        CallId(1),
        TransferTo::Agent(agent("a3")),
        sim.now,
    );
    let fx = sim.check(r);
    let wrap = AgentState::WrapUp {
        until: sim.now + secs(30),
    };
    assert!(has_state(&fx, "a1", &wrap, StateCause::Transferred));
    assert_eq!(offers(&fx), offer(1, "a3"));

    // a3 lets it ring out: the call goes on by the queue's strategy, not back to a1.
    let fx = sim.advance(secs(10));
    assert_eq!(offers(&fx), offer(1, "a2"));
    sim.answer("a2", 1);
    assert_eq!(sim.state("a2"), AgentState::OnCall { call: CallId(1) });
}

#[test]
fn transfer_to_a_busy_or_unknown_agent_is_refused_and_changes_nothing() {
    let mut sim = Sim::new();
    sim.queue(QueueConfig::new("q", Strategy::Linear));
    sim.ready_agent("a1", &[]);
    sim.login("a2", &[], &[]);
    sim.call(1, "q");
    sim.answer("a1", 1);
    let busy = sim.acd.transfer(
        &agent("a1"),
        CallId(1),
        TransferTo::Agent(agent("a2")),
        sim.now,
    );
    assert!(
        matches!(busy, Err(AcdError::InvalidState { .. })),
        "{busy:?}"
    );
    let nobody = sim.acd.transfer(
        &agent("a1"),
        CallId(1),
        TransferTo::Agent(agent("zz")),
        sim.now,
    );
    assert!(matches!(nobody, Err(AcdError::UnknownAgent(_))));
    let not_theirs = sim.acd.transfer(
        &agent("a2"),
        CallId(1),
        TransferTo::Queue(qid("q")),
        sim.now,
    );
    assert!(not_theirs.is_err());
    assert_eq!(sim.state("a1"), AgentState::OnCall { call: CallId(1) });
}

#[test]
fn transfer_to_a_queue_waits_ahead_of_new_callers() {
    let mut sim = Sim::new();
    sim.queue(skilled("consumer", "12315"));
    sim.queue(skilled("quality", "12365"));
    sim.ready_agent("c1", &[("12315", 5)]);
    sim.login("q1", &[("12365", 5)], &[]);
    sim.call(1, "consumer");
    sim.answer("c1", 1);
    sim.call(2, "quality");
    sim.call(3, "quality");
    assert_eq!(sim.waiting("quality"), [2, 3]);

    let r = sim.acd.transfer(
        &agent("c1"),
        CallId(1),
        TransferTo::Queue(qid("quality")),
        sim.now,
    );
    let fx = sim.check(r);
    assert!(has_state(
        &fx,
        "c1",
        &AgentState::Ready,
        StateCause::Transferred
    ));
    assert_eq!(sim.waiting("quality"), [1, 2, 3]);
    let r = sim.acd.set_ready(&agent("q1"), sim.now);
    assert_eq!(offers(&sim.check(r)), offer(1, "q1"));
}

#[test]
fn an_attended_transfer_hands_the_call_to_the_consulted_agent() {
    let mut sim = Sim::new();
    let mut q = QueueConfig::new("q", Strategy::Linear);
    q.wrap_up = secs(10);
    sim.queue(q);
    sim.ready_agent("a1", &[]);
    sim.call(1, "q");
    sim.answer("a1", 1);
    // The server keeps the consulted agent out of routing while they talk.
    sim.login("a2", &[], &[]);
    sim.advance(secs(30));
    let r = sim.acd.hand_over(CallId(1), &agent("a2"), sim.now);
    let fx = sim.check(r);
    let wrap = AgentState::WrapUp {
        until: sim.now + secs(10),
    };
    assert!(has_state(&fx, "a1", &wrap, StateCause::Transferred));
    assert!(has_state(
        &fx,
        "a2",
        &AgentState::OnCall { call: CallId(1) },
        StateCause::Answered
    ));
    // The call ends with a2 now: a2 goes to wrap-up.
    let fx = sim.end(1);
    assert!(has_state(&fx, "a2", &wrap, StateCause::CallEnded));
}
