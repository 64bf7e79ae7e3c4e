//! The self-service catalogue: what a flow's `service` step may ask the driver to do, with the
//! arguments each takes and the variables its answer sets. The loader checks flows against it;
//! the call task (`calls/call/self_service.rs`) carries the services out.
//!
//! Every service answers with `result` set (`ok` or a service-specific outcome) so the flow can
//! `branch` on it; a driver failure (database down) takes the step's `on_failure` instead.

/// One service a flow can ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServiceSpec {
    pub name: &'static str,
    pub required: &'static [&'static str],
    pub optional: &'static [&'static str],
    /// Variables the answer sets (besides `result`).
    pub sets: &'static [&'static str],
}

/// Arguments with this prefix name extra recordings of a guided message (`part_who`, …).
pub const PART_PREFIX: &str = "part_";

/// Every service, by name.
pub const SERVICES: [ServiceSpec; 5] = [
    // A message (局长信箱, voicemail, a recorded complaint) becomes a ticket with its recordings
    // linked; agents and supervisors get a notice. `kind`: director_mail | voicemail |
    // complaint. `reply`: 1 = the caller wants a reply.
    ServiceSpec {
        name: "leave_message",
        required: &["kind"],
        optional: &["message", "callback", "reply"],
        sets: &["ticket", "ticket_digits", "pin"],
    },
    // Ticket number (digits, the profile may be left out) and PIN → state, department, due
    // date. `result`: ok | wrong (unknown number or PIN) | locked (too many wrong PINs).
    ServiceSpec {
        name: "status_query",
        required: &["number", "pin"],
        optional: &[],
        sets: &[
            "status",
            "status_prompt",
            "department_prompt",
            "due",
            "replied",
            "attempts_left",
        ],
    },
    // The post-call rating: 1 satisfied, 2 ok, 3 unsatisfied, 0 complaint.
    ServiceSpec {
        name: "survey",
        required: &["answer"],
        optional: &[],
        sets: &["rating"],
    },
    // One keypad answer of an opinion poll (民意调查).
    ServiceSpec {
        name: "poll",
        required: &["poll", "question", "answer"],
        optional: &[],
        sets: &[],
    },
    // Sends a knowledge-base item to the caller (queued for the notification sender).
    // `channel`: sms | email; `to` defaults to the caller's number.
    ServiceSpec {
        name: "send_info",
        required: &["item", "channel"],
        optional: &["to"],
        sets: &[],
    },
];

/// The service called `name`.
pub fn spec(name: &str) -> Option<&'static ServiceSpec> {
    SERVICES.iter().find(|s| s.name == name)
}

/// Checks a step's service and arguments; the message says what is wrong.
pub fn validate(name: &str, args: &[(String, String)]) -> Result<(), String> {
    let Some(spec) = spec(name) else {
        let known: Vec<&str> = SERVICES.iter().map(|s| s.name).collect();
        return Err(format!(
            "unknown service `{name}` (services: {})",
            known.join(", ")
        ));
    };
    for want in spec.required {
        if !args.iter().any(|(k, _)| k == want) {
            return Err(format!("service `{name}` needs the argument `{want}`"));
        }
    }
    for (key, _) in args {
        let known = spec.required.contains(&key.as_str()) || spec.optional.contains(&key.as_str());
        let part = name == "leave_message" && key.starts_with(PART_PREFIX);
        if !known && !part {
            return Err(format!("service `{name}` takes no argument `{key}`"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn known_services_with_their_arguments_pass() {
        assert!(validate("leave_message", &args(&[("kind", "director_mail")])).is_ok());
        assert!(
            validate(
                "leave_message",
                &args(&[("kind", "complaint"), ("part_who", "${who}")])
            )
            .is_ok()
        );
        assert!(validate("status_query", &args(&[("number", "1"), ("pin", "2")])).is_ok());
    }

    #[test]
    fn unknown_services_and_arguments_are_named() {
        let e = validate("fax", &[]).unwrap_err();
        assert!(e.contains("unknown service `fax`"), "{e}");
        let e = validate("status_query", &args(&[("number", "1")])).unwrap_err();
        assert!(e.contains("`pin`"), "{e}");
        let e = validate("survey", &args(&[("answer", "1"), ("x", "")])).unwrap_err();
        assert!(e.contains("no argument `x`"), "{e}");
        assert!(
            validate(
                "poll",
                &args(&[
                    ("poll", "a"),
                    ("question", "q"),
                    ("answer", "1"),
                    ("part_x", "")
                ])
            )
            .is_err()
        );
    }
}
