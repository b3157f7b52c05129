//! How user input is quoted back in a refusal: cut to a line, so a
//! megabyte-long value gives a one-line message, not a megabyte of text.
//! A leaf module (it uses nothing of the crate), so the JSON error paths
//! ([`super::json_path`]) and the overrides ([`super::overrides`]) can both
//! use it without importing each other.

/// Longest piece of user input quoted back in a message, in characters.
const QUOTE: usize = 80;

/// `s` cut to at most [`QUOTE`] characters (on a char boundary), so a
/// megabyte-long value gives a one-line message, not a megabyte of text.
pub(crate) fn clip(s: &str) -> String {
    match s.char_indices().nth(QUOTE) {
        Some((i, _)) => format!("{}… ({} bytes)", &s[..i], s.len()),
        None => s.to_string(),
    }
}

/// serde's message, its middle (a long quoted value) cut out: the head names
/// the problem, the tail says what was expected.
pub(crate) fn clip_message(m: String) -> String {
    let n = m.chars().count();
    if n <= 3 * QUOTE {
        return m;
    }
    let head: String = m.chars().take(QUOTE).collect();
    let tail: String = m.chars().skip(n - QUOTE).collect();
    format!("{head}…{tail}")
}
