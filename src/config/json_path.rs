//! Where in a JSON text a parse error happened, as a dotted path, so that
//! refusals of configs and exported states name the field as the validation
//! messages do (`train.lr`, `state.tasks[0].params.w[1].data[7]`): serde_json
//! reports only a line and a column.

/// The JSON path (`state.tasks[0].params.w[1].data[7]` with `root` "state",
/// `train.lr` with `root` "") of the value being read at `line`:`column`
/// (1-based, as serde_json reports them) of `text`: a scan of the text before
/// that point that tracks object keys and array indices. Empty when the error
/// is at the top level and `root` is empty.
pub fn at(text: &str, line: usize, column: usize, root: &str) -> String {
    enum Frame {
        Obj { key: Option<String>, expect_key: bool },
        Arr(usize),
    }
    let line_start = if line <= 1 {
        0
    } else {
        text.match_indices('\n').nth(line - 2).map_or(text.len(), |(i, _)| i + 1)
    };
    let end = line_start.saturating_add(column).min(text.len());
    let b = text.as_bytes();
    let mut stack: Vec<Frame> = Vec::new();
    let mut i = 0;
    while i < end {
        match b[i] {
            b'{' => stack.push(Frame::Obj {
                key: None,
                expect_key: true,
            }),
            b'[' => stack.push(Frame::Arr(0)),
            b'}' | b']' => {
                stack.pop();
            }
            b',' => match stack.last_mut() {
                Some(Frame::Arr(n)) => *n += 1,
                Some(Frame::Obj { key, expect_key }) => {
                    *key = None;
                    *expect_key = true;
                }
                None => {}
            },
            b'"' => {
                let start = i + 1;
                i += 1;
                while i < end && b[i] != b'"' {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
                if let Some(Frame::Obj { key, expect_key }) = stack.last_mut() {
                    if *expect_key {
                        *key = Some(String::from_utf8_lossy(&b[start..i.min(end)]).into_owned());
                        *expect_key = false;
                    }
                }
            }
            _ => {}
        }
        i += 1;
    }
    let mut path = String::from(root);
    for f in &stack {
        match f {
            Frame::Obj { key: Some(k), .. } => {
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(&super::quote::clip(k));
            }
            Frame::Obj { key: None, .. } => {}
            Frame::Arr(n) => path.push_str(&format!("[{n}]")),
        }
        if path.len() > 200 {
            path.push('…');
            break;
        }
    }
    path
}

/// The path of `e`'s position in `text` ([`at`]), empty when serde_json gave none.
pub fn of_error(text: &str, e: &serde_json::Error, root: &str) -> String {
    if e.line() > 0 {
        at(text, e.line(), e.column(), root)
    } else {
        String::new()
    }
}

#[cfg(test)]
mod tests {
    use super::at;

    #[test]
    fn paths_of_keys_and_indices_before_the_error() {
        let text = "{\"train\": {\"lr\": \"fast\"}}";
        let col = text.find("\"fast\"").unwrap() + 6;
        assert_eq!(at(text, 1, col, ""), "train.lr");
        assert_eq!(at(text, 1, col, "config"), "config.train.lr");
        let text = "{\"a\": [1, 2,\n {\"b\": [0, x]}]}";
        assert_eq!(
            at(text, 2, text.lines().nth(1).unwrap().find('x').unwrap() + 1, "state"),
            "state.a[2].b[1]"
        );
        assert_eq!(at("", 1, 0, ""), "");
    }
}
