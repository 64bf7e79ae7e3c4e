//! Digits, numbers and dates as sequences of recorded prompts.
//!
//! Prompt names are shared by every language (each language has its own recording): `num_100`
//! is 百 in Mandarin and "hundred" in English. Mandarin is the reading for every language but
//! English.
//!
//! Mandarin uses 二 throughout (2000 = 二千, 20000 = 二万) rather than 两: one recording per
//! digit, and 二 is always understood. Phone and ticket numbers read digit by digit use
//! `digit_1` = 幺, as operators do; numbers and years use `num_1` = 一.

use jiff::civil::Date;

use crate::ivr::flow::SayKind;
use crate::ivr::prompt::PromptRef;

fn is_english(lang: &str) -> bool {
    lang == "en" || lang.starts_with("en-") || lang.starts_with("en_")
}

/// Each key of `digits` (`0`-`9`, `*`, `#`); anything else is skipped.
pub fn say_digits(lang: &str, digits: &str) -> Vec<PromptRef> {
    digits
        .chars()
        .filter_map(|c| match c {
            '0'..='9' => Some(format!("digit_{c}")),
            '*' => Some("star".to_owned()),
            '#' => Some("hash".to_owned()),
            _ => None,
        })
        .map(|name| PromptRef {
            language: lang.to_owned(),
            name,
        })
        .collect()
}

/// A number read out: 一百一十 / "one hundred ten".
pub fn say_number(lang: &str, n: u64) -> Vec<PromptRef> {
    let mut names = Vec::new();
    if is_english(lang) {
        english(n, &mut names);
    } else {
        mandarin(n, &mut names);
    }
    refs(lang, names)
}

/// A date: 2026年11月23日 / "November twenty-third, twenty twenty six" (English days are
/// ordinals, one recording each: `day_1` … `day_31`).
pub fn say_date(lang: &str, date: Date) -> Vec<PromptRef> {
    let year = u64::try_from(date.year()).unwrap_or(0);
    let month = date.month() as u64;
    let day = date.day() as u64;
    let mut names = Vec::new();
    if is_english(lang) {
        names.push(format!("month_{month}"));
        names.push(format!("day_{day}"));
        english_year(year, &mut names);
    } else {
        // Years are read digit by digit: 二零二六年.
        names.extend(year.to_string().chars().map(|c| format!("num_{c}")));
        names.push("year".into());
        mandarin(month, &mut names);
        names.push("month".into());
        mandarin(day, &mut names);
        names.push("day".into());
    }
    refs(lang, names)
}

/// Every prompt a `say` of this kind may use in this language (for the checker).
pub fn prompt_names(kind: SayKind, lang: &str) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    match kind {
        SayKind::Digits => {
            names.extend((0..10).map(|d| format!("digit_{d}")));
            names.extend(["star".into(), "hash".into()]);
        }
        SayKind::Number | SayKind::Date => {
            if is_english(lang) {
                names.extend((0..20).map(|d| format!("num_{d}")));
                names.extend((2..10).map(|t| format!("num_{}", t * 10)));
                names.extend(
                    ["num_100", "num_1000", "num_1000000", "num_1000000000"].map(String::from),
                );
            } else {
                names.extend((0..=10).map(|d| format!("num_{d}")));
                names.extend(
                    ["num_100", "num_1000", "num_10000", "num_100000000"].map(String::from),
                );
            }
            if kind == SayKind::Date {
                if is_english(lang) {
                    names.extend((1..=12).map(|m| format!("month_{m}")));
                    names.extend((1..=31).map(|d| format!("day_{d}")));
                    names.push("oh".into());
                } else {
                    names.extend(["year", "month", "day"].map(String::from));
                }
            }
        }
    }
    names
}

fn refs(lang: &str, names: Vec<String>) -> Vec<PromptRef> {
    names
        .into_iter()
        .map(|name| PromptRef {
            language: lang.to_owned(),
            name,
        })
        .collect()
}

fn mandarin(n: u64, out: &mut Vec<String>) {
    if n == 0 {
        out.push("num_0".into());
    } else {
        mandarin_big(n, true, out);
    }
}

/// `leading`: the number starts the reading, so 10-19 drop the 一 (十五, but 一百一十五).
fn mandarin_big(n: u64, leading: bool, out: &mut Vec<String>) {
    for (unit, name) in [(100_000_000, "num_100000000"), (10_000, "num_10000")] {
        if n >= unit {
            mandarin_big(n / unit, leading, out);
            out.push(name.into());
            let rest = n % unit;
            if rest > 0 {
                // A gap of zeros between a 万/亿 and what follows is read as one 零: 一万零一十.
                if rest < unit / 10 {
                    out.push("num_0".into());
                }
                mandarin_big(rest, false, out);
            }
            return;
        }
    }
    mandarin_section(n, leading, out);
}

/// 1..=9999: digits with 千/百/十, one 零 for each run of inner zeros (一千零五), none trailing.
fn mandarin_section(n: u64, leading: bool, out: &mut Vec<String>) {
    let digits = [n / 1000 % 10, n / 100 % 10, n / 10 % 10, n % 10];
    let units = [Some("num_1000"), Some("num_100"), Some("num_10"), None];
    let mut started = false;
    let mut zero_pending = false;
    for (i, (&d, unit)) in digits.iter().zip(units).enumerate() {
        if d == 0 {
            zero_pending |= started;
            continue;
        }
        if zero_pending {
            out.push("num_0".into());
            zero_pending = false;
        }
        let bare_ten = i == 2 && d == 1 && !started && leading;
        if !bare_ten {
            out.push(format!("num_{d}"));
        }
        if let Some(unit) = unit {
            out.push(unit.into());
        }
        started = true;
    }
}

fn english(n: u64, out: &mut Vec<String>) {
    if n == 0 {
        out.push("num_0".into());
    } else {
        english_big(n, out);
    }
}

fn english_big(mut n: u64, out: &mut Vec<String>) {
    for (unit, name) in [
        (1_000_000_000, "num_1000000000"),
        (1_000_000, "num_1000000"),
        (1000, "num_1000"),
    ] {
        if n >= unit {
            english_big(n / unit, out);
            out.push(name.into());
            n %= unit;
        }
    }
    if n >= 100 {
        out.push(format!("num_{}", n / 100));
        out.push("num_100".into());
        n %= 100;
    }
    if n >= 20 {
        out.push(format!("num_{}", n / 10 * 10));
        n %= 10;
    }
    if n > 0 {
        out.push(format!("num_{n}"));
    }
}

/// 2026 "twenty twenty six", 1905 "nineteen oh five", 1900 "nineteen hundred", 2005 "two
/// thousand five".
fn english_year(year: u64, out: &mut Vec<String>) {
    let (high, low) = (year / 100, year % 100);
    if !(1000..10_000).contains(&year) || (2000..2010).contains(&year) {
        english(year, out);
    } else if low == 0 {
        english(high, out);
        out.push("num_100".into());
    } else {
        english(high, out);
        if low < 10 {
            out.push("oh".into());
        }
        english(low, out);
    }
}

#[cfg(test)]
mod tests;
