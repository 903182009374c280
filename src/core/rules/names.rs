//! Unique names: interfaces, configurations, policies, dependencies (and readiness ids elsewhere).

use std::collections::HashMap;

use super::Context;
use crate::core::finding::{Anchor, Code, Issue};
use crate::core::path::Path;
use crate::core::text::excerpt;

pub(super) fn check(ctx: &Context<'_>, out: &mut Vec<Issue>) {
    let contract = ctx.contract;
    let lists: [(&str, &str, Code, Vec<Option<&str>>); 4] = [
        (
            "interfaces",
            "interface",
            Code::DUPLICATE_INTERFACE_NAME,
            contract.interfaces.iter().map(|it| it.name.as_deref()).collect(),
        ),
        (
            "configurations",
            "configuration",
            Code::DUPLICATE_CONFIGURATION_NAME,
            contract.configurations.iter().map(|it| it.name.as_deref()).collect(),
        ),
        (
            "policies",
            "policy",
            Code::DUPLICATE_POLICY_NAME,
            contract.policies.iter().map(|it| it.name.as_deref()).collect(),
        ),
        (
            "dependencies",
            "dependency",
            Code::DUPLICATE_DEPENDENCY_NAME,
            contract.dependencies.iter().map(|it| it.name.as_deref()).collect(),
        ),
    ];
    for (list, noun, code, names) in lists {
        duplicates(&Path::root().key(list), "name", noun, code, &names, out);
    }
}

/// Reports every later occurrence of a name already used by an earlier item.
pub(super) fn duplicates(
    list: &Path,
    field: &str,
    noun: &str,
    code: Code,
    names: &[Option<&str>],
    out: &mut Vec<Issue>,
) {
    let mut first_seen: HashMap<&str, usize> = HashMap::new();
    for (index, name) in names.iter().enumerate() {
        let Some(name) = name else { continue };
        match first_seen.get(name) {
            Some(first) => out.push(Issue::new(
                code,
                list.index(index).key(field),
                Anchor::Value,
                format!("duplicate {noun} {field} `{}`: already used by `{list}[{first}]`", excerpt(name)),
            )),
            None => {
                first_seen.insert(name, index);
            }
        }
    }
}
