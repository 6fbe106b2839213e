//! Name normalisation for resolving SDK, permission and data-type names.

use unicode_normalization::UnicodeNormalization;

/// Clip `s` to at most `max` characters (adds `…` when cut).
pub fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max).collect();
    out.push('…');
    out
}

/// NFKC + lowercase + collapse whitespace.
pub fn fold(s: &str) -> String {
    let n: String = s.nfkc().collect::<String>().to_lowercase();
    n.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Pull `(com.xxx)`-style package names out of a name cell: (rest, packages).
pub fn split_packages(s: &str) -> (String, Vec<String>) {
    let n: String = s.nfkc().collect();
    let mut rest = String::new();
    let mut pkgs = Vec::new();
    let mut cur = String::new();
    let mut depth = 0usize;
    for c in n.chars() {
        match c {
            '(' => {
                if depth == 0 {
                    cur.clear();
                } else {
                    cur.push(c);
                }
                depth += 1;
            }
            ')' if depth > 0 => {
                depth -= 1;
                if depth == 0 {
                    let inner = cur.trim();
                    if is_package(inner) {
                        pkgs.push(inner.to_string());
                    } else {
                        rest.push('(');
                        rest.push_str(inner);
                        rest.push(')');
                    }
                } else {
                    cur.push(c);
                }
            }
            _ if depth > 0 => cur.push(c),
            _ => rest.push(c),
        }
    }
    for w in rest
        .clone()
        .split(|c: char| c.is_whitespace() || c == ',' || c == '、' || c == '；')
    {
        if is_package(w) {
            pkgs.push(w.to_string());
        }
    }
    (rest.trim().to_string(), pkgs)
}

/// Whether `s` looks like a Java package (`com.foo.bar`).
pub fn is_package(s: &str) -> bool {
    let parts: Vec<&str> = s.split('.').collect();
    parts.len() >= 2
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                && p.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        })
        && parts
            .first()
            .is_some_and(|p| p.chars().all(|c| c.is_ascii_lowercase()))
}

/// Normalise an SDK name: fold, drop trailing "sdk"/"开放平台"/"服务"/"(包名)" parts.
pub fn sdk_key(s: &str) -> String {
    let mut k = fold(s);
    loop {
        let before = k.len();
        for suf in [
            "sdk",
            "开放平台",
            "服务",
            "(包名)",
            "（包名）",
            "平台",
            ":",
            "：",
        ] {
            if let Some(x) = k.strip_suffix(suf) {
                k = x.trim_end().to_string();
            }
        }
        if k.len() == before {
            break;
        }
    }
    k
}

/// `needle` occurs in `hay`, and where the needle starts/ends with an ASCII letter or digit
/// the neighbouring character is not one ("cos" is not in "cocos").
pub fn contains_word(hay: &str, needle: &str) -> bool {
    let w = |c: char| c.is_ascii_alphanumeric();
    let first = needle.chars().next().is_some_and(w);
    let last = needle.chars().next_back().is_some_and(w);
    let mut from = 0usize;
    while let Some(p) = hay.get(from..).and_then(|s| s.find(needle)) {
        let at = from + p;
        let end = at + needle.len();
        let before = hay.get(..at).and_then(|s| s.chars().next_back());
        let after = hay.get(end..).and_then(|s| s.chars().next());
        let bad_start = first && before.is_some_and(w);
        let bad_end = last && after.is_some_and(w);
        if !bad_start && !bad_end {
            return true;
        }
        from = at + needle.chars().next().map(|c| c.len_utf8()).unwrap_or(1);
    }
    false
}

/// Normalise a header cell or key: NFKC, lowercase, no whitespace, no `*`, backquote or `_`.
pub fn squash_header(s: &str) -> String {
    fold(s)
        .chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '*' | '`' | '_'))
        .collect()
}
