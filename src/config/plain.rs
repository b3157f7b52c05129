//! Plain words for a config field that did not parse: what a visitor typed
//! into the form was the wrong kind of value. The page shows this sentence
//! first and serde's exact rule underneath (`net.widths[0]: invalid type:
//! string "abc", expected usize`), so nobody is left with parser jargon alone.

/// What `path` (a dotted field as `json_path` names it, e.g. `net.widths[0]`,
/// `train.lr`) accepts, in words, with an example; `serde_msg` is serde's
/// message (its "expected …" part picks the wording for fields not listed).
/// None when there is nothing plainer to say (e.g. a JSON syntax error).
pub fn plain_words(path: &str, serde_msg: &str) -> Option<String> {
    let field = path.split('[').next().unwrap_or(path);
    let listed = match field {
        "net.widths" => Some("hidden widths are whole numbers separated by commas, e.g. 64, 64"),
        "net.layer_scales" => Some("layer scales are positive numbers separated by commas, one per layer, e.g. 1, 10"),
        "net.frozen" => Some("frozen layers are layer numbers separated by commas, counting from 1, e.g. 1, 3"),
        "data.digit_pairs" => Some("digit pairs are two digits joined by a dash, separated by commas, e.g. 0-1, 7-9"),
        _ => None,
    };
    if let Some(s) = listed {
        return Some(s.to_string());
    }
    if field.is_empty() || !serde_msg.contains("invalid type") {
        return None;
    }
    let kind = if serde_msg.contains("expected f64") || serde_msg.contains("expected f32") {
        "a number, e.g. 0.01 or 1e-3"
    } else if ["expected u", "expected i"].iter().any(|k| serde_msg.contains(k)) {
        "a whole number, e.g. 100"
    } else if serde_msg.contains("expected a boolean") {
        "on or off (true or false)"
    } else {
        return None;
    };
    Some(format!("{field} takes {kind}"))
}

/// `exact` (serde's message about `path`) with [`plain_words`] on a line
/// above it when there are any: "words\nexact rule: exact".
pub fn explained(path: &str, exact: String) -> String {
    match plain_words(path, &exact) {
        Some(words) => format!("{words}\nexact rule: {exact}"),
        None => exact,
    }
}
