//! Writing a string into YAML text so that it reads back as that same string: plain when it
//! can be, else escaped inside quotes. Used wherever an edit or completion writes text that
//! came from the contract or the bundle (interface names, file paths).

/// Whether `name` can be written unquoted (or inside existing quotes), in a block or a flow
/// collection, and still read back as that same string: no YAML indicators, no spaces at the
/// ends, not a number, boolean or null.
pub fn is_plain_string(name: &str) -> bool {
    if name.is_empty() || name.trim() != name || name.contains(['"', '\'', '\\', '\n', '\r', '\t']) {
        return false;
    }
    // The common case without a parse: a word of letters, digits, `-`, `_`, `.` and `/` starting
    // with a letter is a plain string unless it is one of YAML's booleans or nulls.
    let is_word = name.starts_with(|c: char| c.is_ascii_alphabetic())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'));
    let special = ["y", "n", "yes", "no", "on", "off", "true", "false", "null"];
    if is_word && !special.contains(&name.to_ascii_lowercase().as_str()) {
        return true;
    }
    let reads_back = |text: String, pointer: &str| {
        let parsed = crate::core::yaml::parse(&text);
        parsed.problems.is_empty()
            && parsed.tree.document_json().ok().and_then(|it| it.pointer(pointer).cloned())
                == Some(serde_json::Value::String(name.into()))
    };
    reads_back(format!("k: {name}\n"), "/k") && reads_back(format!("k: [{{n: {name}}}]\n"), "/k/0/n")
}

/// Characters a double-quoted scalar must escape besides `"` and `\`.
pub fn needs_escape(c: char) -> bool {
    c.is_control() || matches!(c, '\u{2028}' | '\u{2029}' | '\u{feff}')
}

/// The inside of a double-quoted YAML scalar reading `value`.
pub fn escape_double(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if needs_escape(c) => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

/// `value` written where the cursor is: inside the `quote` already typed, or, with none, plain
/// when it can be and double-quoted otherwise. `None` when single quotes cannot hold it.
pub fn in_quote(value: &str, quote: Option<char>) -> Option<String> {
    match quote {
        Some('"') => Some(escape_double(value)),
        Some(_) if value.chars().any(needs_escape) => None,
        Some(_) => Some(value.replace('\'', "''")),
        None if is_plain_string(value) => Some(value.to_string()),
        None => Some(format!("\"{}\"", escape_double(value))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_read_back_in_every_quote() {
        assert_eq!(in_quote("public-api", None).as_deref(), Some("public-api"));
        assert_eq!(in_quote("a: b", None).as_deref(), Some("\"a: b\""));
        assert_eq!(in_quote("a,b", None).as_deref(), Some("\"a,b\""), "a comma would end a flow item");
        assert_eq!(in_quote("123", None).as_deref(), Some("\"123\""));
        assert_eq!(in_quote("True", None).as_deref(), Some("\"True\""));
        assert_eq!(in_quote("interfaces/api.v1.yaml", None).as_deref(), Some("interfaces/api.v1.yaml"));
        assert_eq!(in_quote("it's", Some('\'')).as_deref(), Some("it''s"));
        assert_eq!(in_quote("a\"b\\\n", Some('"')).as_deref(), Some("a\\\"b\\\\\\n"));
        assert_eq!(in_quote("a\u{85}", Some('\'')), None);
        assert_eq!(escape_double("\u{0}\u{2028}"), "\\u0000\\u2028");
    }
}
