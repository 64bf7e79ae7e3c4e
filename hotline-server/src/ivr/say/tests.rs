use super::*;

/// Renders Mandarin prompt names as characters so expectations read like the real thing.
fn zh(n: u64) -> String {
    say_number("zh", n)
        .iter()
        .map(|p| match p.name.as_str() {
            "num_10" => "十",
            "num_100" => "百",
            "num_1000" => "千",
            "num_10000" => "万",
            "num_100000000" => "亿",
            other => {
                const DIGITS: [&str; 10] =
                    ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
                let d: usize = other
                    .trim_start_matches("num_")
                    .parse()
                    .expect("digit prompt");
                DIGITS[d]
            }
        })
        .collect()
}

fn en(n: u64) -> String {
    names("en", &say_number("en", n))
}

fn names(lang: &str, refs: &[PromptRef]) -> String {
    assert!(refs.iter().all(|p| p.language == lang));
    refs.iter()
        .map(|p| p.name.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn mandarin_numbers() {
    assert_eq!(zh(0), "零");
    assert_eq!(zh(7), "七");
    assert_eq!(zh(10), "十");
    assert_eq!(zh(15), "十五");
    assert_eq!(zh(20), "二十");
    assert_eq!(zh(105), "一百零五");
    assert_eq!(zh(110), "一百一十");
    assert_eq!(zh(1005), "一千零五");
    assert_eq!(zh(1010), "一千零一十");
    assert_eq!(zh(1100), "一千一百");
    assert_eq!(zh(10010), "一万零一十");
    assert_eq!(zh(20000), "二万");
    assert_eq!(zh(100_010), "十万零一十");
    assert_eq!(zh(123_456_789), "一亿二千三百四十五万六千七百八十九");
    assert_eq!(zh(100_000_005), "一亿零五");
    assert_eq!(zh(100_100_000), "一亿零一十万");
    assert_eq!(zh(110_000_000), "一亿一千万");
    assert_eq!(zh(1_000_000_000_000), "一万亿");
}

#[test]
fn mandarin_never_panics_on_extremes() {
    assert!(!say_number("zh", u64::MAX).is_empty());
    assert!(!say_number("en", u64::MAX).is_empty());
}

#[test]
fn english_numbers() {
    assert_eq!(en(0), "num_0");
    assert_eq!(en(10), "num_10");
    assert_eq!(en(15), "num_15");
    assert_eq!(en(105), "num_1 num_100 num_5");
    assert_eq!(en(123), "num_1 num_100 num_20 num_3");
    assert_eq!(en(1005), "num_1 num_1000 num_5");
    assert_eq!(en(10010), "num_10 num_1000 num_10");
    assert_eq!(
        en(123_456_789),
        "num_1 num_100 num_20 num_3 num_1000000 num_4 num_100 num_50 num_6 num_1000 \
         num_7 num_100 num_80 num_9"
    );
    assert_eq!(en(2_000_000_000), "num_2 num_1000000000");
}

#[test]
fn digits_and_keys() {
    assert_eq!(
        names("zh", &say_digits("zh", "12*#a0")),
        "digit_1 digit_2 star hash digit_0"
    );
    assert!(say_digits("en", "").is_empty());
}

#[test]
fn dates() {
    let date = jiff::civil::date(2026, 11, 23);
    assert_eq!(
        names("zh", &say_date("zh", date)),
        "num_2 num_0 num_2 num_6 year num_10 num_1 month num_2 num_10 num_3 day"
    );
    assert_eq!(
        names("en", &say_date("en", date)),
        "month_11 day_23 num_20 num_20 num_6"
    );
    let old = jiff::civil::date(1905, 1, 1);
    assert_eq!(
        names("en", &say_date("en", old)),
        "month_1 day_1 num_19 oh num_5"
    );
    let y2k = jiff::civil::date(2005, 3, 10);
    assert_eq!(
        names("en", &say_date("en", y2k)),
        "month_3 day_10 num_2 num_1000 num_5"
    );
}

#[test]
fn checker_list_covers_every_output() {
    for lang in ["zh", "en"] {
        let allowed = prompt_names(SayKind::Date, lang);
        let samples = [0, 10, 15, 105, 1005, 10010, 123_456_789, u64::MAX];
        for n in samples {
            for p in say_number(lang, n) {
                assert!(allowed.contains(&p.name), "{lang} {n}: {}", p.name);
            }
        }
        for p in say_date(lang, jiff::civil::date(1999, 12, 31)) {
            assert!(allowed.contains(&p.name), "{lang}: {}", p.name);
        }
        let digits = prompt_names(SayKind::Digits, lang);
        assert!(
            say_digits(lang, "0123456789*#")
                .iter()
                .all(|p| digits.contains(&p.name))
        );
    }
}
