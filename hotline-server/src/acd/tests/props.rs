//! Random input sequences never break the invariants, never panic, and replay identically.

use proptest::prelude::{ProptestConfig, any, prop_assert, prop_assert_eq, prop_oneof, proptest};
use proptest::strategy::Strategy as PropStrategy;

use super::*;

const AGENTS: usize = 6;
const QUEUES: usize = 7;

#[derive(Debug, Clone)]
enum Op {
    Arrive {
        queue: usize,
        priority: i8,
        vip: bool,
        last: Option<usize>,
    },
    Abandon(usize),
    Answer(usize),
    Reject(usize),
    End(usize),
    LogIn(usize),
    LogOut(usize),
    Ready(usize),
    NotReady(usize),
    Disconnect(usize),
    Reconnect(usize),
    /// The agent's audio leg failed.
    AudioLost(usize),
    Pick(usize, usize),
    EndWrap(usize),
    Extend(usize),
    /// The agent transfers its call to another agent, or (`true`) to queue `target`.
    Transfer(usize, usize, bool),
    /// Call `n` (mod the calls so far) asks to be called back.
    Callback(usize),
    /// The agent's callback attempt failed; `true`: worth retrying.
    CallbackFail(usize, bool),
    /// The agent's callback attempt was abandoned on our side (they left while it rang).
    CallbackAbandon(usize),
    Advance(u64),
}

fn op() -> impl PropStrategy<Value = Op> {
    let a = 0..AGENTS;
    prop_oneof![
        4 => (0..QUEUES, -2i8..3, any::<bool>(), proptest::option::of(0..AGENTS))
            .prop_map(|(queue, priority, vip, last)| Op::Arrive { queue, priority, vip, last }),
        1 => (0..40usize).prop_map(Op::Abandon),
        6 => a.clone().prop_map(Op::Answer),
        1 => a.clone().prop_map(Op::Reject),
        3 => a.clone().prop_map(Op::End),
        3 => a.clone().prop_map(Op::LogIn),
        1 => a.clone().prop_map(Op::LogOut),
        3 => a.clone().prop_map(Op::Ready),
        1 => a.clone().prop_map(Op::NotReady),
        1 => a.clone().prop_map(Op::Disconnect),
        1 => a.clone().prop_map(Op::Reconnect),
        1 => (a.clone(), 0..40usize).prop_map(|(a, c)| Op::Pick(a, c)),
        1 => a.clone().prop_map(Op::EndWrap),
        1 => a.clone().prop_map(Op::Extend),
        1 => (a.clone(), a.clone(), any::<bool>()).prop_map(|(a, t, q)| Op::Transfer(a, t, q)),
        2 => (0..40usize).prop_map(Op::Callback),
        2 => (a.clone(), any::<bool>()).prop_map(|(a, r)| Op::CallbackFail(a, r)),
        1 => a.clone().prop_map(Op::CallbackAbandon),
        1 => a.prop_map(Op::AudioLost),
        3 => (0u64..3_000).prop_map(Op::Advance),
        1 => (0u64..40_000).prop_map(Op::Advance),
    ]
}

fn setup(now: Instant) -> Acd {
    let mut acd = Acd::new(AcdSettings::default(), 99);
    let strategies = [
        Strategy::RingAll,
        Strategy::RoundRobin,
        Strategy::Random,
        Strategy::LongestIdle,
        Strategy::FewestCalls,
        Strategy::Linear,
        Strategy::LeastTalkTime,
    ];
    let skills: [&[&str]; QUEUES] = [&["a"], &["b"], &[], &["a", "b"], &["b"], &["c"], &["a"]];
    let overflow = [
        OverflowTarget::Queue(qid("q1")),
        OverflowTarget::Queue(qid("q0")),
        OverflowTarget::BackupGroup("g".to_owned()),
        OverflowTarget::Voicemail,
        OverflowTarget::None,
        OverflowTarget::Queue(qid("nowhere")),
        OverflowTarget::Queue(qid("q6")),
    ];
    for (i, strategy) in strategies.into_iter().enumerate() {
        let mut q = QueueConfig::new(format!("q{i}"), strategy);
        q.skills = skills[i].iter().map(|s| (*s).to_owned()).collect();
        q.ring_timeout = secs(10 + i as u64);
        q.max_length = (i % 2 == 0).then_some(2 + i);
        q.max_wait = (i != 4).then(|| secs(20 + 5 * i as u64));
        q.overflow = overflow[i].clone();
        q.announce_interval = (i % 3 == 0).then(|| secs(15));
        q.wrap_up = secs(5 * (i as u64 % 3));
        q.vip_priority_boost = 5;
        q.vip_queue = (i == 0).then(|| qid("q2"));
        q.first_contact_wait = secs(20);
        q.agent_order = vec![agent("a4")];
        q.callback = CallbackPolicy {
            max_attempts: 1 + i as u32 % 3,
            retry_delay: secs(7 * i as u64),
        };
        acd.define_queue(q, now).expect("valid queue");
    }
    acd
}

fn login(i: usize) -> AgentLogin {
    let skills: [&[(&str, u8)]; AGENTS] = [
        &[("a", 3)],
        &[("b", 5)],
        &[("a", 7), ("b", 2)],
        &[],
        &[("a", 1), ("b", 9), ("c", 4)],
        &[("b", 1)],
    ];
    AgentLogin {
        id: agent(&format!("a{i}")),
        skills: skills[i]
            .iter()
            .map(|(s, l)| ((*s).to_owned(), *l))
            .collect(),
        backup_groups: if i % 2 == 1 {
            BTreeSet::from(["g".to_owned()])
        } else {
            BTreeSet::new()
        },
    }
}

/// Mirrors the offers and agent states the effects announce, to check them against the ACD.
#[derive(Default)]
struct Observer {
    offers: BTreeSet<(CallId, AgentId)>,
    states: BTreeMap<AgentId, AgentState>,
}

impl Observer {
    fn see(&mut self, fx: &[AcdEffect]) -> Result<(), String> {
        for e in fx {
            match e {
                AcdEffect::Offer { call, agent, .. }
                    if !self.offers.insert((*call, agent.clone())) =>
                {
                    return Err(format!("{call} offered twice to {agent}"));
                }
                AcdEffect::CancelOffer { call, agent, .. }
                    if !self.offers.remove(&(*call, agent.clone())) =>
                {
                    return Err(format!("cancelled {call} never offered to {agent}"));
                }
                AcdEffect::Connect { call, agent } => {
                    self.offers.remove(&(*call, agent.clone()));
                }
                AcdEffect::AgentState { agent, state, .. } => {
                    self.states.insert(agent.clone(), state.clone());
                }
                _ => {}
            }
        }
        Ok(())
    }

    fn agrees_with(&self, acd: &Acd) -> Result<(), String> {
        for (agent, state) in &self.states {
            if acd.agent_state(agent) != Some(state) {
                return Err(format!(
                    "{agent}: effects say {state:?}, ACD has {:?}",
                    acd.agent_state(agent)
                ));
            }
            let ringing = self.offers.iter().filter(|(_, a)| a == agent).count();
            let expected = usize::from(matches!(state, AgentState::Ringing { .. }));
            if ringing != expected {
                return Err(format!("{agent} is {state:?} with {ringing} open offers"));
            }
        }
        Ok(())
    }
}

fn ringing_or_on_call(acd: &Acd, a: &AgentId) -> Option<CallId> {
    match acd.agent_state(a) {
        Some(AgentState::Ringing { call } | AgentState::OnCall { call }) => Some(*call),
        _ => None,
    }
}

/// Applies one op; errors are fine (bad input is refused), panics are not.
fn apply(acd: &mut Acd, op: &Op, now: &mut Instant, next_call: &mut u64) -> Vec<AcdEffect> {
    let t = *now;
    let call_at = |i: usize, n: u64| CallId(i as u64 % n.max(1) + 1);
    let r = match op {
        Op::Arrive {
            queue,
            priority,
            vip,
            last,
        } => {
            *next_call += 1;
            acd.call_arrived(
                IncomingCall {
                    call: CallId(*next_call),
                    caller: format!("caller{next_call}"),
                    queue: qid(&format!("q{queue}")),
                    priority: i32::from(*priority),
                    vip: *vip,
                    last_agent: last.map(|i| agent(&format!("a{i}"))),
                    arrived_at: t,
                },
                t,
            )
        }
        Op::Abandon(i) => acd.call_abandoned(call_at(*i, *next_call), t),
        Op::Answer(i) | Op::Reject(i) | Op::End(i) => {
            let a = agent(&format!("a{i}"));
            let call = ringing_or_on_call(acd, &a).unwrap_or(CallId(1));
            match op {
                Op::Answer(_) => acd.answer(&a, call, t),
                Op::Reject(_) => acd.reject(&a, call, t),
                _ => acd.call_ended(call, t),
            }
        }
        Op::LogIn(i) => acd.log_in(login(*i), t),
        Op::LogOut(i) => acd.log_out(&agent(&format!("a{i}")), t),
        Op::Ready(i) => acd.set_ready(&agent(&format!("a{i}")), t),
        Op::NotReady(i) => acd.set_not_ready(&agent(&format!("a{i}")), "break", t),
        Op::Disconnect(i) => acd.agent_disconnected(&agent(&format!("a{i}")), t),
        Op::Reconnect(i) => acd.agent_reconnected(&agent(&format!("a{i}")), t),
        Op::AudioLost(i) => acd.audio_lost(&agent(&format!("a{i}")), t),
        Op::Pick(i, c) => acd.pick_up(&agent(&format!("a{i}")), call_at(*c, *next_call), t),
        Op::EndWrap(i) => acd.end_wrap_up(&agent(&format!("a{i}")), t),
        Op::Extend(i) => acd.extend_wrap_up(&agent(&format!("a{i}")), secs(3), t),
        Op::Transfer(i, target, to_queue) => {
            let a = agent(&format!("a{i}"));
            let call = ringing_or_on_call(acd, &a).unwrap_or(CallId(1));
            let to = if *to_queue {
                TransferTo::Queue(qid(&format!("q{target}")))
            } else {
                TransferTo::Agent(agent(&format!("a{target}")))
            };
            acd.transfer(&a, call, to, t)
        }
        Op::Callback(i) => acd.request_callback(call_at(*i, *next_call), &format!("cb{i}"), t),
        Op::CallbackFail(i, retry) => {
            let a = agent(&format!("a{i}"));
            let call = ringing_or_on_call(acd, &a).unwrap_or(CallId(1));
            acd.callback_failed(call, *retry, t)
        }
        Op::CallbackAbandon(i) => {
            let a = agent(&format!("a{i}"));
            let call = ringing_or_on_call(acd, &a).unwrap_or(CallId(1));
            acd.callback_abandoned(call, t)
        }
        Op::Advance(ms) => {
            *now += Duration::from_millis(*ms);
            Ok(acd.poll(*now))
        }
    };
    r.unwrap_or_default()
}

fn run(ops: &[Op]) -> Result<Vec<AcdEffect>, String> {
    let base = Instant::now();
    let mut now = base;
    let mut acd = setup(now);
    let mut observer = Observer::default();
    let mut next_call = 0;
    let mut log = Vec::new();
    for op in ops {
        let fx = apply(&mut acd, op, &mut now, &mut next_call);
        acd.check_invariants()
            .map_err(|e| format!("after {op:?}: {e}"))?;
        observer
            .see(&fx)
            .map_err(|e| format!("after {op:?}: {e}"))?;
        observer
            .agrees_with(&acd)
            .map_err(|e| format!("after {op:?}: {e}"))?;
        if let (Op::Advance(_), Some(next)) = (op, acd.next_deadline())
            && next <= now
        {
            return Err(format!(
                "after poll the next deadline is not in the future: {op:?}"
            ));
        }
        log.extend(fx);
    }
    // Drain: with time running on, every offer ends and every timer fires.
    for _ in 0..20 {
        let Some(next) = acd.next_deadline() else {
            break;
        };
        now = now.max(next);
        let fx = acd.poll(now);
        acd.check_invariants()?;
        observer.see(&fx)?;
        observer.agrees_with(&acd)?;
    }
    Ok(log.into_iter().map(|e| strip_time(e, base)).collect())
}

/// `WrapUp { until }` holds an `Instant`; compare runs by offsets from their own base.
fn strip_time(e: AcdEffect, base: Instant) -> AcdEffect {
    match e {
        AcdEffect::AgentState {
            agent,
            state: AgentState::WrapUp { until },
            cause,
        } => AcdEffect::AgentState {
            agent,
            state: AgentState::NotReady {
                reason: format!("wrap-up +{:?}", until.duration_since(base)),
            },
            cause,
        },
        // Shown as an agent state so the offset fits a comparable (time-free) effect.
        AcdEffect::CallbackFailed {
            call,
            attempts,
            retry_at,
        } => AcdEffect::AgentState {
            agent: agent(&format!(
                "{call} failed {attempts}, retry {:?}",
                retry_at.map(|t| t.duration_since(base))
            )),
            state: AgentState::LoggedOut,
            cause: StateCause::CallEnded,
        },
        other => other,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn random_inputs_keep_invariants(ops in proptest::collection::vec(op(), 1..150)) {
        let first = run(&ops);
        if let Err(e) = &first {
            prop_assert!(false, "{}", e);
        }
        // Deterministic: the same inputs give the same effects.
        prop_assert_eq!(first, run(&ops));
    }
}
