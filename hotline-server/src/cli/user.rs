//! `hotline-server user add|list|disable|enable|passwd`: account administration on the
//! database in the configured data directory. Works while the server runs (SQLite WAL).
//! Every change is audited with the actor "cli".

use std::collections::BTreeMap;
use std::io::{self, Read, Write};

use clap::{Args, Subcommand};
use hotline_protocol::Role;
use thiserror::Error;

use crate::auth::{Actor, Auth, AuthError, AuthPolicy, NewAccount};
use crate::config::Config;
use crate::store::UserRow;

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create an account.
    Add(AddArgs),
    /// List every account.
    List,
    /// Refuse log-in to an account and end its sessions.
    Disable { name: String },
    /// Allow log-in again.
    Enable { name: String },
    /// Set a new password (ends the account's sessions).
    Passwd {
        name: String,
        #[command(flatten)]
        password: PasswordArgs,
    },
}

#[derive(Debug, Args)]
pub struct AddArgs {
    /// Log-in name (letters, digits, '.', '_', '-', '@').
    pub name: String,
    /// agent, supervisor, director, department or admin.
    #[arg(long)]
    pub role: String,
    #[command(flatten)]
    pub password: PasswordArgs,
    /// Name shown on screens.
    #[arg(long)]
    pub display_name: Option<String>,
    /// 工号, announced to callers.
    #[arg(long)]
    pub work_number: Option<String>,
    /// Skills with levels 1-10, e.g. general=5,complaint=3.
    #[arg(long)]
    pub skills: Option<String>,
}

/// Where the password comes from: prefer `--password-stdin` (a password on the command line
/// is visible to other users of the machine in the process list).
#[derive(Debug, Args)]
#[group(required = true, multiple = false)]
pub struct PasswordArgs {
    #[arg(long)]
    pub password: Option<String>,
    /// Read the password from the first line of standard input.
    #[arg(long)]
    pub password_stdin: bool,
}

#[derive(Debug, Error)]
pub enum UserCliError {
    #[error("unknown role \"{0}\"; valid roles: agent, supervisor, director, department, admin")]
    UnknownRole(String),
    #[error("invalid --skills \"{value}\": {reason} (expected e.g. general=5,complaint=3)")]
    BadSkills { value: String, reason: String },
    #[error("no password given: use --password PASS or --password-stdin")]
    NoPassword,
    #[error("the password read from standard input is empty")]
    EmptyPassword,
    #[error("cannot read the password from standard input: {0}")]
    Stdin(#[source] io::Error),
    #[error("cannot write the output: {0}")]
    Output(#[from] io::Error),
    #[error(transparent)]
    Auth(#[from] AuthError),
}

/// Runs one `user` subcommand against `config`'s database, writing its report to `out` and
/// reading a `--password-stdin` password from `stdin`.
pub fn run_user_command(
    cmd: &UserCommand,
    config: &Config,
    out: &mut impl Write,
    stdin: impl Read,
) -> Result<(), UserCliError> {
    let now_ms = jiff::Timestamp::now().as_millisecond();
    let auth = Auth::new(
        &config.server.data_dir.join("hotline.db"),
        AuthPolicy::default(),
    )?;
    let actor = Actor::cli();
    match cmd {
        UserCommand::Add(args) => {
            let role = parse_role(&args.role)?;
            let skills = match &args.skills {
                Some(s) => parse_skills(s)?,
                None => BTreeMap::new(),
            };
            let password = read_password(&args.password, stdin)?;
            let account = NewAccount {
                display_name: args.display_name.clone().unwrap_or_default(),
                work_number: args.work_number.clone().unwrap_or_default(),
                skills,
                ..NewAccount::new(&args.name, role, &password)
            };
            let user = auth.add_user(&account, &actor, now_ms)?;
            writeln!(out, "created user {} ({})", user.name, user.role.as_str())?;
        }
        UserCommand::List => {
            let users = auth.store().list_users().map_err(AuthError::from)?;
            out.write_all(format_user_table(&users, &config.server.tz()).as_bytes())?;
        }
        UserCommand::Disable { name } => {
            let (user, revoked) = auth.set_disabled(name, true, &actor, now_ms)?;
            writeln!(
                out,
                "disabled user {}; {revoked} session(s) ended",
                user.name
            )?;
        }
        UserCommand::Enable { name } => {
            let (user, _) = auth.set_disabled(name, false, &actor, now_ms)?;
            writeln!(out, "enabled user {}", user.name)?;
        }
        UserCommand::Passwd { name, password } => {
            let password = read_password(password, stdin)?;
            let revoked = auth.set_password(name, &password, &actor, now_ms)?;
            writeln!(
                out,
                "password of {name} changed; {revoked} session(s) ended"
            )?;
        }
    }
    Ok(())
}

fn parse_role(name: &str) -> Result<Role, UserCliError> {
    Role::from_name(&name.to_ascii_lowercase())
        .ok_or_else(|| UserCliError::UnknownRole(name.to_owned()))
}

/// `general=5,complaint=3` → map; levels are checked (1..=10) by the auth service.
pub fn parse_skills(value: &str) -> Result<BTreeMap<String, u8>, UserCliError> {
    let bad = |reason: String| UserCliError::BadSkills {
        value: value.to_owned(),
        reason,
    };
    let mut skills = BTreeMap::new();
    for item in value.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let (skill, level) = item
            .split_once('=')
            .ok_or_else(|| bad(format!("\"{item}\" has no =LEVEL")))?;
        let level: u8 = level
            .trim()
            .parse()
            .map_err(|_| bad(format!("level \"{}\" is not a number 1-10", level.trim())))?;
        if skills.insert(skill.trim().to_owned(), level).is_some() {
            return Err(bad(format!("skill \"{}\" given twice", skill.trim())));
        }
    }
    Ok(skills)
}

/// The password from `--password`, or the first line of `stdin` (without its line end).
fn read_password(args: &PasswordArgs, mut stdin: impl Read) -> Result<String, UserCliError> {
    if let Some(p) = &args.password {
        return Ok(p.clone());
    }
    if !args.password_stdin {
        return Err(UserCliError::NoPassword);
    }
    let mut text = String::new();
    stdin
        .read_to_string(&mut text)
        .map_err(UserCliError::Stdin)?;
    let line = text.lines().next().unwrap_or_default();
    if line.is_empty() {
        return Err(UserCliError::EmptyPassword);
    }
    Ok(line.to_owned())
}

/// The `user list` table: name, role, work number, skills, disabled, created (local time).
pub fn format_user_table(users: &[UserRow], tz: &jiff::tz::TimeZone) -> String {
    const HEADER: [&str; 6] = ["NAME", "ROLE", "WORK NO", "SKILLS", "DISABLED", "CREATED"];
    let rows: Vec<[String; 6]> = users
        .iter()
        .map(|u| {
            let skills: Vec<String> = u.skills.iter().map(|(k, v)| format!("{k}={v}")).collect();
            let created = jiff::Timestamp::from_millisecond(u.created_at_ms).map_or_else(
                |_| u.created_at_ms.to_string(),
                |t| {
                    t.to_zoned_datetime(tz.clone())
                        .strftime("%Y-%m-%d %H:%M")
                        .to_string()
                },
            );
            [
                u.name.clone(),
                u.role.as_str().to_owned(),
                u.work_number.clone(),
                skills.join(","),
                if u.disabled { "yes" } else { "" }.to_owned(),
                created,
            ]
        })
        .collect();
    let mut widths = HEADER.map(|h| h.chars().count());
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut text = String::new();
    let header = HEADER.map(str::to_owned);
    for row in std::iter::once(&header).chain(&rows) {
        let cells: Vec<String> = row
            .iter()
            .zip(widths)
            .map(|(cell, w)| format!("{cell:<w$}"))
            .collect();
        text.push_str(cells.join("  ").trim_end());
        text.push('\n');
    }
    if rows.is_empty() {
        text.push_str("(no users)\n");
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(dir: &tempfile::TempDir) -> Config {
        let mut config = Config::default();
        config.server.data_dir = dir.path().join("data");
        config
    }

    fn run(cmd: &UserCommand, config: &Config, stdin: &str) -> Result<String, UserCliError> {
        let mut out = Vec::new();
        run_user_command(cmd, config, &mut out, stdin.as_bytes())?;
        Ok(String::from_utf8(out).unwrap())
    }

    fn password(p: Option<&str>) -> PasswordArgs {
        PasswordArgs {
            password: p.map(str::to_owned),
            password_stdin: p.is_none(),
        }
    }

    fn add(name: &str, role: &str, p: Option<&str>) -> UserCommand {
        UserCommand::Add(AddArgs {
            name: name.to_owned(),
            role: role.to_owned(),
            password: password(p),
            display_name: Some("张三".to_owned()),
            work_number: Some("1007".to_owned()),
            skills: Some("general=5, complaint=3".to_owned()),
        })
    }

    fn auth(config: &Config) -> Auth {
        Auth::new(
            &config.server.data_dir.join("hotline.db"),
            AuthPolicy::default(),
        )
        .unwrap()
    }

    #[test]
    fn add_list_disable_enable_passwd() {
        let dir = tempfile::tempdir().unwrap();
        let config = config(&dir);
        let ip = "127.0.0.1".parse().unwrap();

        let out = run(
            &add("zhang3", "agent", None),
            &config,
            "first-pass\nignored\n",
        )
        .unwrap();
        assert_eq!(out, "created user zhang3 (agent)\n");
        let user = auth(&config)
            .login("zhang3", "first-pass", ip, "t", 0)
            .unwrap()
            .user;
        assert_eq!(user.display_name, "张三");
        assert_eq!(user.work_number, "1007");
        assert_eq!(
            user.skills,
            BTreeMap::from([("complaint".into(), 3), ("general".into(), 5)])
        );

        run(&add("boss", "supervisor", Some("boss-pass")), &config, "").unwrap();
        let table = run(&UserCommand::List, &config, "").unwrap();
        let lines: Vec<&str> = table.lines().collect();
        assert_eq!(lines.len(), 3, "{table}");
        assert!(
            lines[0].starts_with("NAME    ROLE        WORK NO  SKILLS"),
            "{table}"
        );
        assert!(lines[1].starts_with("boss    supervisor  "), "{table}");
        assert!(
            lines[2].contains("zhang3  agent       1007     complaint=3,general=5"),
            "{table}"
        );

        let disable = UserCommand::Disable {
            name: "ZHANG3".to_owned(),
        };
        assert_eq!(
            run(&disable, &config, "").unwrap(),
            "disabled user zhang3; 1 session(s) ended\n"
        );
        assert!(
            run(&UserCommand::List, &config, "")
                .unwrap()
                .contains(" yes ")
        );
        let err = auth(&config)
            .login("zhang3", "first-pass", ip, "t", 1)
            .unwrap_err();
        assert!(matches!(err, AuthError::Disabled), "{err}");
        let enable = UserCommand::Enable {
            name: "zhang3".to_owned(),
        };
        assert_eq!(run(&enable, &config, "").unwrap(), "enabled user zhang3\n");

        let session = auth(&config)
            .login("zhang3", "first-pass", ip, "t", 2)
            .unwrap();
        let passwd = UserCommand::Passwd {
            name: "zhang3".to_owned(),
            password: password(None),
        };
        let out = run(&passwd, &config, "second-pass\r\n").unwrap();
        assert_eq!(out, "password of zhang3 changed; 1 session(s) ended\n");
        let a = auth(&config);
        assert!(matches!(
            a.authenticate(&session.token, 3),
            Err(AuthError::Unauthorized)
        ));
        assert!(a.login("zhang3", "first-pass", ip, "t", 4).is_err());
        a.login("zhang3", "second-pass", ip, "t", 5).unwrap();

        let actions: Vec<(String, String)> = a
            .store()
            .audit_between(0, i64::MAX)
            .unwrap()
            .into_iter()
            .filter(|r| r.entry.user == "cli")
            .map(|r| (r.entry.action, r.entry.target))
            .collect();
        let expected = [
            ("user_add", "zhang3"),
            ("user_add", "boss"),
            ("user_disable", "zhang3"),
            ("user_enable", "zhang3"),
            ("password_change", "zhang3"),
        ];
        let expected: Vec<(String, String)> = expected
            .iter()
            .map(|(a, t)| ((*a).to_owned(), (*t).to_owned()))
            .collect();
        assert_eq!(actions, expected);
    }

    #[test]
    fn clear_errors() {
        let dir = tempfile::tempdir().unwrap();
        let config = config(&dir);
        let err = run(&add("x1", "root", Some("long-enough")), &config, "").unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown role \"root\"; valid roles: agent, supervisor, director, department, admin"
        );
        run(&add("x1", "Admin", Some("long-enough")), &config, "").unwrap();
        let err = run(&add("X1", "agent", Some("long-enough")), &config, "").unwrap_err();
        assert_eq!(err.to_string(), "user \"X1\" already exists");
        let err = run(&add("x2", "agent", None), &config, "\n").unwrap_err();
        assert!(matches!(err, UserCliError::EmptyPassword), "{err}");
        let err = run(&add("x2", "agent", Some("short")), &config, "").unwrap_err();
        assert_eq!(
            err.to_string(),
            "the password must have at least 8 characters"
        );
        let err = run(
            &UserCommand::Disable {
                name: "nobody".to_owned(),
            },
            &config,
            "",
        )
        .unwrap_err();
        assert_eq!(err.to_string(), "no user \"nobody\"");
        let passwd = UserCommand::Passwd {
            name: "nobody".to_owned(),
            password: password(Some("long-enough")),
        };
        assert_eq!(
            run(&passwd, &config, "").unwrap_err().to_string(),
            "no user \"nobody\""
        );
        let err = run(&add("cli", "admin", Some("long-enough")), &config, "").unwrap_err();
        assert!(err.to_string().contains("reserved"), "{err}");
    }

    #[test]
    fn skills_syntax() {
        assert_eq!(parse_skills("").unwrap(), BTreeMap::new());
        assert_eq!(
            parse_skills("a=1,b=10").unwrap(),
            BTreeMap::from([("a".into(), 1), ("b".into(), 10)])
        );
        for bad in ["a", "a=x", "a=1,a=2", "a=300"] {
            assert!(
                matches!(parse_skills(bad), Err(UserCliError::BadSkills { .. })),
                "{bad}"
            );
        }
        let dir = tempfile::tempdir().unwrap();
        let config = config(&dir);
        let mut cmd = add("x3", "agent", Some("long-enough"));
        if let UserCommand::Add(args) = &mut cmd {
            args.skills = Some("general=11".to_owned());
        }
        let err = run(&cmd, &config, "").unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid skill \"general\": level 11 is not within 1..=10"
        );
    }

    #[test]
    fn the_command_line_parses() {
        use clap::Parser;
        let cli = crate::cli::Cli::try_parse_from([
            "hotline-server",
            "user",
            "add",
            "a1",
            "--role",
            "agent",
            "--password-stdin",
            "--skills",
            "general=5",
        ])
        .unwrap();
        assert!(matches!(
            cli.command,
            Some(crate::cli::Command::User {
                command: UserCommand::Add(AddArgs {
                    password: PasswordArgs {
                        password_stdin: true,
                        ..
                    },
                    ..
                })
            })
        ));
        // One password source, exactly.
        for args in [
            &["hotline-server", "user", "passwd", "a1"][..],
            &[
                "hotline-server",
                "user",
                "passwd",
                "a1",
                "--password",
                "p",
                "--password-stdin",
            ],
        ] {
            assert!(crate::cli::Cli::try_parse_from(args).is_err());
        }
    }
}
