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
