//! Upstream-style paths into a contract (`interfaces[0].name`, `runtime.health.interface`).

use std::fmt;

/// One step of a [`Path`]: a mapping key or a sequence index.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Segment {
    Key(Box<str>),
    Index(usize),
}

/// A location in the contract document, written in upstream's bracket notation.
///
/// The empty path is the document root.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Path(Vec<Segment>);

impl Path {
    pub fn root() -> Path {
        Path(Vec::new())
    }

    /// Parses `a.b[0].c` and `metadata["x.y"]`; returns `None` for malformed text.
    pub fn parse(text: &str) -> Option<Path> {
        let mut segments = Vec::new();
        let mut rest = text;
        while !rest.is_empty() {
            if let Some(after) = rest.strip_prefix("[\"") {
                let end = after.find("\"]")?;
                segments.push(Segment::Key(after[..end].into()));
                rest = &after[end + 2..];
            } else if let Some(after) = rest.strip_prefix('[') {
                let end = after.find(']')?;
                segments.push(Segment::Index(after[..end].parse().ok()?));
                rest = &after[end + 1..];
            } else {
                let body = if segments.is_empty() { rest } else { rest.strip_prefix('.')? };
                let end = body.find(['.', '[']).unwrap_or(body.len());
                if end == 0 {
                    return None;
                }
                segments.push(Segment::Key(body[..end].into()));
                rest = &body[end..];
            }
        }
        Some(Path(segments))
    }

    pub fn segments(&self) -> &[Segment] {
        &self.0
    }

    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn key(&self, key: &str) -> Path {
        let mut res = self.clone();
        res.0.push(Segment::Key(key.into()));
        res
    }

    pub fn index(&self, index: usize) -> Path {
        let mut res = self.clone();
        res.0.push(Segment::Index(index));
        res
    }

    pub fn parent(&self) -> Option<Path> {
        let (_, init) = self.0.split_last()?;
        Some(Path(init.to_vec()))
    }

    pub fn last(&self) -> Option<&Segment> {
        self.0.last()
    }

    pub fn starts_with(&self, prefix: &Path) -> bool {
        self.0.starts_with(&prefix.0)
    }

    pub fn push(&mut self, segment: Segment) {
        self.0.push(segment);
    }

    pub fn pop(&mut self) -> Option<Segment> {
        self.0.pop()
    }

    /// The value at this path in a JSON document.
    pub fn lookup<'a>(&self, document: &'a serde_json::Value) -> Option<&'a serde_json::Value> {
        self.0.iter().try_fold(document, |node, segment| match segment {
            Segment::Key(key) => node.get(&**key),
            Segment::Index(index) => node.get(*index),
        })
    }
}

impl From<Vec<Segment>> for Path {
    fn from(segments: Vec<Segment>) -> Path {
        Path(segments)
    }
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (idx, segment) in self.0.iter().enumerate() {
            match segment {
                Segment::Index(index) => write!(f, "[{index}]")?,
                Segment::Key(key) if is_plain_key(key) => {
                    if idx > 0 {
                        f.write_str(".")?;
                    }
                    f.write_str(key)?;
                }
                Segment::Key(key) => write!(f, "[\"{key}\"]")?,
            }
        }
        Ok(())
    }
}

fn is_plain_key(key: &str) -> bool {
    !key.starts_with(|c: char| c.is_ascii_digit())
        && !key.is_empty()
        && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '$')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_and_parse_round_trip() {
        for text in [
            "",
            "service",
            "interfaces[0].name",
            "runtime.health.interface",
            "readiness.checks[12].id",
            "metadata[\"a.b\"].c",
            "[\"x y\"]",
        ] {
            let path = Path::parse(text).unwrap();
            assert_eq!(path.to_string(), text);
        }
    }

    #[test]
    fn parse_rejects_malformed() {
        for text in ["a..b", "a[", "a[x]", ".a", "a[\"b"] {
            assert_eq!(Path::parse(text), None, "{text}");
        }
    }

    #[test]
    fn builders() {
        let path = Path::root().key("interfaces").index(2).key("port");
        assert_eq!(path.to_string(), "interfaces[2].port");
        assert_eq!(path.parent().unwrap().to_string(), "interfaces[2]");
        assert!(path.starts_with(&Path::parse("interfaces").unwrap()));
    }
}
