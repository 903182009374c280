//! Converts the tree to `serde_json::Value` the way yaml.v3 decodes into `interface{}`.
//!
//! Alias expansion is budgeted, so an alias bomb is an error instead of an out-of-memory.

use serde_json::{Map, Number, Value};

use super::{NodeId, NodeKind, Scalar, ScalarStyle, Tree};

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum JsonError {
    /// Expanding aliases would produce more than the budget of nodes, or nest deeper than
    /// [`MAX_JSON_DEPTH`].
    TooLarge { budget: usize },
}

/// The deepest JSON a document may expand to (aliases can nest documents inside documents).
pub const MAX_JSON_DEPTH: usize = 2 * super::MAX_DEPTH;

impl Tree {
    /// The JSON value of the node `id`, expanding aliases and `<<` merge keys.
    ///
    /// At most `4 × nodes + 10,000` values are produced, which no honest document reaches.
    pub fn to_json(&self, id: NodeId) -> Result<Value, JsonError> {
        let budget = self.len().saturating_mul(4).saturating_add(10_000);
        let mut remaining = budget;
        self.to_json_budgeted(id, &mut remaining, 0).ok_or(JsonError::TooLarge { budget })
    }

    /// The JSON value of the whole document (`null` for an empty one).
    pub fn document_json(&self) -> Result<Value, JsonError> {
        match self.root() {
            Some(root) => self.to_json(root),
            None => Ok(Value::Null),
        }
    }

    fn to_json_budgeted(&self, id: NodeId, remaining: &mut usize, depth: usize) -> Option<Value> {
        *remaining = remaining.checked_sub(1)?;
        if depth > MAX_JSON_DEPTH {
            return None;
        }
        match &self.node(id).kind {
            NodeKind::Scalar(scalar) => Some(scalar_to_json(scalar)),
            NodeKind::Alias(target) => self.to_json_budgeted(*target, remaining, depth + 1),
            NodeKind::Sequence(items) => {
                let mut values = Vec::with_capacity(items.len());
                for item in items {
                    values.push(self.to_json_budgeted(*item, remaining, depth + 1)?);
                }
                Some(Value::Array(values))
            }
            NodeKind::Mapping(entries) => {
                let mut map = Map::with_capacity(entries.len());
                let mut merges = Vec::new();
                for entry in entries {
                    if self.is_merge_key(entry.key) {
                        merges.push(entry.value);
                        continue;
                    }
                    let key = self.key_json_text(entry.key, remaining, depth + 1)?;
                    // A duplicate key: the first one counts.
                    if let serde_json::map::Entry::Vacant(slot) = map.entry(key) {
                        slot.insert(self.to_json_budgeted(entry.value, remaining, depth + 1)?);
                    }
                }
                for merge in merges {
                    let sources = match self.sequence(merge) {
                        Some(items) => items.to_vec(),
                        None => vec![merge],
                    };
                    for source in sources {
                        if let Value::Object(merged) = self.to_json_budgeted(source, remaining, depth + 1)? {
                            for (key, value) in merged {
                                map.entry(key).or_insert(value);
                            }
                        }
                    }
                }
                Some(Value::Object(map))
            }
        }
    }

    /// Keys become strings as Go's JSON conversion formats them (`1` → `"1"`, `true` → `"true"`).
    fn key_json_text(&self, key: NodeId, remaining: &mut usize, depth: usize) -> Option<String> {
        // The common key, a plain word that resolves to itself, skips building a JSON value.
        if let NodeKind::Scalar(scalar) = &self.node(key).kind
            && scalar.style == ScalarStyle::Plain
            && scalar.tag.is_none()
            && is_plain_word(&scalar.value)
        {
            *remaining = remaining.checked_sub(1)?;
            return (depth <= MAX_JSON_DEPTH).then(|| scalar.value.to_string());
        }
        match self.to_json_budgeted(key, remaining, depth)? {
            Value::String(text) => Some(text),
            Value::Null => Some("null".into()),
            other => Some(other.to_string()),
        }
    }
}

/// Whether a plain scalar certainly resolves to the string it spells: it starts with a letter other
/// than those that begin `null`, `true`, `false` and their spellings (`n`, `N`, `t`, `T`, `f`, `F`),
/// so it is neither null, a boolean, a number nor `.inf` / `.nan`.
fn is_plain_word(text: &str) -> bool {
    text.as_bytes()
        .first()
        .is_some_and(|first| first.is_ascii_alphabetic() && !matches!(first, b'n' | b'N' | b't' | b'T' | b'f' | b'F'))
}

/// Resolves one scalar like yaml.v3: quoted and block scalars are strings; plain ones may be
/// null, booleans, integers or floats. Timestamps stay strings with their original text.
pub fn scalar_to_json(scalar: &Scalar) -> Value {
    let text = &*scalar.value;
    match scalar.tag.as_deref() {
        Some("!!str") => return Value::String(text.into()),
        Some("!!null") => return Value::Null,
        Some("!!bool") => return resolve_bool(text).map_or_else(|| Value::String(text.into()), Value::Bool),
        Some("!!int") => return resolve_int(text).unwrap_or_else(|| Value::String(text.into())),
        Some("!!float") => {
            return resolve_int(text)
                .and_then(|it| it.as_f64())
                .or_else(|| resolve_float(text))
                .and_then(Number::from_f64)
                .map_or_else(|| Value::String(text.into()), Value::Number);
        }
        _ => {}
    }
    if scalar.style != ScalarStyle::Plain || scalar.tag.is_some() {
        return Value::String(text.into());
    }
    resolve_plain(text)
}

fn resolve_plain(text: &str) -> Value {
    if is_plain_word(text) {
        return Value::String(text.into());
    }
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        _ => {}
    }
    if let Some(flag) = resolve_bool(text) {
        return Value::Bool(flag);
    }
    if let Some(number) = resolve_int(text) {
        return number;
    }
    match resolve_float(text) {
        // JSON cannot hold NaN or infinities; keep their text.
        Some(float) => Number::from_f64(float).map_or_else(|| Value::String(text.into()), Value::Number),
        None => Value::String(text.into()),
    }
}

fn resolve_bool(text: &str) -> Option<bool> {
    match text {
        "true" | "True" | "TRUE" => Some(true),
        "false" | "False" | "FALSE" => Some(false),
        _ => None,
    }
}

/// Go's `strconv.ParseInt(s, 0, 64)` (then `ParseUint`) after yaml.v3 drops underscores.
fn resolve_int(text: &str) -> Option<Value> {
    let first = text.chars().next()?;
    if !(first.is_ascii_digit() || first == '-' || first == '+') {
        return None;
    }
    let plain = without_underscores(text);
    let (negative, unsigned) = match plain.as_bytes().first()? {
        b'-' => (true, &plain[1..]),
        b'+' => (false, &plain[1..]),
        _ => (false, &*plain),
    };
    let (radix, digits) = if let Some(rest) = unsigned.strip_prefix("0x").or_else(|| unsigned.strip_prefix("0X")) {
        (16, rest)
    } else if let Some(rest) = unsigned.strip_prefix("0o").or_else(|| unsigned.strip_prefix("0O")) {
        (8, rest)
    } else if let Some(rest) = unsigned.strip_prefix("0b").or_else(|| unsigned.strip_prefix("0B")) {
        (2, rest)
    } else if unsigned.len() > 1 && unsigned.starts_with('0') {
        (8, &unsigned[1..])
    } else {
        (10, unsigned)
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let magnitude = u64::from_str_radix(digits, radix).ok()?;
    if negative {
        let value = 0i64.checked_sub_unsigned(magnitude)?;
        Some(Value::Number(value.into()))
    } else {
        Some(Value::Number(magnitude.into()))
    }
}

/// yaml.v3's float rule: `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$` and the
/// `.inf` / `.nan` spellings.
fn resolve_float(text: &str) -> Option<f64> {
    match text {
        ".nan" | ".NaN" | ".NAN" => return Some(f64::NAN),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => return Some(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => return Some(f64::NEG_INFINITY),
        _ => {}
    }
    let plain = without_underscores(text);
    let bytes = plain.as_bytes();
    let mut idx = 0;
    if matches!(bytes.first(), Some(b'-' | b'+')) {
        idx += 1;
    }
    let int_digits = count_digits(&bytes[idx..]);
    idx += int_digits;
    if bytes.get(idx) == Some(&b'.') {
        idx += 1;
        let frac_digits = count_digits(&bytes[idx..]);
        if int_digits == 0 && frac_digits == 0 {
            return None;
        }
        idx += frac_digits;
    } else if int_digits == 0 {
        return None;
    }
    if matches!(bytes.get(idx), Some(b'e' | b'E')) {
        idx += 1;
        if matches!(bytes.get(idx), Some(b'-' | b'+')) {
            idx += 1;
        }
        let exp_digits = count_digits(&bytes[idx..]);
        if exp_digits == 0 {
            return None;
        }
        idx += exp_digits;
    }
    if idx != bytes.len() {
        return None;
    }
    plain.parse().ok()
}

/// The text with yaml.v3's digit separators (`_`) dropped, copied only when it has any.
fn without_underscores(text: &str) -> std::borrow::Cow<'_, str> {
    match text.contains('_') {
        true => text.replace('_', "").into(),
        false => text.into(),
    }
}

fn count_digits(bytes: &[u8]) -> usize {
    bytes.iter().take_while(|b| b.is_ascii_digit()).count()
}
