//! Timeouts, disconnects, first contact, VIP, overflow, announcements, pick-up, wrap-up.

use super::*;

fn linear(name: &str) -> QueueConfig {
    QueueConfig::new(name, Strategy::Linear)
}

#[test]
fn ring_timeout_goes_to_next_agent_and_marks_missed() {
    let mut sim = Sim::new();
    let mut q = linear("q");
    q.ring_timeout = secs(10);
    sim.queue(q);
    for id in ["a1", "a2", "a3"] {
        sim.ready_agent(id, &[]);
    }
    assert_eq!(offers(&sim.call(1, "q")), offer(1, "a1"));
    assert_eq!(sim.acd.next_deadline(), Some(sim.at(10)));
    assert!(sim.advance(secs(9)).is_empty());
    let fx = sim.advance(secs(1));
    assert!(fx.contains(&AcdEffect::CancelOffer {
        call: CallId(1),
        agent: agent("a1"),
        reason: CancelReason::RingTimeout,
    }));
    assert!(has_state(
        &fx,
        "a1",
        &not_ready(REASON_MISSED),
        StateCause::RingTimeout
    ));
    assert_eq!(offers(&fx), offer(1, "a2"));
    // a2 rejects: stays ready, call moves on to a3.
    let r = sim.acd.reject(&agent("a2"), CallId(1), sim.now);
    let fx = sim.check(r);
    assert!(has_state(
        &fx,
        "a2",
        &AgentState::Ready,
        StateCause::OfferRejected
    ));
    assert_eq!(offers(&fx), offer(1, "a3"));
}

#[test]
fn disconnect_while_ringing_requeues_at_head_and_reconnect_keeps_agent() {
    let mut sim = Sim::new();
    sim.queue(linear("q"));
    sim.ready_agent("a1", &[]);
    sim.login("a2", &[], &[]);
    assert_eq!(offers(&sim.call(1, "q")), offer(1, "a1"));
    sim.call_with(2, "q", 5, false, None);
    assert_eq!(
        sim.waiting("q"),
        [2, 1],
        "higher priority ahead of the ringing call"
    );

    let r = sim.acd.agent_disconnected(&agent("a1"), sim.now);
    let fx = sim.check(r);
    assert!(fx.contains(&AcdEffect::CancelOffer {
        call: CallId(1),
        agent: agent("a1"),
        reason: CancelReason::AgentDisconnected,
    }));
    assert!(has_state(
        &fx,
        "a1",
        &not_ready(REASON_DISCONNECTED),
        StateCause::Disconnected
    ));
    assert_eq!(sim.waiting("q"), [1, 2], "back at the head at once");

    sim.advance(secs(59));
    let r = sim.acd.agent_reconnected(&agent("a1"), sim.now);
    let fx = sim.check(r);
    assert!(has_state(
        &fx,
        "a1",
        &AgentState::Ready,
        StateCause::Reconnected
    ));
    assert_eq!(offers(&fx), offer(1, "a1"));
    assert!(sim.advance(secs(5)).iter().all(|e| !matches!(
        e,
        AcdEffect::AgentState {
            state: AgentState::LoggedOut,
            ..
        }
    )));
}

#[test]
fn disconnected_agent_is_logged_out_after_grace() {
    let mut sim = Sim::new();
    sim.queue(linear("q"));
    sim.ready_agent("a1", &[]);
    let r = sim.acd.agent_disconnected(&agent("a1"), sim.now);
    sim.check(r);
    assert_eq!(sim.acd.next_deadline(), Some(sim.at(60)));
    let fx = sim.advance(secs(60));
    assert!(has_state(
        &fx,
        "a1",
        &AgentState::LoggedOut,
        StateCause::GraceExpired
    ));
    assert!(sim.acd.agent_reconnected(&agent("a1"), sim.now).is_err());
}

#[test]
fn first_contact_ready_agent_is_offered_first() {
    let mut sim = Sim::new();
    sim.queue(linear("q"));
    for id in ["a1", "a2", "a3"] {
        sim.ready_agent(id, &[]);
    }
    assert_eq!(
        offers(&sim.call_with(1, "q", 0, false, Some("a3"))),
        offer(1, "a3")
    );
}

#[test]
fn first_contact_waits_for_busy_agent_then_routes_normally() {
    let mut sim = Sim::new();
    let mut q = linear("q");
    q.first_contact_wait = secs(30);
    sim.queue(q);
    sim.ready_agent("a1", &[]);
    sim.ready_agent("a3", &[]);
    sim.call(1, "q");
    sim.answer("a1", 1);
    // a1 busy: the returning caller waits for a1 although a3 is ready.
    assert!(offers(&sim.call_with(2, "q", 0, false, Some("a1"))).is_empty());
    let fx = sim.advance(secs(10));
    assert!(offers(&fx).is_empty());
    assert_eq!(offers(&sim.end(1)), offer(2, "a1"));

    // Same again, but a1 stays busy past the window.
    sim.answer("a1", 2);
    assert!(offers(&sim.call_with(3, "q", 0, false, Some("a1"))).is_empty());
    assert_eq!(sim.acd.next_deadline(), Some(sim.at(40)));
    assert_eq!(offers(&sim.advance(secs(30))), offer(3, "a3"));
}

#[test]
fn vip_calls_jump_the_queue() {
    let mut sim = Sim::new();
    let mut q = linear("q");
    q.vip_priority_boost = 10;
    sim.queue(q);
    sim.login("a1", &[], &[]);
    sim.call(1, "q");
    sim.call(2, "q");
    sim.call_with(3, "q", 0, true, None);
    sim.call_with(4, "q", 20, false, None);
    assert_eq!(sim.waiting("q"), [4, 3, 1, 2]);
    let r = sim.acd.set_ready(&agent("a1"), sim.now);
    assert_eq!(offers(&sim.check(r)), offer(4, "a1"));
}

#[test]
fn vip_calls_can_be_redirected_to_a_vip_queue() {
    let mut sim = Sim::new();
    let mut q = linear("q");
    q.vip_queue = Some(qid("vip"));
    sim.queue(q);
    sim.queue(linear("vip"));
    sim.call_with(1, "q", 0, true, None);
    sim.call(2, "q");
    assert_eq!(sim.waiting("vip"), [1]);
    assert_eq!(sim.waiting("q"), [2]);
}

#[test]
fn max_length_overflows_to_another_queue_or_rejects() {
    let mut sim = Sim::new();
    let mut q = linear("q");
    q.max_length = Some(2);
    q.overflow = OverflowTarget::Queue(qid("spill"));
    sim.queue(q);
    let mut spill = linear("spill");
    spill.max_length = Some(1);
    sim.queue(spill);
    // Logged in (not ready), so the queue does not overflow for want of agents.
    sim.login("a1", &[], &[]);
    sim.call(1, "q");
    sim.call(2, "q");
    let fx = sim.call(3, "q");
    assert!(fx.contains(&AcdEffect::Overflow {
        call: CallId(3),
        to: OverflowTarget::Queue(qid("spill")),
        cause: OverflowCause::MaxLength,
    }));
    assert_eq!(sim.waiting("spill"), [3]);
    // spill is full too and has no overflow target: rejected.
    let fx = sim.call(4, "q");
    assert!(fx.contains(&AcdEffect::Rejected {
        call: CallId(4),
        cause: RejectCause::QueueFull,
    }));
    assert_eq!(sim.waiting("q"), [1, 2]);
}

#[test]
fn overflow_cycles_are_cut() {
    let mut sim = Sim::new();
    for (name, next) in [("a", "b"), ("b", "a")] {
        let mut q = linear(name);
        q.overflow = OverflowTarget::Queue(qid(next));
        sim.queue(q);
    }
    let fx = sim.call(1, "a");
    assert!(fx.contains(&AcdEffect::Rejected {
        call: CallId(1),
        cause: RejectCause::OverflowLoop,
    }));
}

#[test]
fn max_wait_overflows_to_voicemail() {
    let mut sim = Sim::new();
    let mut q = linear("q");
    q.max_wait = Some(secs(30));
    q.overflow = OverflowTarget::Voicemail;
    sim.queue(q);
    sim.login("a1", &[], &[]);
    sim.call(1, "q");
    assert_eq!(sim.acd.next_deadline(), Some(sim.at(30)));
    assert!(sim.advance(secs(29)).is_empty());
    let fx = sim.advance(secs(1));
    assert!(fx.contains(&AcdEffect::Overflow {
        call: CallId(1),
        to: OverflowTarget::Voicemail,
        cause: OverflowCause::MaxWait,
    }));
    assert!(sim.waiting("q").is_empty());
    assert_eq!(sim.acd.next_deadline(), None);
}

#[test]
fn no_agents_logged_in_overflows_to_backup_group() {
    let mut sim = Sim::new();
    let mut q = linear("q");
    q.skills = vec!["tax".to_owned()];
    q.overflow = OverflowTarget::BackupGroup("night".to_owned());
    sim.queue(q);
    let fx = sim.call(1, "q");
    assert!(fx.contains(&AcdEffect::Overflow {
        call: CallId(1),
        to: OverflowTarget::BackupGroup("night".to_owned()),
        cause: OverflowCause::NoAgents,
    }));
    // An agent without the skill but in the group takes it; one outside the group does not.
    sim.ready_agent("x", &[]);
    sim.login("b1", &[], &["night"]);
    let r = sim.acd.set_ready(&agent("b1"), sim.now);
    assert_eq!(offers(&sim.check(r)), offer(1, "b1"));
}

#[test]
fn last_agent_logging_out_overflows_waiting_calls() {
    let mut sim = Sim::new();
    let mut q = linear("q");
    q.overflow = OverflowTarget::Voicemail;
    sim.queue(q);
    sim.login("a1", &[], &[]);
    sim.call(1, "q");
    assert_eq!(sim.waiting("q"), [1]);
    let r = sim.acd.log_out(&agent("a1"), sim.now);
    let fx = sim.check(r);
    assert!(fx.contains(&AcdEffect::Overflow {
        call: CallId(1),
        to: OverflowTarget::Voicemail,
        cause: OverflowCause::NoAgents,
    }));
}

#[test]
fn announcements_at_intervals_with_positions() {
    let mut sim = Sim::new();
    let mut q = linear("q");
    q.announce_interval = Some(secs(30));
    sim.queue(q);
    sim.login("a1", &[], &[]);
    for call in 1..=3 {
        sim.call(call, "q");
    }
    let announced = |fx: &[AcdEffect]| {
        fx.iter()
            .filter_map(|e| match e {
                AcdEffect::Announce {
                    call,
                    position,
                    estimated_wait_secs,
                } => Some((call.0, *position, *estimated_wait_secs)),
                _ => None,
            })
            .collect::<Vec<_>>()
    };
    assert!(announced(&sim.advance(secs(29))).is_empty());
    // Default handle time 180 s, one logged-in agent.
    let want = [(1, 1, 180), (2, 2, 360), (3, 3, 540)];
    assert_eq!(announced(&sim.advance(secs(1))), want);
    assert_eq!(sim.acd.next_deadline(), Some(sim.at(60)));
    let r = sim.acd.call_abandoned(CallId(1), sim.now);
    sim.check(r);
    assert_eq!(
        announced(&sim.advance(secs(30))),
        [(2, 1, 180), (3, 2, 360)]
    );
}

#[test]
fn pick_up_needs_the_skill_and_cancels_offers() {
    let mut sim = Sim::new();
    let mut q = linear("q");
    q.skills = vec!["complaint".to_owned()];
    sim.queue(q);
    sim.ready_agent("a1", &[("complaint", 4)]);
    sim.login("p1", &[("complaint", 8)], &[]);
    sim.login("p2", &[("consult", 8)], &[]);
    sim.call(1, "q");
    sim.call(2, "q");
    assert_eq!(
        sim.acd.pick_up(&agent("p2"), CallId(2), sim.now),
        Err(AcdError::MissingSkill {
            agent: agent("p2"),
            queue: qid("q"),
        })
    );
    let r = sim.acd.pick_up(&agent("p1"), CallId(2), sim.now);
    let fx = sim.check(r);
    assert!(fx.contains(&AcdEffect::Connect {
        call: CallId(2),
        agent: agent("p1"),
    }));
    assert!(has_state(
        &fx,
        "p1",
        &AgentState::OnCall { call: CallId(2) },
        StateCause::PickedUp
    ));
    assert_eq!(sim.waiting("q"), [1]);
    // Picking the call that rings at a1 cancels a1's offer.
    sim.login("p3", &[("complaint", 1)], &[]);
    let r = sim.acd.pick_up(&agent("p3"), CallId(1), sim.now);
    let fx = sim.check(r);
    assert!(fx.contains(&AcdEffect::CancelOffer {
        call: CallId(1),
        agent: agent("a1"),
        reason: CancelReason::PickedUp,
    }));
    assert!(sim.waiting("q").is_empty());
}

#[test]
fn wrap_up_timer_extend_and_early_end() {
    let mut sim = Sim::new();
    let mut q = linear("q");
    q.wrap_up = secs(30);
    sim.queue(q);
    sim.ready_agent("a1", &[]);
    sim.call(1, "q");
    sim.answer("a1", 1);
    sim.advance(secs(60));
    let fx = sim.end(1);
    let until = sim.at(90);
    assert!(has_state(
        &fx,
        "a1",
        &AgentState::WrapUp { until },
        StateCause::CallEnded
    ));
    assert_eq!(sim.acd.next_deadline(), Some(until));
    // A call arriving during wrap-up waits.
    assert!(offers(&sim.call(2, "q")).is_empty());
    let r = sim.acd.extend_wrap_up(&agent("a1"), secs(10), sim.now);
    let fx = sim.check(r);
    let later = sim.at(100);
    assert!(has_state(
        &fx,
        "a1",
        &AgentState::WrapUp { until: later },
        StateCause::WrapUpExtended
    ));
    assert!(sim.advance(secs(30)).is_empty());
    let fx = sim.advance(secs(10));
    assert!(has_state(
        &fx,
        "a1",
        &AgentState::Ready,
        StateCause::WrapUpExpired
    ));
    assert_eq!(offers(&fx), offer(2, "a1"));

    // Ending wrap-up early, with a not-ready asked for during the call.
    sim.answer("a1", 2);
    let r = sim.acd.set_not_ready(&agent("a1"), "lunch", sim.now);
    assert!(sim.check(r).is_empty());
    sim.end(2);
    let r = sim.acd.end_wrap_up(&agent("a1"), sim.now);
    let fx = sim.check(r);
    assert!(has_state(
        &fx,
        "a1",
        &not_ready("lunch"),
        StateCause::WrapUpEnded
    ));
}

#[test]
fn snapshots_report_changes_only() {
    let mut sim = Sim::new();
    sim.queue(linear("q"));
    sim.login("a1", &[], &[]);
    let fx = sim.call(1, "q");
    let snaps: Vec<_> = fx
        .iter()
        .filter_map(|e| match e {
            AcdEffect::QueueSnapshot(s) => Some(s.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(snaps.len(), 1);
    assert_eq!(snaps[0].waiting[0].caller, "13800000001");
    assert_eq!((snaps[0].agents_ready, snaps[0].agents_busy), (0, 0));
    sim.advance(secs(5));
    let snap = sim.acd.queue_snapshot(&qid("q"), sim.now).expect("queue");
    assert_eq!(snap.longest_wait_ms, 5000);
    let r = sim.acd.set_ready(&agent("a1"), sim.now);
    let fx = sim.check(r);
    assert!(fx.iter().any(|e| matches!(e, AcdEffect::QueueSnapshot(s)
        if s.agents_busy == 1 && s.waiting[0].offered)));
}

#[test]
fn bad_inputs_are_errors() {
    let mut sim = Sim::new();
    sim.queue(linear("q"));
    let now = sim.now;
    let mut bad = linear("z");
    bad.ring_timeout = Duration::ZERO;
    assert!(sim.acd.define_queue(bad, now).is_err());
    assert!(matches!(
        sim.acd.set_ready(&agent("nobody"), now),
        Err(AcdError::UnknownAgent(_))
    ));
    let login = AgentLogin {
        id: agent("a1"),
        skills: [("s".to_owned(), 11)].into(),
        backup_groups: BTreeSet::new(),
    };
    assert!(matches!(
        sim.acd.log_in(login, now),
        Err(AcdError::SkillLevel { .. })
    ));
    sim.call(1, "q");
    assert!(matches!(
        sim.acd.call_arrived(
            IncomingCall {
                call: CallId(1),
                caller: String::new(),
                queue: qid("q"),
                priority: 0,
                vip: false,
                last_agent: None,
                arrived_at: now,
            },
            now
        ),
        Err(AcdError::DuplicateCall(_))
    ));
    assert!(matches!(
        sim.acd.call_ended(CallId(1), now),
        Err(AcdError::NotConnected(_))
    ));
    assert!(sim.acd.check_invariants().is_ok());
}

#[test]
fn lost_audio_sets_the_seat_not_ready_and_gives_back_its_ringing_call() {
    let mut sim = Sim::new();
    sim.queue(linear("q"));
    sim.ready_agent("a1", &[]);
    sim.ready_agent("a2", &[]);
    assert_eq!(offers(&sim.call(1, "q")), [(1, "a1".to_owned())]);
    // a1's audio dies while it rings: the call goes on to a2, a1 turns not ready.
    let r = sim.acd.audio_lost(&agent("a1"), sim.now);
    let fx = sim.check(r);
    assert!(has_state(
        &fx,
        "a1",
        &not_ready(REASON_NO_AUDIO),
        StateCause::AudioLost
    ));
    assert_eq!(offers(&fx), [(1, "a2".to_owned())]);
    // On a call it waits for the end of the call.
    sim.answer("a2", 1);
    let r = sim.acd.audio_lost(&agent("a2"), sim.now);
    assert!(sim.check(r).is_empty());
    let fx = sim.end(1);
    assert!(has_state(
        &fx,
        "a2",
        &not_ready(REASON_NO_AUDIO),
        StateCause::CallEnded
    ));
    // An agent already not ready keeps their own reason.
    let r = sim.acd.set_not_ready(&agent("a1"), "meal", sim.now);
    sim.check(r);
    let r = sim.acd.audio_lost(&agent("a1"), sim.now);
    assert!(sim.check(r).is_empty());
    assert_eq!(sim.acd.agent_state(&agent("a1")), Some(&not_ready("meal")));
}
