//! Bad input in the form gets plain words first and serde's exact rule
//! underneath (src/config/plain.rs), never the parser's jargon alone.

use lowrank_lab::config::Config;

fn message(json: &str) -> String {
    Config::from_json(json).unwrap_err().to_string()
}

/// The message's lines: (plain words, exact rule).
fn two_lines(m: &str) -> (String, String) {
    let lines: Vec<&str> = m.lines().collect();
    assert_eq!(lines.len(), 2, "expected plain words and the exact rule: {m}");
    (lines[0].to_string(), lines[1].to_string())
}

#[test]
fn hidden_widths_that_are_not_numbers_are_explained() {
    let m = message(r#"{"net": {"widths": ["abc"]}}"#);
    let (plain, exact) = two_lines(&m);
    assert!(
        plain.contains("hidden widths are whole numbers separated by commas, e.g. 64, 64"),
        "{m}"
    );
    assert!(!plain.contains("invalid type"), "{m}");
    assert!(
        exact.starts_with("exact rule: net.widths[0]: invalid type: string \"abc\", expected usize"),
        "{m}"
    );
}

#[test]
fn a_word_where_a_number_belongs_names_the_field_and_the_kind() {
    let (plain, exact) = two_lines(&message(r#"{"train": {"lr": "fast"}}"#));
    assert!(plain.ends_with("train.lr takes a number, e.g. 0.01 or 1e-3"), "{plain}");
    assert!(
        exact.starts_with("exact rule: train.lr: invalid type: string \"fast\", expected f64"),
        "{exact}"
    );
    let (plain, _) = two_lines(&message(r#"{"train": {"steps": "many"}}"#));
    assert!(plain.ends_with("train.steps takes a whole number, e.g. 100"), "{plain}");
    let (plain, _) = two_lines(&message(r#"{"data": {"digit_pairs": ["0 to 1"]}}"#));
    assert!(plain.contains("digit pairs are two digits joined by a dash"), "{plain}");
}

/// The form sets one key at a time (`overrides::apply`, as `set_config_key` does).
#[test]
fn a_form_field_set_to_words_is_explained_too() {
    let base = Config::default();
    let e = lowrank_lab::config::overrides::apply(&base, "net.widths", serde_json::json!(["abc"]))
        .unwrap_err()
        .to_string();
    let (plain, exact) = two_lines(&e);
    assert!(
        plain.ends_with("hidden widths are whole numbers separated by commas, e.g. 64, 64"),
        "{e}"
    );
    assert!(
        exact.starts_with("exact rule: net.widths: invalid type: string \"abc\", expected usize"),
        "{e}"
    );
}

#[test]
fn syntax_errors_and_unknown_keys_keep_the_single_exact_message() {
    for json in [r#"{"net": "#, r#"{"nett": {}}"#] {
        let m = message(json);
        assert_eq!(m.lines().count(), 1, "{m}");
        assert!(!m.contains("exact rule"), "{m}");
    }
}
