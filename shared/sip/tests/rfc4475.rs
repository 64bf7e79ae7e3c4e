//! RFC 4475 torture messages through the UAS pipeline: parse_datagram → check_request (or,
//! for responses, client transaction matching; for parse errors, bad_request_for).
//! Fails if the corpus or any listed file is missing.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use hotline_sip::{
    ClientEvent, ClientTransactions, Message, Method, UasPolicy, bad_request_for, check_request,
    parse_datagram,
};
use proptest::prelude::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Accept,
    Reject(u16),
    Drop,
}
use Outcome::{Accept, Drop, Reject};

fn policy() -> UasPolicy {
    UasPolicy {
        allowed_methods: vec![
            Method::Invite,
            Method::Ack,
            Method::Bye,
            Method::Cancel,
            Method::Options,
            Method::Info,
            Method::Update,
        ],
        supported_extensions: Vec::new(),
        accepted_content_types: vec![
            "application/sdp".into(),
            "application/dtmf-relay".into(),
            "application/dtmf".into(),
        ],
    }
}

/// The expected outcome per file, and why (RFC 4475 section in INDEX.tsv).
fn expected() -> BTreeMap<&'static str, Outcome> {
    BTreeMap::from([
        // 3.1.1 valid messages
        ("wsinv.dat", Accept),
        ("intmeth.dat", Reject(405)), // unknown method, valid syntax
        ("esc01.dat", Accept),
        ("escnull.dat", Reject(405)), // REGISTER: not a registrar
        ("esc02.dat", Reject(405)),   // RE%47IST%45R is an unknown method
        ("lwsdisp.dat", Accept),
        ("longreq.dat", Accept),
        ("dblreq.dat", Reject(405)), // the REGISTER; trailing INVITE ignored
        ("semiuri.dat", Accept),
        ("transports.dat", Accept),
        ("mpart01.dat", Reject(405)), // MESSAGE is not allowed here
        ("unreason.dat", Drop),       // response, no transaction
        ("noreason.dat", Drop),
        // 3.1.2 invalid messages
        ("badinv01.dat", Reject(400)),
        ("clerr.dat", Reject(400)),
        ("ncl.dat", Reject(400)),
        ("scalar02.dat", Reject(400)),
        ("scalarlg.dat", Drop),
        ("quotbal.dat", Reject(400)),
        ("ltgtruri.dat", Reject(400)),
        ("lwsruri.dat", Reject(400)),
        ("lwsstart.dat", Reject(400)),
        ("trws.dat", Accept), // robust: trailing SP on the request line tolerated
        ("escruri.dat", Reject(400)),
        ("baddate.dat", Accept), // robust: Date is not interpreted
        ("regbadct.dat", Reject(405)),
        ("badaspec.dat", Reject(400)),
        ("baddn.dat", Reject(400)),
        ("badvers.dat", Reject(505)),
        ("mismatch01.dat", Reject(400)),
        ("mismatch02.dat", Reject(400)),
        ("bigcode.dat", Drop),
        // 3.2 transaction layer
        ("badbranch.dat", Accept),
        // 3.3 application layer semantics
        ("insuf.dat", Reject(400)),
        ("unkscm.dat", Reject(416)),
        ("novelsc.dat", Reject(416)),
        ("unksm2.dat", Reject(405)),
        ("bext01.dat", Reject(420)),
        ("invut.dat", Reject(415)),
        ("regaut01.dat", Reject(405)),
        ("multi01.dat", Reject(400)),
        ("mcl01.dat", Reject(400)),
        ("bcast.dat", Drop),
        ("zeromf.dat", Accept), // a UAS may answer OPTIONS with Max-Forwards 0
        ("cparam01.dat", Reject(405)),
        ("cparam02.dat", Reject(405)),
        ("regescrt.dat", Reject(405)),
        ("sdp01.dat", Reject(406)),
        // 3.4 backward compatibility
        ("inv2543.dat", Accept),
    ])
}

fn corpus_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/rfc4475")
}

/// (file, class, expected-handling text) for every row of INDEX.tsv, with the file's bytes.
fn corpus() -> Vec<(String, String, String, Vec<u8>)> {
    let dir = corpus_dir();
    let index = std::fs::read_to_string(dir.join("INDEX.tsv"))
        .unwrap_or_else(|e| panic!("{}: {e} (the RFC 4475 corpus is required)", dir.display()));
    let rows: Vec<_> = index
        .lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let cols: Vec<&str> = l.split('\t').collect();
            assert!(cols.len() >= 5, "INDEX.tsv row has too few columns: {l}");
            let bytes = std::fs::read(dir.join(cols[0]))
                .unwrap_or_else(|e| panic!("{} listed in INDEX.tsv: {e}", cols[0]));
            (
                cols[0].to_owned(),
                cols[3].to_owned(),
                cols[4].to_owned(),
                bytes,
            )
        })
        .collect();
    assert_eq!(
        rows.len(),
        49,
        "INDEX.tsv must list all 49 RFC 4475 messages"
    );
    rows
}

fn outcome(buf: &[u8]) -> Outcome {
    match parse_datagram(buf) {
        Ok(Message::Request(req)) => match check_request(&req, &policy()) {
            Ok(()) => Accept,
            Err(rej) => {
                // The rejection must also produce a sendable, parsable response.
                let bytes = rej.response_to(&req, "t1").to_bytes();
                let Ok(Message::Response(resp)) = parse_datagram(&bytes) else {
                    panic!("rejection response does not parse")
                };
                assert_eq!(resp.code, rej.code);
                Reject(rej.code)
            }
        },
        Ok(Message::Response(resp)) => {
            let mut client = ClientTransactions::new(Duration::from_millis(500));
            match client.on_response(&resp, Instant::now()) {
                ClientEvent::Unmatched => Drop,
                other => panic!("a stray response matched a transaction: {other:?}"),
            }
        }
        Err(e) => match bad_request_for(buf, &e) {
            Some(bytes) => match parse_datagram(&bytes) {
                Ok(Message::Response(r)) => Reject(r.code),
                other => panic!("bad_request_for produced garbage: {other:?}"),
            },
            None => Drop,
        },
    }
}

/// Whether an outcome is within what INDEX.tsv's class allows (a sanity check on the table).
/// A REGISTER may always get 405: this UAS is not a registrar.
fn allowed_by_class(class: &str, handling: &str, is_register: bool, got: Outcome) -> bool {
    let response = handling.starts_with("response");
    match (class, got) {
        (_, Drop) if response => true,
        (_, Reject(405)) if is_register => true,
        ("VALID" | "VALID-BACKCOMPAT" | "VALID-SEMANTIC", Accept | Reject(405 | 501)) => true,
        ("INVALID", Reject(400)) => true,
        ("INVALID", Reject(505)) => handling.contains("505"),
        ("INVALID", Accept) => handling.contains("robust") || handling.contains("may"),
        ("SEMANTIC", Reject(code)) => {
            handling.contains(&code.to_string()) || (code == 405 && handling.contains("REGISTER"))
        }
        ("SEMANTIC", Accept) => {
            handling.contains("valid") || handling.contains("may") || handling.contains("parse")
        }
        _ => false,
    }
}

#[test]
fn every_torture_message_gets_its_expected_outcome() {
    let expected = expected();
    let mut failures = Vec::new();
    let mut table = String::new();
    for (file, class, handling, bytes) in corpus() {
        let want = *expected
            .get(file.as_str())
            .unwrap_or_else(|| panic!("no expectation for {file}"));
        let got = outcome(&bytes);
        let _ = writeln!(table, "{file:16} {class:18} {got:?}");
        if got != want {
            failures.push(format!("{file}: got {got:?}, want {want:?}"));
        }
        let is_register = matches!(parse_datagram(&bytes), Ok(Message::Request(r)) if r.method == Method::Register);
        if !allowed_by_class(&class, &handling, is_register, want) {
            failures.push(format!(
                "{file}: table entry {want:?} contradicts INDEX.tsv ({class}: {handling})"
            ));
        }
    }
    println!("{table}");
    assert_eq!(expected.len(), 49);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn specific_details_of_valid_messages() {
    let corpus = corpus();
    let get = |f: &str| {
        let bytes = &corpus.iter().find(|c| c.0 == f).expect("file").3;
        match parse_datagram(bytes).expect("parses") {
            Message::Request(r) => r,
            Message::Response(_) => panic!("{f} is a request"),
        }
    };
    let wsinv = get("wsinv.dat");
    assert_eq!(wsinv.headers.count("Via"), 2);
    assert_eq!(wsinv.cseq().map(|c| c.seq), Some(9));
    assert_eq!(wsinv.to_tag().as_deref(), Some("1918181833n"));
    assert_eq!(wsinv.from_tag().as_deref(), Some("98asjd8"));
    assert_eq!(wsinv.body.len(), 150);
    let vias: Vec<_> = wsinv
        .headers
        .get_all("Via")
        .flat_map(hotline_sip::split_list)
        .collect();
    assert_eq!(vias.len(), 3);
    let dblreq = get("dblreq.dat");
    assert_eq!(dblreq.method, Method::Register);
    assert!(dblreq.body.is_empty());
    let esc01 = get("esc01.dat");
    let to = hotline_sip::NameAddr::parse(esc01.headers.get("To").expect("To")).expect("name-addr");
    let uri = hotline_sip::Uri::parse(&to.uri).expect("uri");
    assert_eq!(uri.user_unescaped().as_deref(), Some("user"));
    let semi = hotline_sip::Uri::parse(&get("semiuri.dat").uri).expect("uri");
    assert_eq!(semi.user.as_deref(), Some("user;par=u%40example.net"));
    assert_eq!(get("mpart01.dat").body.len(), 553);
    assert_eq!(get("longreq.dat").headers.count("Via"), 34);
    assert_eq!(get("esc02.dat").headers.count("Contact"), 2);
    let cparam01 =
        hotline_sip::NameAddr::parse(get("cparam01.dat").headers.get("Contact").expect("c"))
            .expect("na");
    assert_eq!(cparam01.param("unknownparam"), Some(None));
    let cparam02 =
        hotline_sip::NameAddr::parse(get("cparam02.dat").headers.get("Contact").expect("c"))
            .expect("na");
    assert!(cparam02.params.is_empty() && cparam02.uri.ends_with(";unknownparam"));
    let bext = check_request(&get("bext01.dat"), &policy()).expect_err("420");
    assert_eq!(
        bext.headers,
        [(
            "Unsupported".to_owned(),
            "nothingSupportsThis, nothingSupportsThisEither".to_owned()
        )]
    );
    let invut = check_request(&get("invut.dat"), &policy()).expect_err("415");
    assert_eq!(invut.headers[0].0, "Accept");
    assert!(
        hotline_sip::server_key(&get("badbranch.dat"))
            .is_some_and(|k| k.as_str().starts_with("2543|"))
    );
}

fn mutated() -> impl Strategy<Value = Vec<u8>> {
    let files: Vec<Vec<u8>> = corpus().into_iter().map(|c| c.3).collect();
    (
        0..files.len(),
        prop::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..4), 1..12),
    )
        .prop_map(move |(i, edits)| {
            let mut buf = files[i].clone();
            for (at, byte, op) in edits {
                if buf.is_empty() {
                    buf.push(byte);
                    continue;
                }
                let at = at.index(buf.len());
                match op {
                    0 => buf[at] = byte,
                    1 => buf.insert(at, byte),
                    2 => {
                        buf.remove(at);
                    }
                    _ => buf.truncate(at),
                }
            }
            buf
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn parsing_mutated_torture_messages_never_panics(buf in mutated()) {
        outcome_no_assert(&buf);
    }
}

/// The pipeline without the test's own assertions: nothing on the way may panic.
fn outcome_no_assert(buf: &[u8]) {
    match parse_datagram(buf) {
        Ok(Message::Request(req)) => {
            let _ = req.to_bytes();
            let _ = hotline_sip::server_key(&req);
            if let Err(rej) = check_request(&req, &policy()) {
                let _ = rej.response_to(&req, "t").to_bytes();
            }
        }
        Ok(Message::Response(resp)) => {
            let mut client = ClientTransactions::new(Duration::from_millis(500));
            let _ = client.on_response(&resp, Instant::now());
        }
        Err(e) => {
            let _ = bad_request_for(buf, &e);
        }
    }
    let _ = hotline_sip::parse_stream(buf);
}
