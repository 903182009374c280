//! Settings of the `pacto` section (spec §4), from initializationOptions, didChangeConfiguration
//! or workspace/configuration. Accepts nested (`{"readiness": {"gate": true}}`) and dotted
//! (`{"readiness.gate": true}`) keys, with or without a surrounding `{"pacto": …}`.

use std::path::PathBuf;

use serde_json::Value;

use crate::core::check::{Compatibility, Options};
use crate::core::date::Date;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settings {
    pub readiness_gate: bool,
    pub warn_days: i64,
    pub plain_http: Vec<String>,
    pub timeout_ms: u64,
    pub offline: bool,
    pub cache_dir: Option<PathBuf>,
    /// `diff.baseline`: the contract every document is diffed against (a path relative to its
    /// bundle, a packed archive), unless `pacto.diff` set one.
    pub diff_baseline: Option<String>,
    /// `compatibility`: how `pactoVersion` 1.0 and 1.1 are read (`"v1"`, the default, or `"v2"`).
    pub compatibility: Compatibility,
    /// `workspaceDiagnostics`: every contract under the workspace folders is checked in the background.
    pub workspace_diagnostics: bool,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            readiness_gate: false,
            warn_days: 14,
            plain_http: Vec::new(),
            timeout_ms: 5000,
            offline: false,
            cache_dir: None,
            diff_baseline: None,
            compatibility: Compatibility::V1,
            workspace_diagnostics: true,
        }
    }
}

impl Settings {
    /// Reads settings from a JSON value; missing or ill-typed keys keep their defaults.
    pub fn from_json(value: &Value) -> Settings {
        let section = value.get("pacto").unwrap_or(value);
        let get = |path: &[&str]| -> Option<&Value> {
            let dotted = path.join(".");
            section.get(&dotted).or_else(|| path.iter().try_fold(section, |node, key| node.get(*key)))
        };
        let defaults = Settings::default();
        Settings {
            readiness_gate: get(&["readiness", "gate"]).and_then(Value::as_bool).unwrap_or(defaults.readiness_gate),
            warn_days: get(&["readiness", "warnDays"])
                .and_then(Value::as_i64)
                .filter(|it| *it >= 0)
                .unwrap_or(defaults.warn_days),
            plain_http: get(&["registry", "plainHttp"])
                .and_then(Value::as_array)
                .map(|items| items.iter().filter_map(Value::as_str).map(String::from).collect())
                .unwrap_or_default(),
            timeout_ms: get(&["registry", "timeoutMs"]).and_then(Value::as_u64).unwrap_or(defaults.timeout_ms),
            offline: get(&["offline"]).and_then(Value::as_bool).unwrap_or(defaults.offline),
            cache_dir: get(&["cacheDir"]).and_then(Value::as_str).filter(|it| !it.is_empty()).map(PathBuf::from),
            diff_baseline: get(&["diff", "baseline"])
                .and_then(Value::as_str)
                .filter(|it| !it.is_empty())
                .map(String::from),
            compatibility: get(&["compatibility"])
                .and_then(Value::as_str)
                .and_then(Compatibility::parse)
                .unwrap_or(defaults.compatibility),
            workspace_diagnostics: get(&["workspaceDiagnostics"])
                .and_then(Value::as_bool)
                .unwrap_or(defaults.workspace_diagnostics),
        }
    }

    /// How to reach `registry`: the `registry.*` settings and the stored credentials.
    pub fn registry(&self, registry: &str) -> crate::oci::Settings {
        crate::oci::Settings {
            plain_http: self.plain_http.clone(),
            timeout: std::time::Duration::from_millis(self.timeout_ms),
            auth: crate::oci::credentials::lookup(registry).0,
        }
    }

    /// The engine's options for a check as of `today`: the one place settings become options.
    pub fn options(&self, today: Date) -> Options {
        Options {
            today,
            readiness_gate: self.readiness_gate,
            warn_days: self.warn_days,
            compatibility: self.compatibility,
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    /// Every key the server reads, dotted, without the `pacto.` prefix (documented in `docs/settings.md`).
    const KEYS: [&str; 9] = [
        "readiness.gate",
        "readiness.warnDays",
        "registry.plainHttp",
        "registry.timeoutMs",
        "offline",
        "cacheDir",
        "diff.baseline",
        "compatibility",
        "workspaceDiagnostics",
    ];

    /// A value for each key that differs from its default.
    fn example(key: &str) -> Value {
        match key {
            "readiness.gate" | "offline" => json!(true),
            "workspaceDiagnostics" => json!(false),
            "readiness.warnDays" | "registry.timeoutMs" => json!(3),
            "registry.plainHttp" => json!(["reg:5000"]),
            "cacheDir" => json!("/cache"),
            "diff.baseline" => json!("../old"),
            "compatibility" => json!("v2"),
            other => panic!("no example for `{other}`"),
        }
    }

    #[test]
    fn every_key_is_read_documented_and_contributed_by_the_vscode_extension() {
        let docs = include_str!("../../docs/settings.md");
        let package: Value = serde_json::from_str(include_str!("../../editors/vscode/package.json")).unwrap();
        let contributed = &package["contributes"]["configuration"]["properties"];
        for key in KEYS {
            let read = Settings::from_json(&json!({ key: example(key) }));
            assert_ne!(read, Settings::default(), "`pacto.{key}` is not read");
            assert!(
                docs.contains(&format!("\n## `pacto.{key}`\n")),
                "`pacto.{key}` has no section in docs/settings.md"
            );
            assert!(contributed.get(format!("pacto.{key}")).is_some(), "`pacto.{key}` is not in package.json");
        }
        // Every setting the extension contributes is documented too (two of them are the client's own).
        for key in contributed.as_object().unwrap().keys() {
            assert!(docs.contains(&format!("\n## `{key}`\n")), "`{key}` has no section in docs/settings.md");
        }
    }

    #[test]
    fn nested_dotted_and_wrapped_forms() {
        let expected = Settings { readiness_gate: true, warn_days: 30, ..Settings::default() };
        assert_eq!(Settings::from_json(&json!({"readiness": {"gate": true, "warnDays": 30}})), expected);
        assert_eq!(
            Settings::from_json(&json!({"pacto": {"readiness.gate": true, "readiness.warnDays": 30}})),
            expected
        );
        let compatibility = Settings::from_json(&json!({"pacto": {"compatibility": "v2"}})).compatibility;
        assert_eq!(compatibility, Compatibility::V2);
        assert_eq!(Settings::from_json(&json!({"compatibility": "v9"})).compatibility, Compatibility::V1);
        let registry = Settings::from_json(&json!({"registry": {"plainHttp": ["reg:5000"], "timeoutMs": 100}}));
        assert_eq!((registry.plain_http, registry.timeout_ms), (vec!["reg:5000".to_string()], 100));
        let baseline = Settings::from_json(&json!({"pacto": {"diff.baseline": "../v1"}}));
        assert_eq!(baseline.diff_baseline.as_deref(), Some("../v1"));
        assert!(!Settings::from_json(&json!({"pacto": {"workspaceDiagnostics": false}})).workspace_diagnostics);
        assert!(Settings::from_json(&json!({"workspaceDiagnostics": "no"})).workspace_diagnostics);
    }

    #[test]
    fn settings_become_check_options() {
        let today = Date::new(2026, 11, 22).unwrap();
        let settings = Settings::from_json(&json!({"readiness": {"gate": true, "warnDays": 3}}));
        let options = settings.options(today);
        assert_eq!((options.today, options.readiness_gate, options.warn_days), (today, true, 3));
    }

    #[test]
    fn bad_values_keep_defaults() {
        let settings = Settings::from_json(&json!({"readiness": {"gate": "yes", "warnDays": -3}, "offline": 1}));
        assert_eq!(settings, Settings::default());
        assert_eq!(Settings::from_json(&json!(null)), Settings::default());
    }
}
