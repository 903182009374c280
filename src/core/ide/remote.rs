//! Editor features on `oci://` refs, from what a registry answered: the hover of a dependency, configuration or
//! policy ref (the remote contract, or why there is none), tag and range completion in a dependency, and where
//! a go to definition lands in the remote `pacto.yaml`.
//!
//! The edges ask the registries; this module only finds the ref at the cursor and renders their answers.

use std::ops::Range;

use crate::core::ide::completion::{Completion, Kind};
use crate::core::ide::cursor::{CursorKind, cursor, sibling_value};
use crate::core::ide::{markdown, scalar};
use crate::core::ociref::{self, OciRef};
use crate::core::path::{Path, Segment};
use crate::core::registry::{Lookup, Remote, Wanted, wanted_for};
use crate::core::semver::{Constraints, compare, parse_version};
use crate::core::yaml::{Role, Tree};

/// Which list an `oci://` ref is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RefKind {
    Dependency,
    Configuration,
    Policy,
}

/// The `oci://` ref under the cursor.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RefAt {
    pub kind: RefKind,
    /// The item's index in its list.
    pub index: usize,
    /// The question to ask the registry (a dependency's valid `compatibility` included).
    pub wanted: Wanted,
    /// The dependency's `compatibility` as written (valid or not).
    pub compatibility: Option<String>,
    /// The ref's value node.
    pub span: Range<usize>,
}

/// The `oci://` ref whose value is at `offset`: `dependencies[i].ref`, `configurations[i].ref` or
/// `policies[i].ref`, when it parses as an OCI ref.
pub fn ref_at(tree: &Tree, offset: usize) -> Option<RefAt> {
    let hit = tree.locate(offset)?;
    if hit.role != Role::Value {
        return None;
    }
    let [Segment::Key(list), Segment::Index(index), Segment::Key(key)] = hit.path.segments() else { return None };
    if &**key != "ref" {
        return None;
    }
    let kind = match &**list {
        "dependencies" => RefKind::Dependency,
        "configurations" => RefKind::Configuration,
        "policies" => RefKind::Policy,
        _ => return None,
    };
    let reference = tree.scalar_str(hit.node)?;
    let compatibility = match kind {
        RefKind::Dependency => {
            let at = Path::root().key(list).index(*index).key("compatibility");
            tree.get(&at).and_then(|node| tree.scalar_str(node)).map(str::to_string)
        }
        RefKind::Configuration | RefKind::Policy => None,
    };
    let wanted = wanted_for(reference, compatibility.as_deref())?;
    Some(RefAt { kind, index: *index, wanted, compatibility, span: tree.span(hit.node) })
}

/// The hover of a ref from the registry's answer.
pub fn hover_markdown(at: &RefAt, lookup: &Lookup) -> String {
    let shown = markdown::code(&at.wanted.reference);
    match lookup {
        Lookup::Found(remote) => remote_markdown(remote, at.compatibility.as_deref()),
        Lookup::NoMatch { published } if published.is_empty() => {
            format!("**No version to resolve to**: {shown} has no semver tag.")
        }
        Lookup::NoMatch { published } => {
            let range = at.wanted.compatibility.as_deref().unwrap_or("any version");
            let tags: Vec<String> = published.iter().take(10).map(|it| markdown::code(it)).collect();
            let more = if published.len() > 10 { ", …" } else { "" };
            format!(
                "**No matching version**: no published version of {shown} satisfies {}.\n\nPublished: {}{more}",
                markdown::code(range),
                tags.join(", ")
            )
        }
        Lookup::NotFound(message) => format!("**Not found**: {}", markdown::escape(message)),
        Lookup::Unreachable(message) => format!("**Registry unreachable**: {}", markdown::escape(message)),
        Lookup::AuthFailed(message) => format!("**Authentication failed**: {}", markdown::escape(message)),
    }
}

/// The summary of a remote contract, with whether it satisfies `compatibility` when one is given.
pub fn remote_markdown(remote: &Remote, compatibility: Option<&str>) -> String {
    let name = remote.name.as_deref().unwrap_or("?");
    let version = remote.version.as_deref().unwrap_or("?");
    let mut lines = vec![format!("**Remote contract** {}", markdown::code(&format!("{name}@{version}")))];
    if let Some(owner) = &remote.owner {
        lines.push(format!("Owner: {}", markdown::escape(owner)));
    }
    if let Some(pacto_version) = &remote.pacto_version {
        lines.push(format!("pactoVersion: {}", markdown::code(pacto_version)));
    }
    if !remote.interfaces.is_empty() {
        let shown: Vec<String> = remote
            .interfaces
            .iter()
            .map(|(name, kind)| format!("{} ({})", markdown::code(name), markdown::escape(kind)))
            .collect();
        lines.push(format!("Interfaces: {}", shown.join(", ")));
    }
    lines.push(format!("Resolved: {}", markdown::code(&remote.resolved)));
    lines.push(format!("Digest: {}", markdown::code(&remote.digest)));
    if let Some(range) = compatibility {
        let line = match remote.satisfies(range) {
            Some(true) => format!("Compatibility: ✓ {} satisfies {}", markdown::code(version), markdown::code(range)),
            Some(false) => {
                format!("Compatibility: ✗ {} does not satisfy {}", markdown::code(version), markdown::code(range))
            }
            None => format!(
                "Compatibility: ? {} cannot be checked against {}",
                markdown::code(version),
                markdown::code(range)
            ),
        };
        lines.push(line);
    }
    // Two trailing spaces would be a hard break; a blank line between lines keeps each on its own.
    lines.join("\n\n")
}

/// Where go to definition lands in a remote `pacto.yaml`: for a configuration ref, the first configuration's
/// `schema` value when the remote contract declares one; otherwise its start.
pub fn definition_offset(kind: RefKind, contract: &str) -> usize {
    if kind != RefKind::Configuration {
        return 0;
    }
    let parsed = crate::core::yaml::parse(contract);
    let schema = Path::root().key("configurations").index(0).key("schema");
    parsed.tree.get(&schema).map_or(0, |node| parsed.tree.span(node).start)
}

/// A completion that needs a repository's tags, found at the cursor in possibly half-typed YAML.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TagsWanted {
    /// Typing the tag of a dependency's `ref` after `oci://REG/REPO:`.
    Tag {
        /// The repository (without tag or digest).
        repository: OciRef,
        /// The item's `compatibility` as written, if any.
        compatibility: Option<String>,
        /// The tag text to replace.
        replace: Range<usize>,
    },
    /// Typing a dependency's `compatibility`, whose item has an `oci://` ref.
    Compatibility {
        repository: OciRef,
        replace: Range<usize>,
        quote: Option<char>,
        /// Whether the insert needs a space first (`compatibility:` with none yet).
        space: bool,
    },
}

impl TagsWanted {
    /// The repository whose tags are wanted.
    pub fn repository(&self) -> &OciRef {
        match self {
            TagsWanted::Tag { repository, .. } | TagsWanted::Compatibility { repository, .. } => repository,
        }
    }
}

/// Whether the cursor is where a repository's tags complete: a dependency's `ref` after `oci://REG/REPO:`, or a
/// dependency's `compatibility` when its item's ref is `oci://`.
pub fn tags_wanted(text: &str, offset: usize) -> Option<TagsWanted> {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let at = cursor(text, offset)?;
    let CursorKind::Value { key, prefix, quote } = &at.kind else { return None };
    let [Segment::Key(list), Segment::Index(_)] = at.path.segments() else { return None };
    if &**list != "dependencies" {
        return None;
    }
    match key.as_str() {
        "ref" => {
            let rest = prefix.strip_prefix("oci://")?;
            let (name, _) = rest.rsplit_once(':').filter(|(_, tag)| !tag.contains(['/', '@']))?;
            let repository = ociref::parse(name).ok().filter(|it| it.tag.is_none() && it.digest.is_none())?;
            let tag_start = at.replace.start + "oci://".len() + name.len() + 1;
            // A digest after the tag stays.
            let tail = &text[offset..at.replace.end];
            let end = tail.find('@').map_or(at.replace.end, |it| offset + it);
            let compatibility = sibling_value(text, offset, "compatibility");
            Some(TagsWanted::Tag { repository, compatibility, replace: tag_start..end })
        }
        "compatibility" => {
            let reference = sibling_value(text, offset, "ref")?;
            let parsed = ociref::parse(reference.strip_prefix("oci://")?).ok()?;
            let repository = OciRef { tag: None, digest: None, ..parsed };
            let space = text[..at.replace.start].ends_with(':');
            Some(TagsWanted::Compatibility { repository, replace: at.replace.clone(), quote: *quote, space })
        }
        _ => None,
    }
}

/// The completions for `wanted` from the repository's `tags`.
pub fn tag_completions(wanted: &TagsWanted, tags: &[String]) -> Vec<Completion> {
    match wanted {
        TagsWanted::Tag { compatibility, replace, .. } => tag_items(tags, compatibility.as_deref(), replace),
        TagsWanted::Compatibility { replace, quote, space, .. } => range_items(tags, replace, *quote, *space),
    }
}

/// Tags: semver tags highest first, those satisfying the range before the others, non-semver tags last.
fn tag_items(tags: &[String], compatibility: Option<&str>, replace: &Range<usize>) -> Vec<Completion> {
    let range = compatibility.and_then(|it| Constraints::parse(it).ok());
    let shown_range = compatibility.map(markdown::code).unwrap_or_default();
    let mut out = Vec::new();
    for (rank, (version, tag)) in versions(tags).into_iter().enumerate() {
        let (group, detail) = match &range {
            Some(range) if range.matches(&version) => ("0", format!("satisfies {shown_range}")),
            Some(_) => ("1", format!("does not satisfy {shown_range}")),
            None => ("0", "published version".to_string()),
        };
        out.push(item(tag.clone(), detail, tag.clone(), replace, format!("{group}{rank:05}")));
    }
    for tag in tags.iter().filter(|it| parse_version(it).is_err()) {
        out.push(item(tag.clone(), "tag (not a version)".into(), tag.clone(), replace, format!("2{tag}")));
    }
    // Only tags of the OCI grammar are offered: they need no quoting inside a ref (a registry serves no others).
    out.retain(|it| is_tag(&it.insert));
    out
}

/// Ranges built from the published versions: for the newest, `^V`, `~V` and `>=MAJOR.0.0`; then `^MAJOR` for the
/// newest of each major.
fn range_items(tags: &[String], replace: &Range<usize>, quote: Option<char>, space: bool) -> Vec<Completion> {
    let all = versions(tags);
    let stable: Vec<_> = all.iter().filter(|(version, _)| version.pre.is_empty()).cloned().collect();
    let published = if stable.is_empty() { all } else { stable };
    let Some((newest, _)) = published.first() else { return Vec::new() };
    let base = format!("{}.{}.{}", newest.major, newest.minor, newest.patch);
    let mut ranges = vec![format!("^{base}"), format!("~{base}"), format!(">={}.0.0", newest.major)];
    let mut majors: Vec<u64> = published.iter().map(|(version, _)| version.major).collect();
    majors.dedup();
    ranges.extend(majors.iter().map(|major| format!("^{major}")));
    let mut out = Vec::new();
    for (rank, range) in ranges.into_iter().enumerate() {
        if out.iter().any(|it: &Completion| it.label == range) {
            continue;
        }
        let Ok(parsed) = Constraints::parse(&range) else { continue };
        let matching: Vec<&String> =
            published.iter().filter(|(version, _)| parsed.matches(version)).map(|(_, tag)| tag).collect();
        let Some(first) = matching.first() else { continue };
        let detail = match matching.len() {
            1 => format!("matches {}", first),
            count => format!("matches {count} published versions, newest {first}"),
        };
        let Some(mut insert) = scalar::in_quote(&range, quote) else { continue };
        if space {
            insert.insert(0, ' ');
        }
        out.push(item(range, detail, insert, replace, format!("{rank:02}")));
    }
    out
}

/// The semver tags among `tags` with their versions, highest first.
fn versions(tags: &[String]) -> Vec<(::semver::Version, String)> {
    let mut out: Vec<_> = tags.iter().filter_map(|tag| Some((parse_version(tag).ok()?, tag.clone()))).collect();
    out.sort_by(|a, b| compare(&b.0, &a.0));
    out
}

/// Whether `text` is a tag the OCI grammar admits: such text needs no quoting inside a ref.
fn is_tag(text: &str) -> bool {
    text.len() <= 128
        && text.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_')
        && text.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

fn item(label: String, detail: String, insert: String, replace: &Range<usize>, sort: String) -> Completion {
    Completion {
        label,
        kind: Kind::Value,
        detail: Some(detail),
        documentation: None,
        insert,
        is_snippet: false,
        replace: replace.clone(),
        sort,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(list: &[&str]) -> Vec<String> {
        list.iter().map(|it| it.to_string()).collect()
    }

    fn at(fixture: &str) -> (String, usize) {
        let offset = fixture.find("$0").unwrap();
        (fixture.replace("$0", ""), offset)
    }

    #[test]
    fn tag_completion_after_the_colon_of_a_half_typed_ref() {
        let (text, offset) =
            at("dependencies:\n  - name: db\n    ref: oci://localhost:5000/acme/db:2$0\n    compatibility: ^1.0.0\n");
        let Some(TagsWanted::Tag { repository, compatibility, replace }) = tags_wanted(&text, offset) else {
            panic!("no tag completion")
        };
        assert_eq!(repository.to_string(), "localhost:5000/acme/db");
        assert_eq!(compatibility.as_deref(), Some("^1.0.0"));
        assert_eq!(&text[replace.clone()], "2");
        let wanted = TagsWanted::Tag { repository, compatibility, replace };
        let items = tag_completions(&wanted, &tags(&["latest", "1.0.0", "2.0.0", "1.2.0", "v1.1.0"]));
        let mut sorted: Vec<_> = items.iter().map(|it| (it.sort.clone(), it.label.clone())).collect();
        sorted.sort();
        let labels: Vec<_> = sorted.into_iter().map(|it| it.1).collect();
        assert_eq!(labels, ["1.2.0", "v1.1.0", "1.0.0", "2.0.0", "latest"]);
    }

    #[test]
    fn no_tag_completion_before_the_tag_colon_or_in_a_port() {
        for fixture in [
            "dependencies:\n  - ref: oci://localhost:5$0\n",
            "dependencies:\n  - ref: oci://reg/acme/db$0\n",
            "dependencies:\n  - ref: ./local:$0\n",
            "configurations:\n  - ref: oci://reg/acme/db:$0\n",
        ] {
            let (text, offset) = at(fixture);
            assert_eq!(tags_wanted(&text, offset), None, "{fixture}");
        }
    }

    #[test]
    fn a_quoted_ref_keeps_its_digest() {
        let (text, offset) = at("dependencies:\n  - ref: \"oci://reg/acme/db:1.$0@sha256:00\"\n");
        let Some(TagsWanted::Tag { replace, .. }) = tags_wanted(&text, offset) else { panic!() };
        assert_eq!(&text[replace], "1.");
    }

    #[test]
    fn compatibility_ranges_from_published_versions() {
        let (text, offset) = at("dependencies:\n  - name: db\n    ref: oci://reg/acme/db\n    compatibility: $0\n");
        let wanted = tags_wanted(&text, offset).expect("a compatibility completion");
        assert_eq!(wanted.repository().to_string(), "reg/acme/db");
        let items = tag_completions(&wanted, &tags(&["1.4.2", "2.3.0", "2.1.0", "3.0.0-rc.1", "latest"]));
        let labels: Vec<_> = items.iter().map(|it| it.label.as_str()).collect();
        assert_eq!(labels, ["^2.3.0", "~2.3.0", ">=2.0.0", "^2", "^1"]);
        let inserts: Vec<_> = items.iter().map(|it| it.insert.as_str()).collect();
        assert_eq!(inserts, ["^2.3.0", "~2.3.0", "\">=2.0.0\"", "^2", "^1"]);
        assert_eq!(items[3].detail.as_deref(), Some("matches 2 published versions, newest 2.3.0"));
    }

    #[test]
    fn any_offset_gives_ranges_inside_the_text_on_char_boundaries() {
        let texts = [
            "dependencies:\n  - name: é\n    ref: \"oci://régistry/a/ü:1😀@x\"\n    compatibility: ^1 # ✓\n",
            "dependencies:\r\n  - ref: oci://r/a/b:\r\n    compatibility: \r\n",
            "dependencies:\n- ref: 'oci://r/a/b:x'\n  compatibility: '>=1'\n",
        ];
        for text in texts {
            let parsed = crate::core::yaml::parse(text);
            for offset in 0..=text.len() + 2 {
                if let Some(at) = ref_at(&parsed.tree, offset) {
                    assert!(text.get(at.span.clone()).is_some(), "{text:?} at {offset}");
                }
                let Some(wanted) = tags_wanted(text, offset) else { continue };
                let items = tag_completions(&wanted, &tags(&["1.0.0", "2.0.0-rc.1", "x"]));
                for item in items {
                    assert!(text.get(item.replace.clone()).is_some(), "{text:?} at {offset}: {item:?}");
                }
            }
        }
    }

    #[test]
    fn hover_of_a_found_remote() {
        let contract = "pactoVersion: \"1.1\"\nservice:\n  name: db\n  version: 2.3.0\n  owner: data\ninterfaces:\n  - {name: sql, type: grpc}\n";
        let remote = Remote::new("reg/acme/db:2.3.0".into(), "sha256:ab".into(), contract.into());
        let text = remote_markdown(&remote, Some("^2.0.0"));
        assert!(text.starts_with("**Remote contract** `db@2.3.0`"), "{text}");
        assert!(text.contains("Interfaces: `sql` (grpc)"), "{text}");
        assert!(text.contains("Digest: `sha256:ab`"), "{text}");
        assert!(text.contains("✓ `2.3.0` satisfies `^2.0.0`"), "{text}");
        assert!(remote_markdown(&remote, Some("^3")).contains("✗ `2.3.0` does not satisfy `^3`"));
    }

    #[test]
    fn ref_at_finds_refs_of_each_list() {
        let text = "dependencies:\n  - ref: oci://reg/a/b:1.0.0\n    compatibility: ^1\nconfigurations:\n  - ref: oci://reg/c/d:2\npolicies:\n  - ref: ./local\n";
        let parsed = crate::core::yaml::parse(text);
        let dependency = ref_at(&parsed.tree, text.find("reg/a").unwrap()).unwrap();
        assert_eq!((dependency.kind, dependency.compatibility.as_deref()), (RefKind::Dependency, Some("^1")));
        assert_eq!(dependency.wanted.compatibility.as_deref(), Some("^1"));
        let configuration = ref_at(&parsed.tree, text.find("reg/c").unwrap()).unwrap();
        assert_eq!((configuration.kind, configuration.index), (RefKind::Configuration, 0));
        assert_eq!(ref_at(&parsed.tree, text.find("./local").unwrap()), None);
        assert_eq!(ref_at(&parsed.tree, text.find("compatibility").unwrap()), None);
    }
}
