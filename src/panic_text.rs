//! What the page may show of a Rust panic: the message and a location
//! without the build machine's paths. A panic in a dependency carries
//! `/root/.cargo/registry/src/index.crates.io-…/ndarray-0.16.1/src/…` (or a
//! toolchain path); visitors get the last three components
//! (`ndarray-0.16.1/src/impl_constructors.rs:123:5`), the console keeps the full text.

/// `text` with every absolute path (Unix `/…`, `~/…`, Windows `C:\…`) cut to its
/// last three components; relative paths (`src/web/mod.rs:84:5`) and the rest unchanged.
pub fn without_machine_paths(text: &str) -> String {
    text.split(' ').map(shorten).collect::<Vec<_>>().join(" ")
}

fn shorten(token: &str) -> String {
    // Leading punctuation around a path, as in "(at /root/…:1:2)".
    let start = token
        .find(|c: char| !matches!(c, '(' | '[' | '"' | '\'' | '`'))
        .unwrap_or(token.len());
    let (lead, rest) = token.split_at(start);
    let b = rest.as_bytes();
    let absolute = rest.starts_with('/')
        || rest.starts_with("~/")
        || (b.len() > 2 && b[0].is_ascii_alphabetic() && b[1] == b':' && (b[2] == b'\\' || b[2] == b'/'));
    if !absolute {
        return token.to_string();
    }
    let parts: Vec<&str> = rest.split(['/', '\\']).filter(|p| !p.is_empty()).collect();
    let keep = &parts[parts.len().saturating_sub(3)..];
    format!("{lead}{}", keep.join("/"))
}

#[cfg(test)]
mod tests {
    use super::without_machine_paths as clean;

    #[test]
    fn absolute_paths_lose_the_machine_part_relative_ones_stay() {
        assert_eq!(
            clean("ndarray: Shape too large, product of non-zero axis lengths overflows isize in shape [100000, 100000] (at /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/ndarray-0.16.1/src/impl_constructors.rs:337:5)"),
            "ndarray: Shape too large, product of non-zero axis lengths overflows isize in shape [100000, 100000] (at ndarray-0.16.1/src/impl_constructors.rs:337:5)"
        );
        assert_eq!(clean("boom (at src/web/mod.rs:84:5)"), "boom (at src/web/mod.rs:84:5)");
        assert_eq!(
            clean("x (at /rustc/abc123/library/alloc/src/raw_vec.rs:10:1)"),
            "x (at alloc/src/raw_vec.rs:10:1)"
        );
        assert_eq!(
            clean(r"y C:\Users\me\.cargo\registry\src\faer-0.22\src\lib.rs:1:1"),
            "y faer-0.22/src/lib.rs:1:1"
        );
        assert_eq!(clean("~/work/x/y/z.rs"), "x/y/z.rs");
        assert_eq!(clean("ratio 1/2 and a/b"), "ratio 1/2 and a/b");
        assert!(!clean("at /home/builder/project/src/a.rs:1:1 and /work/wt-17/src/b.rs:2:2").contains("/home"));
    }
}
