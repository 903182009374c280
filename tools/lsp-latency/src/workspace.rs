//! `--workspace-bundles N`: a workspace of N more bundles beside the contract under test, written before the
//! server starts, so a server that checks every contract of its workspace folders does so while the harness
//! types (docs/benchmarks.md, "Typing while 500 bundles are indexed").

use std::path::Path;

use crate::contract;

/// Writes `count` bundles into `root/workspace-bundles/svc-NNNN/`: the contract under test with its own
/// `service.name`, with the `--bundle` files beside each, like a repository of services made from one template.
pub fn populate(root: &Path, text: &str, bundle: Option<&Path>, count: usize) -> Result<(), String> {
    for index in 0..count {
        let name = format!("svc-{index:04}");
        let dir = root.join("workspace-bundles").join(&name);
        contract::write_copy(&dir, &rename_service(text, &name), bundle)?;
    }
    Ok(())
}

/// The contract with the value of its first `  name:` line under `service:` replaced.
fn rename_service(text: &str, name: &str) -> String {
    let mut in_service = false;
    let mut done = false;
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        if !line.starts_with(' ') && !line.starts_with('#') && !line.trim().is_empty() {
            in_service = line.starts_with("service:");
        }
        match line.trim_start().strip_prefix("name:") {
            Some(_) if in_service && !done => {
                let indent = &line[..line.len() - line.trim_start().len()];
                let ending = if line.ends_with('\n') { "\n" } else { "" };
                out.push_str(&format!("{indent}name: {name}{ending}"));
                done = true;
            }
            _ => out.push_str(line),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renames_the_service_only() {
        let text = "pactoVersion: \"1.1\"\nservice:\n  name: payments\n  version: 1.0.0\ninterfaces:\n  - name: api\n";
        let renamed = rename_service(text, "svc-0001");
        assert_eq!(renamed, text.replace("name: payments", "name: svc-0001"));
    }

    #[test]
    fn writes_each_bundle() {
        let dir = std::env::temp_dir().join(format!("lsp-latency-ws-test-{}", std::process::id()));
        populate(&dir, "service:\n  name: x\n", None, 3).unwrap();
        let written = std::fs::read_to_string(dir.join("workspace-bundles/svc-0002/pacto.yaml")).unwrap();
        assert_eq!(written, "service:\n  name: svc-0002\n");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
