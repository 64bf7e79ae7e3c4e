//! Admin data commands against real SQLite files: CSV imports are all or nothing with bad rows
//! reported by line; a backup restores to an equal database and byte-equal recordings; export
//! gives the tickets filed in the date range.

use std::path::Path;

use hotline_server::cli::backup::{BackupArgs, RestoreArgs, run_backup, run_restore};
use hotline_server::cli::dept::{DeptCommand, run_dept_command};
use hotline_server::cli::export::{ExportCommand, Format, run_export_command};
use hotline_server::cli::import::{ImportCommand, parse_csv, run_import_command};
use hotline_server::config::Config;
use hotline_server::store::{
    CallEnd, CallerQuery, NewCall, NewRecording, Store, TicketDraft, spawn_writer,
};
use hotline_server::tickets::{Actor, Channel, Pin, Role, TicketType, TimeLimit, Urgency};
use jiff::Timestamp;
use jiff::tz::TimeZone;

fn config(dir: &Path) -> Config {
    let mut config = Config::default();
    dir.clone_into(&mut config.server.data_dir);
    "Asia/Shanghai".clone_into(&mut config.server.time_zone);
    config
}

fn callers(store: &Store) -> usize {
    store
        .search_callers(&CallerQuery {
            limit: Some(1000),
            ..CallerQuery::default()
        })
        .expect("search")
        .len()
}

const HEADER: &str = "name,numbers,id_number,address,company,category\n";

#[test]
fn import_with_bad_rows_reports_every_line_and_stores_nothing_then_the_fixed_file_imports() {
    let dir = tempfile::tempdir().expect("tmp");
    let data = dir.path().join("data");
    let cfg = config(&data);
    let file = dir.path().join("callers.csv");
    // Line 3 has no number; lines 4–5 are one record (a quoted address with a line break);
    // line 6 has a bad category.
    let bad = format!(
        "\u{feff}{HEADER}张三,13800138000;057187654321,330102199001011234,上城区,,resident\n\
         李四,,,西湖区,,resident\n\
         王五,13900139000,,\"拱墅区\n湖墅南路, 1号\",\"某某\"\"公司\"\"\",company\n\
         赵六,13700137000,,,,nobody\n"
    );
    std::fs::write(&file, &bad).expect("write");
    let mut out = Vec::new();
    let err = run_import_command(
        &ImportCommand::Callers {
            file: file.clone(),
            dry_run: false,
        },
        &cfg,
        &mut out,
        0,
    )
    .expect_err("bad rows must fail");
    let report = String::from_utf8(out).expect("utf8");
    assert!(err.to_string().contains("2 bad row(s)"), "{err}");
    assert!(
        report.contains("callers.csv:3: no phone number"),
        "{report}"
    );
    assert!(
        report.contains("callers.csv:6: unknown category"),
        "{report}"
    );
    assert_eq!(report.lines().count(), 2, "{report}");
    let store = Store::open(&data.join("hotline.db")).expect("open");
    assert_eq!(callers(&store), 0);

    // A number twice in the file is caught by the database, also by line, also all or nothing.
    let dup = format!("{HEADER}甲,13800138000,,,,\n乙,13800138000,,,,\n");
    std::fs::write(&file, dup).expect("write");
    let mut out = Vec::new();
    let cmd = ImportCommand::Callers {
        file: file.clone(),
        dry_run: false,
    };
    assert!(run_import_command(&cmd, &cfg, &mut out, 0).is_err());
    assert!(String::from_utf8_lossy(&out).contains("callers.csv:3: number 13800138000"));
    assert_eq!(callers(&store), 0);

    let fixed = bad
        .replace("李四,,", "李四,13600136000,")
        .replace("nobody", "vip");
    std::fs::write(&file, fixed).expect("write");

    // Dry run: checks pass, nothing written.
    let mut out = Vec::new();
    run_import_command(
        &ImportCommand::Callers {
            file: file.clone(),
            dry_run: true,
        },
        &cfg,
        &mut out,
        0,
    )
    .expect("dry run");
    assert!(String::from_utf8_lossy(&out).contains("4 caller(s) would be imported"));
    assert_eq!(callers(&store), 0);

    let mut out = Vec::new();
    run_import_command(&cmd, &cfg, &mut out, 5).expect("import");
    assert_eq!(callers(&store), 4);
    let wang = store
        .caller_by_number("13900139000")
        .expect("query")
        .expect("wang");
    assert_eq!(wang.address, "拱墅区\n湖墅南路, 1号");
    assert_eq!(wang.company, "某某\"公司\"");
    let zhang = store
        .caller_by_number("057187654321")
        .expect("query")
        .expect("zhang");
    assert_eq!(zhang.numbers.len(), 2);

    // Exported callers import into another database unchanged.
    let exported = dir.path().join("exported.csv");
    let n = run_export_command(
        &ExportCommand::Callers {
            output: Some(exported.clone()),
        },
        &cfg,
        &mut Vec::new(),
    )
    .expect("export callers");
    assert_eq!(n, 4);
    let other = dir.path().join("other");
    run_import_command(
        &ImportCommand::Callers {
            file: exported,
            dry_run: false,
        },
        &config(&other),
        &mut Vec::new(),
        5,
    )
    .expect("re-import");
    let copy = Store::open(&other.join("hotline.db")).expect("open");
    assert_eq!(
        copy.all_callers().expect("callers"),
        store.all_callers().expect("callers")
    );
}

#[test]
fn knowledge_import_is_all_or_nothing_too() {
    let dir = tempfile::tempdir().expect("tmp");
    let cfg = config(dir.path());
    let file = dir.path().join("kb.csv");
    std::fs::write(
        &file,
        "kind,title,body,reference_answer\nfaq,如何办理居住证,\"带身份证, 到派出所\",请携带身份证\nrumour,x,,\n",
    )
    .expect("write");
    let cmd = ImportCommand::Kb {
        file: file.clone(),
        dry_run: false,
    };
    let mut out = Vec::new();
    assert!(run_import_command(&cmd, &cfg, &mut out, 0).is_err());
    assert!(String::from_utf8_lossy(&out).contains("kb.csv:3: unknown kind"));
    let store = Store::open(&dir.path().join("hotline.db")).expect("open");
    assert!(store.knowledge(1).expect("kb").is_none());

    std::fs::write(
        &file,
        "kind,title,body,reference_answer\nfaq,如何办理居住证,\"带身份证, 到派出所\",请携带身份证\n",
    )
    .expect("write");
    let mut out = Vec::new();
    run_import_command(&cmd, &cfg, &mut out, 0).expect("import");
    let item = store.knowledge(1).expect("kb").expect("item");
    assert_eq!(item.body, "带身份证, 到派出所");
    assert_eq!(store.knowledge_versions(1).expect("versions").len(), 1);
}

fn draft(subject: &str) -> TicketDraft {
    TicketDraft {
        profile: "12345".to_owned(),
        ticket_type: TicketType::Complaint,
        channel: Channel::Phone,
        category: "market.services".to_owned(),
        urgency: Urgency::Normal,
        limit: TimeLimit::Days(5),
        subject: subject.to_owned(),
        description: "第一行, \"引号\"\n第二行".to_owned(),
        address: "上城区平海路1号".to_owned(),
        region: "上城区".to_owned(),
        caller_id: None,
        caller_number: "13800138000".to_owned(),
        call_id: Some("call-1".to_owned()),
    }
}

/// A data directory with departments, callers, tickets, a call with its events and CDR, and
/// two recordings in nested folders.
fn populate(data: &Path) {
    let cfg = config(data);
    let mut out = Vec::new();
    run_dept_command(
        &DeptCommand::Add {
            name: "市市场监管局".to_owned(),
            parent: None,
            contact: "王科长".to_owned(),
            phone: "0571-1234".to_owned(),
        },
        &cfg,
        &mut out,
        0,
    )
    .expect("dept");
    run_dept_command(
        &DeptCommand::Add {
            name: "上城分局".to_owned(),
            parent: Some(1),
            contact: String::new(),
            phone: String::new(),
        },
        &cfg,
        &mut out,
        0,
    )
    .expect("dept");
    let mut out = Vec::new();
    run_dept_command(&DeptCommand::List, &cfg, &mut out, 0).expect("list");
    let listing = String::from_utf8(out).expect("utf8");
    assert!(
        listing.contains("1\t市市场监管局\t王科长\t0571-1234"),
        "{listing}"
    );
    assert!(listing.contains("\n  2\t上城分局"), "{listing}");

    let file = data.join("in.csv");
    std::fs::write(&file, format!("{HEADER}张三,13800138000,,,,\n")).expect("write");
    run_import_command(
        &ImportCommand::Callers {
            file: file.clone(),
            dry_run: false,
        },
        &cfg,
        &mut Vec::new(),
        0,
    )
    .expect("import");
    std::fs::remove_file(&file).expect("rm");

    let db = data.join("hotline.db");
    let (writer, handle) = spawn_writer(&db).expect("writer");
    writer.call_started(NewCall {
        id: "call-1".to_owned(),
        started_at_ms: 1_000,
        caller: "13800138000".to_owned(),
        caller_e164: "+8613800138000".to_owned(),
        dnis: "12345".to_owned(),
        profile: "12345".to_owned(),
        flow: "main".to_owned(),
        trunk: "carrier".to_owned(),
        transport: "udp".to_owned(),
        remote: "10.0.0.1:5060".to_owned(),
        caller_location: String::new(),
    });
    writer.call_event(
        "call-1",
        1_500,
        "answered",
        serde_json::json!({"agent": "a1"}),
    );
    writer.call_answered("call-1", 1_500);
    writer.recording(NewRecording {
        call_id: "call-1".to_owned(),
        path: "recordings/2026/11/call-1.wav".to_owned(),
        started_at_ms: 1_500,
        ended_at_ms: 9_000,
        channels: 2,
        kind: "call".to_owned(),
    });
    writer.call_ended(CallEnd {
        call_id: "call-1".to_owned(),
        at_ms: 9_000,
        cause: "caller hangup".to_owned(),
        digits: "1".to_owned(),
        queue: Some("general".to_owned()),
    });
    handle.shutdown_blocking().expect("writer");

    let store = Store::open(&db).expect("open");
    let agent = Actor::centre("agent1", Role::Agent);
    let tz = TimeZone::get("Asia/Shanghai").expect("tz");
    for (subject, at) in [
        ("噪音", "2026-11-20T02:00:00Z"),
        ("消费者投诉", "2026-11-21T03:00:00Z"),
        ("占道经营", "2026-11-22T17:00:00Z"), // 01:00 on the 23rd in Shanghai
    ] {
        let at: Timestamp = at.parse().expect("time");
        store
            .create_ticket(&draft(subject), &agent, Pin::from_random(7), &tz, at)
            .expect("ticket");
    }
    let rec = data.join("recordings/2026/11");
    std::fs::create_dir_all(&rec).expect("mkdir");
    let wav: Vec<u8> = (0..4096u32).map(|i| (i * 7 % 251) as u8).collect();
    std::fs::write(rec.join("call-1.wav"), &wav).expect("wav");
    std::fs::write(data.join("recordings/message.wav"), b"RIFF....").expect("wav");
}

fn files(root: &Path) -> Vec<(String, Vec<u8>)> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<(String, Vec<u8>)>) {
        for e in std::fs::read_dir(dir).expect("dir") {
            let p = e.expect("entry").path();
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                let rel = p.strip_prefix(root).expect("rel").display().to_string();
                out.push((rel, std::fs::read(&p).expect("read")));
            }
        }
    }
    let mut out = Vec::new();
    walk(root, root, &mut out);
    out.sort();
    out
}

#[test]
fn backup_then_restore_gives_equal_tables_and_byte_equal_recordings() {
    let dir = tempfile::tempdir().expect("tmp");
    let data = dir.path().join("data");
    populate(&data);
    // The server would hold the database open meanwhile: keep a connection open too.
    let live = Store::open(&data.join("hotline.db")).expect("open");
    let before = live.table_digests().expect("digests");
    assert!(before.iter().any(|t| t.table == "tickets" && t.rows == 3));
    assert!(before.iter().any(|t| t.table == "calls" && t.rows == 1));
    assert!(
        before
            .iter()
            .any(|t| t.table == "recordings" && t.rows == 1)
    );

    let backup = dir.path().join("backup");
    let now: Timestamp = "2026-11-23T12:00:00Z".parse().expect("time");
    let manifest = run_backup(
        &BackupArgs {
            dir: backup.clone(),
        },
        &config(&data),
        &mut Vec::new(),
        now,
    )
    .expect("backup");
    // Everything as it was, plus the backup's own audit entry (written first, so the copy
    // holds it too).
    let without_audit = |tables: &[hotline_server::store::TableDigest]| {
        tables
            .iter()
            .filter(|t| t.table != "audit_log")
            .cloned()
            .collect::<Vec<_>>()
    };
    assert_eq!(without_audit(&manifest.tables), without_audit(&before));
    let audit_rows = |tables: &[hotline_server::store::TableDigest]| {
        tables
            .iter()
            .find(|t| t.table == "audit_log")
            .map_or(0, |t| t.rows)
    };
    assert_eq!(audit_rows(&manifest.tables), audit_rows(&before) + 1);
    let backups = exports(&live);
    assert_eq!(backups.len(), 1, "one backup audited: {backups:?}");
    assert_eq!(backups[0].0, "cli");
    assert_eq!(backups[0].1, backup.display().to_string());
    assert_eq!(backups[0].2["what"], "backup");
    assert_eq!(manifest.recordings.len(), 2);
    assert!(backup.join("manifest.json").is_file());

    // A second backup into the same (now non-empty) folder is refused.
    assert!(
        run_backup(
            &BackupArgs {
                dir: backup.clone()
            },
            &config(&data),
            &mut Vec::new(),
            now
        )
        .is_err()
    );

    let restored = dir.path().join("restored");
    let mut out = Vec::new();
    run_restore(
        &RestoreArgs {
            dir: backup.clone(),
            force: false,
        },
        &config(&restored),
        &mut out,
    )
    .expect("restore");
    assert!(String::from_utf8_lossy(&out).contains("2 recording(s)"));
    let after = Store::open(&restored.join("hotline.db"))
        .expect("open restored")
        .table_digests()
        .expect("digests");
    assert_eq!(
        after, manifest.tables,
        "the restore gives back the snapshot"
    );
    assert_eq!(
        files(&restored.join("recordings")),
        files(&data.join("recordings"))
    );

    // The restored data directory is not empty now: refused without --force, done with it.
    let err = run_restore(
        &RestoreArgs {
            dir: backup.clone(),
            force: false,
        },
        &config(&restored),
        &mut Vec::new(),
    )
    .expect_err("not empty");
    assert!(err.to_string().contains("--force"), "{err}");
    run_restore(
        &RestoreArgs {
            dir: backup.clone(),
            force: true,
        },
        &config(&restored),
        &mut Vec::new(),
    )
    .expect("forced restore");

    // A folder without a manifest is not a backup.
    let empty = dir.path().join("empty");
    std::fs::create_dir_all(&empty).expect("mkdir");
    let err = run_restore(
        &RestoreArgs {
            dir: empty,
            force: true,
        },
        &config(&dir.path().join("other")),
        &mut Vec::new(),
    )
    .expect_err("no manifest");
    assert!(err.to_string().contains("manifest"), "{err}");

    // A damaged recording in the backup is caught before anything is touched.
    std::fs::write(backup.join("recordings/message.wav"), b"garbage").expect("write");
    assert!(
        run_restore(
            &RestoreArgs {
                dir: backup,
                force: true,
            },
            &config(&restored),
            &mut Vec::new(),
        )
        .is_err()
    );
}

/// The audited exports: who, to where, and the facts.
fn exports(store: &Store) -> Vec<(String, String, serde_json::Value)> {
    store
        .audit_between(0, i64::MAX)
        .expect("audit")
        .into_iter()
        .filter(|r| r.entry.action == "export")
        .map(|r| (r.entry.user, r.entry.target, r.entry.detail))
        .collect()
}

#[test]
fn export_gives_the_tickets_filed_in_the_range() {
    let dir = tempfile::tempdir().expect("tmp");
    let data = dir.path().join("data");
    populate(&data);
    let cfg = config(&data);
    let range = |from: &str, to: &str, format| ExportCommand::Tickets {
        from: from.parse().expect("date"),
        to: to.parse().expect("date"),
        format,
        output: None,
    };

    let mut out = Vec::new();
    let n = run_export_command(
        &range("2026-11-21", "2026-11-23", Format::Csv),
        &cfg,
        &mut out,
    )
    .expect("export");
    assert_eq!(n, 2);
    let text = String::from_utf8(out).expect("utf8");
    let records = parse_csv(&text).expect("csv");
    assert_eq!(records.len(), 3, "{text}");
    assert_eq!(records[0].fields[0], "number");
    assert_eq!(records[1].fields[6], "消费者投诉");
    assert_eq!(records[1].fields[7], "第一行, \"引号\"\n第二行");
    assert_eq!(records[2].fields[6], "占道经营");
    assert!(records[2].fields[0].starts_with("12345-20261123-"));

    let mut out = Vec::new();
    let n = run_export_command(
        &range("2026-11-20", "2026-11-20", Format::Json),
        &cfg,
        &mut out,
    )
    .expect("export");
    assert_eq!(n, 1);
    let text = String::from_utf8(out).expect("utf8");
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("json line"))
        .collect();
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["subject"], "噪音");
    assert_eq!(lines[0]["status"], "received");

    let file = dir.path().join("out.csv");
    let cmd = ExportCommand::Tickets {
        from: "2026-11-01".parse().expect("date"),
        to: "2026-11-30".parse().expect("date"),
        format: Format::Csv,
        output: Some(file.clone()),
    };
    assert_eq!(
        run_export_command(&cmd, &cfg, &mut Vec::new()).expect("export"),
        3
    );
    assert_eq!(
        parse_csv(&std::fs::read_to_string(&file).expect("read"))
            .expect("csv")
            .len(),
        4
    );
    assert!(
        run_export_command(
            &range("2026-11-23", "2026-11-20", Format::Csv),
            &cfg,
            &mut Vec::new()
        )
        .is_err()
    );
    // Every export that ran is audited, the refused one not.
    let audited = exports(&Store::open(&data.join("hotline.db")).expect("open"));
    assert_eq!(audited.len(), 3, "{audited:?}");
    assert!(
        audited
            .iter()
            .all(|(user, _, d)| user == "cli" && d["what"] == "tickets")
    );
    assert_eq!(audited[0].1, "stdout");
    assert_eq!(
        (
            &audited[0].2["from"],
            &audited[0].2["records"],
            &audited[0].2["format"]
        ),
        (
            &serde_json::json!("2026-11-21"),
            &serde_json::json!(2),
            &serde_json::json!("csv")
        )
    );
    assert_eq!(audited[1].2["format"], "json");
    assert_eq!(audited[2].1, file.display().to_string());
}
