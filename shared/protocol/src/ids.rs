//! Identifiers that travel in many messages.
//!
//! They are strings on the wire (the server may use numbers internally, but an integrator should
//! never do arithmetic on an id), wrapped in newtypes so a call id is never passed where an agent
//! id is expected.

use std::fmt;

use serde::{Deserialize, Serialize};

macro_rules! string_id {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub String);

        impl $name {
            pub fn new(id: impl Into<String>) -> Self {
                Self(id.into())
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<&str> for $name {
            fn from(id: &str) -> Self {
                Self(id.to_owned())
            }
        }

        impl From<String> for $name {
            fn from(id: String) -> Self {
                Self(id)
            }
        }
    };
}

string_id!(
    /// One call as the server knows it (all its legs share it), e.g. `"c-20250301-000123"`.
    CallId
);
string_id!(
    /// An agent (or supervisor) account: the log-in name, e.g. `"agent1"`.
    AgentId
);
string_id!(
    /// A ticket's internal id; the number read out to citizens is `TicketSummary::number`.
    TicketId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_plain_json_strings() {
        let id = CallId::new("c-1");
        assert_eq!(serde_json::to_string(&id).unwrap(), r#""c-1""#);
        let back: CallId = serde_json::from_str(r#""c-1""#).unwrap();
        assert_eq!(back, id);
        assert_eq!(AgentId::from("a").to_string(), "a");
    }
}
