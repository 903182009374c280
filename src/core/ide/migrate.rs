//! The migrations as source actions: "Upgrade readiness to 1.2" on a 1.0 / 1.1 contract with a
//! `readiness` block, "Migrate to pactoVersion 2.0" on any 1.x contract. Both are offered only for a
//! contract without errors, so the result validates under its target version (`core::migrate`).

use crate::core::check::Analysis;
use crate::core::ide::actions::{Action, ActionKind};
use crate::core::migrate::{self, NewFile};
use crate::core::schema::SchemaVersion;

pub const UPGRADE_READINESS: &str = "Upgrade readiness to 1.2";
pub const MIGRATE_2_0: &str = "Migrate to pactoVersion 2.0";

/// A migration offered as an action: its edits of the contract, plus what the editor must know
/// besides (the spec files to create, what was kept as comments).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MigrationAction {
    /// The title names what is kept as comments and the files created.
    pub action: Action,
    pub target: SchemaVersion,
    pub new_files: Vec<NewFile>,
    pub dropped: Vec<String>,
    pub notes: Vec<String>,
}

/// The migrations that apply to this contract.
pub fn migrations(text: &str, analysis: &Analysis) -> Vec<MigrationAction> {
    let Some(version) = analysis.version else { return Vec::new() };
    if version == SchemaVersion::V2_0 || analysis.has_errors() {
        return Vec::new();
    }
    let has_readiness =
        analysis.parsed.tree.root().and_then(|it| analysis.parsed.tree.entry(it, "readiness")).is_some();
    let mut out = Vec::new();
    if matches!(version, SchemaVersion::V1_0 | SchemaVersion::V1_1) && has_readiness {
        out.extend(offer(text, UPGRADE_READINESS, SchemaVersion::V1_2));
    }
    out.extend(offer(text, MIGRATE_2_0, SchemaVersion::V2_0));
    out
}

fn offer(text: &str, title: &str, target: SchemaVersion) -> Option<MigrationAction> {
    let migration = migrate::migrate(text, target).ok().filter(|it| !it.is_empty())?;
    let mut extras = Vec::new();
    let dropped = summarize(&migration.dropped);
    if !dropped.is_empty() {
        extras.push(format!("keeps as comments: {}", dropped.join(", ")));
    }
    if !migration.new_files.is_empty() {
        let files: Vec<&str> = migration.new_files.iter().map(|it| it.path.as_str()).collect();
        extras.push(format!("creates {}", files.join(", ")));
    }
    let title = match extras.is_empty() {
        true => title.to_string(),
        false => format!("{title} ({})", extras.join("; ")),
    };
    let action =
        Action { title, kind: ActionKind::Source, fixes: Vec::new(), preferred: false, edits: migration.edits };
    Some(MigrationAction {
        action,
        target,
        new_files: migration.new_files,
        dropped: migration.dropped,
        notes: migration.notes,
    })
}

/// Dropped paths for a title: list indices folded (`interfaces[].port` once for every interface).
fn summarize(dropped: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for path in dropped {
        let mut folded = String::new();
        let mut in_index = false;
        for it in path.chars() {
            match it {
                '[' => {
                    in_index = true;
                    folded.push('[');
                }
                ']' => {
                    in_index = false;
                    folded.push(']');
                }
                _ if in_index && it.is_ascii_digit() => {}
                _ => folded.push(it),
            }
        }
        if !out.contains(&folded) {
            out.push(folded);
        }
    }
    out
}
