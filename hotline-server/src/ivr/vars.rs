//! `${var}` substitution in flow values.

use std::collections::BTreeMap;

/// Replaces every `${name}` with the variable's value (empty when unset). Text that is not a
/// complete `${…}` is kept as written, so a stray `$` never breaks a prompt name.
pub fn substitute(template: &str, vars: &BTreeMap<String, String>) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(start) = rest.find("${") {
        let Some(len) = rest[start + 2..].find('}') else {
            break;
        };
        out.push_str(&rest[..start]);
        let name = &rest[start + 2..start + 2 + len];
        if let Some(value) = vars.get(name) {
            out.push_str(value);
        }
        rest = &rest[start + 2 + len + 1..];
    }
    out.push_str(rest);
    out
}

/// Whether the text refers to a variable (its value is only known while a call runs).
pub fn has_reference(text: &str) -> bool {
    text.find("${").is_some_and(|i| text[i..].contains('}'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars() -> BTreeMap<String, String> {
        [("caller", "13800138000"), ("lang", "zh")]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect()
    }

    #[test]
    fn substitutes_known_and_unknown() {
        assert_eq!(
            substitute("msg_${caller}.wav", &vars()),
            "msg_13800138000.wav"
        );
        assert_eq!(substitute("${lang}${lang}", &vars()), "zhzh");
        assert_eq!(substitute("a${nope}b", &vars()), "ab");
        assert_eq!(substitute("plain", &vars()), "plain");
    }

    #[test]
    fn keeps_incomplete_references() {
        assert_eq!(substitute("cost $5 ${oops", &vars()), "cost $5 ${oops");
        assert_eq!(substitute("${}", &vars()), "");
        assert!(has_reference("x${a}"));
        assert!(!has_reference("x${a"));
    }
}
