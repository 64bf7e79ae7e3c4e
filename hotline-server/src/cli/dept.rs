//! `hotline-server dept add|list`: the department hierarchy (city → district → street → office)
//! with contacts and phone numbers.

use std::io::Write;

use clap::Subcommand;

use crate::config::Config;
use crate::store::{DepartmentNode, NewDepartment, Store};

#[derive(Debug, Subcommand)]
pub enum DeptCommand {
    /// Add a department, at the top or under `--parent ID`.
    Add {
        name: String,
        /// The id of the department above it (`dept list` shows ids).
        #[arg(long)]
        parent: Option<i64>,
        #[arg(long, default_value = "")]
        contact: String,
        #[arg(long, default_value = "")]
        phone: String,
    },
    /// The hierarchy as an indented tree: id, name, contact, phone.
    List,
}

fn write_tree(out: &mut impl Write, nodes: &[DepartmentNode], depth: usize) -> std::io::Result<()> {
    for n in nodes {
        let d = &n.department;
        writeln!(
            out,
            "{:indent$}{}\t{}\t{}\t{}",
            "",
            d.id,
            d.name,
            d.contact,
            d.phone,
            indent = depth * 2
        )?;
        write_tree(out, &n.children, depth + 1)?;
    }
    Ok(())
}

/// Runs one command against the configured database.
pub fn run_dept_command(
    cmd: &DeptCommand,
    config: &Config,
    out: &mut impl Write,
    now_ms: i64,
) -> anyhow::Result<()> {
    let store = Store::open(&config.server.data_dir.join("hotline.db"))?;
    match cmd {
        DeptCommand::Add {
            name,
            parent,
            contact,
            phone,
        } => {
            let row = store.add_department(
                &NewDepartment {
                    parent_id: *parent,
                    name: name.clone(),
                    contact: contact.clone(),
                    phone: phone.clone(),
                },
                now_ms,
            )?;
            writeln!(
                out,
                "added department {} \"{}\" at level {}",
                row.id, row.name, row.level
            )?;
        }
        DeptCommand::List => write_tree(out, &store.department_tree()?, 0)?,
    }
    Ok(())
}
