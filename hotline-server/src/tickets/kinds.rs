//! The closed vocabularies of a ticket: type, channel, urgency, status and role.
//!
//! Each has a stable snake_case name (serde, the database, the API and TOML all use it) and a
//! Chinese and an English label for screens and printed letters.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A name that is not one of a vocabulary's snake_case names.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind} \"{name}\"")]
pub struct UnknownName {
    pub kind: &'static str,
    pub name: String,
}

// One table per vocabulary keeps the serde name, the labels and `ALL` from drifting apart.
macro_rules! vocabulary {
    (
        $(#[$meta:meta])*
        $name:ident, $kind:literal {
            $( $(#[$vmeta:meta])* $variant:ident = $snake:literal, $zh:literal, $en:literal; )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stable snake_case name.
            pub const fn as_str(self) -> &'static str {
                match self { $($name::$variant => $snake,)+ }
            }

            /// The Chinese label.
            pub const fn zh(self) -> &'static str {
                match self { $($name::$variant => $zh,)+ }
            }

            /// The English label.
            pub const fn en(self) -> &'static str {
                match self { $($name::$variant => $en,)+ }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = UnknownName;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($snake => Ok($name::$variant),)+
                    _ => Err(UnknownName { kind: $kind, name: s.to_owned() }),
                }
            }
        }
    };
}

vocabulary! {
    /// What the citizen wants (工单类型).
    TicketType, "ticket type" {
        Complaint = "complaint", "投诉", "Complaint";
        Report = "report", "举报", "Report";
        Consultation = "consultation", "咨询", "Consultation";
        Suggestion = "suggestion", "建议", "Suggestion";
        Help = "help", "求助", "Request for help";
        Praise = "praise", "表扬", "Praise";
        DirectorMail = "director_mail", "局长信箱", "Director's mailbox";
    }
}

vocabulary! {
    /// How the contact reached the hotline (受理渠道).
    Channel, "channel" {
        Phone = "phone", "电话", "Phone";
        Voicemail = "voicemail", "留言", "Voicemail";
        Web = "web", "网站", "Web";
        Sms = "sms", "短信", "SMS";
        Email = "email", "电子邮件", "E-mail";
        Letter = "letter", "来信", "Letter";
        Visit = "visit", "来访", "Visit";
        Fax = "fax", "传真", "Fax";
    }
}

vocabulary! {
    /// How fast the ticket must be handled (紧急程度).
    Urgency, "urgency" {
        Normal = "normal", "一般", "Normal";
        Urgent = "urgent", "紧急", "Urgent";
        VeryUrgent = "very_urgent", "特急", "Very urgent";
    }
}

vocabulary! {
    /// Where the ticket is in its workflow (工单状态).
    Status, "status" {
        Received = "received", "已受理", "Received";
        Dispatched = "dispatched", "已派单", "Dispatched";
        Accepted = "accepted", "已签收", "Accepted";
        Returned = "returned", "已退回", "Returned";
        InProgress = "in_progress", "办理中", "In progress";
        Replied = "replied", "已答复", "Replied";
        FollowUp = "follow_up", "回访中", "Follow-up";
        Closed = "closed", "已办结", "Closed";
        Reopened = "reopened", "重办", "Reopened";
    }
}

vocabulary! {
    /// What a user is allowed to do (角色).
    Role, "role" {
        Agent = "agent", "话务员", "Agent";
        Supervisor = "supervisor", "班长", "Supervisor";
        Director = "director", "领导", "Director";
        Department = "department", "承办单位", "Department";
        Admin = "admin", "管理员", "Administrator";
    }
}

impl Status {
    /// The lead department holds the ticket and its deadline clock runs.
    pub const fn with_department(self) -> bool {
        matches!(
            self,
            Status::Dispatched | Status::Accepted | Status::InProgress
        )
    }

    /// Not yet closed (办结).
    pub const fn is_open(self) -> bool {
        !matches!(self, Status::Closed)
    }
}

impl Role {
    /// Works at the hotline centre (as opposed to a handling department).
    pub const fn is_centre(self) -> bool {
        !matches!(self, Role::Department)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_through_serde_and_from_str() {
        for t in TicketType::ALL {
            let json = serde_json::to_string(t).unwrap();
            assert_eq!(json, format!("\"{}\"", t.as_str()));
            assert_eq!(t.as_str().parse::<TicketType>().unwrap(), *t);
        }
        for s in Status::ALL {
            assert_eq!(s.to_string().parse::<Status>().unwrap(), *s);
        }
        assert_eq!(Status::ALL.len(), 9);
        assert_eq!(Channel::ALL.len(), 8);
        assert_eq!(TicketType::DirectorMail.as_str(), "director_mail");
        assert_eq!(Status::InProgress.zh(), "办理中");
        assert_eq!(Urgency::VeryUrgent.en(), "Very urgent");
        let err = "later".parse::<Urgency>().unwrap_err();
        assert_eq!(err.to_string(), "unknown urgency \"later\"");
    }
}
