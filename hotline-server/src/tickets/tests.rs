//! Scenario tests: the workflow stories, deadlines and reminders on a virtual clock, and a
//! property test over random step sequences.

mod deadlines;
mod props;
mod story;

use std::borrow::Borrow;

use jiff::Timestamp;
use jiff::civil::date;
use jiff::tz::{TimeZone, offset};

use super::*;

const CATEGORIES: &str = include_str!("../../../assets/data/categories.toml");
const DEADLINES: &str = include_str!("../../../assets/data/deadlines.toml");
const HOLIDAYS: &str = include_str!("../../../assets/data/holidays.toml");

fn tz() -> TimeZone {
    // Asia/Shanghai has had no offset change since 1991; a fixed +08 keeps tests off the tzdb.
    TimeZone::fixed(offset(8))
}

fn at(y: i16, m: i8, d: i8, h: i8, min: i8) -> Timestamp {
    tz().to_timestamp(date(y, m, d).at(h, min, 0, 0)).unwrap()
}

fn deadlines() -> Deadlines {
    Deadlines::new(
        DeadlineRules::parse(DEADLINES).unwrap(),
        CategoryTree::parse(CATEGORIES).unwrap(),
        WorkCalendar::from_holidays_toml(HOLIDAYS).unwrap(),
        tz(),
    )
}

/// 市政府 → 东城区 → 东华街道 → 东华社区; 市住建局 and 市生态环境局 under the city; 西城区.
fn directory() -> Directory {
    Directory::new([
        Department::new("city", "市政府", None),
        Department::new("city.housing", "市住建局", Some("city")),
        Department::new("city.env", "市生态环境局", Some("city")),
        Department::new("d1", "东城区", Some("city")),
        Department::new("d1.s1", "东华街道", Some("d1")),
        Department::new("d1.s1.c1", "东华社区", Some("d1.s1")),
        Department::new("d2", "西城区", Some("city")),
    ])
    .unwrap()
}

fn agent() -> Actor {
    Actor::centre("agent.li", Role::Agent)
}

fn supervisor() -> Actor {
    Actor::centre("sup.wang", Role::Supervisor)
}

fn director() -> Actor {
    Actor::centre("dir.zhao", Role::Director)
}

fn system() -> Actor {
    Actor::centre("system", Role::Admin)
}

fn dept(department: &str) -> Actor {
    Actor::department(format!("user@{department}"), department)
}

fn d(id: &str) -> DeptId {
    DeptId::from(id)
}

fn new_ticket(ticket_type: TicketType, urgency: Urgency, category: &str) -> NewTicket {
    NewTicket {
        number: "12345-20261123-000042".to_owned(),
        ticket_type,
        channel: Channel::Phone,
        category: category.to_owned(),
        urgency,
        limit: deadlines().limit_for(category, ticket_type, urgency),
    }
}

fn dispatch(lead: &str, co: &[&str]) -> WorkflowAction {
    WorkflowAction::Dispatch {
        lead: d(lead),
        co_handlers: co.iter().map(|c| d(c)).collect(),
        note: "请按时办理".to_owned(),
    }
}

fn reply(text: &str) -> WorkflowAction {
    WorkflowAction::Reply {
        text: text.to_owned(),
    }
}

/// A ticket and its trail, checked after every step.
struct Story {
    state: TicketState,
    history: Vec<HistoryEntry>,
    effects: Vec<Effect>,
}

impl Story {
    fn file(ticket: NewTicket, now: Timestamp) -> Self {
        let t = workflow::file(ticket, &agent(), now).unwrap();
        t.state.check().unwrap();
        Self {
            state: t.state,
            history: vec![t.history],
            effects: t.effects,
        }
    }

    // `Borrow` lets the stories pass actions by value without a clone at every call.
    fn step(
        &mut self,
        actor: &Actor,
        action: impl Borrow<WorkflowAction>,
        now: Timestamp,
    ) -> &mut Self {
        let action = action.borrow();
        let t = apply(&self.state, actor, action, now)
            .unwrap_or_else(|e| panic!("{action:?} by {:?}: {e}", actor.role));
        t.state.check().unwrap();
        assert_eq!(t.history.from, Some(self.state.status));
        assert_eq!(t.history.to, t.state.status);
        assert_eq!(t.history.user, actor.user);
        assert_eq!(t.history.at, now);
        self.state = t.state;
        self.history.push(t.history);
        self.effects = t.effects;
        self
    }

    fn refuse(
        &self,
        actor: &Actor,
        action: impl Borrow<WorkflowAction>,
        now: Timestamp,
    ) -> WorkflowError {
        let action = action.borrow();
        match apply(&self.state, actor, action, now) {
            Ok(t) => panic!(
                "{action:?} by {:?} should fail, got {:?}",
                actor.role, t.state.status
            ),
            Err(e) => e,
        }
    }

    fn status(&self) -> Status {
        self.state.status
    }

    fn told(&self, department: &str, notice: Notice) -> bool {
        self.effects.contains(&Effect::NotifyDepartment {
            department: d(department),
            notice,
        })
    }
}
