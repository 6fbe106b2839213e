//! Name normalisation for resolving SDK, permission and data-type names.

use unicode_normalization::UnicodeNormalization;

/// Clip `s` to at most `max` characters (adds `…` when cut).
pub fn clip(s: &str, max: usize) -> String {
    // O(max), not O(len): a 1 MB line clipped to 300 characters reads 300 of them
    match s.char_indices().nth(max) {
        None => s.to_string(),
        Some((at, _)) => {
            let mut out = s.get(..at).unwrap_or("").to_string();
            out.push('…');
            out
        }
    }
}

/// NFKC + lowercase + collapse whitespace.
///
/// One pass, no intermediate strings: ASCII text skips normalisation, text that is
/// already NFKC (the quick check says so for almost all real text) skips recomposition.
/// The result equals `nfkc → to_lowercase → split_whitespace → join(" ")`.
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut gap = false;
    // `str::to_lowercase` maps a capital sigma by its context (final ς), per-char lowering
    // does not: text that has one (before or after NFKC) takes the reference path.
    let mut sigma = false;
    let mut push = |out: &mut String, c: char| {
        if c.is_whitespace() {
            gap = true;
            return;
        }
        if gap && !out.is_empty() {
            out.push(' ');
        }
        gap = false;
        if c.is_ascii() {
            out.push(c.to_ascii_lowercase());
        } else {
            sigma |= c == 'Σ';
            out.extend(c.to_lowercase());
        }
    };
    if s.is_ascii() {
        s.chars().for_each(|c| push(&mut out, c));
    } else if unicode_normalization::is_nfkc_quick(s.chars())
        == unicode_normalization::IsNormalized::Yes
    {
        s.chars().for_each(|c| push(&mut out, c));
    } else {
        s.nfkc().for_each(|c| push(&mut out, c));
    }
    if sigma {
        let n: String = s.nfkc().collect::<String>().to_lowercase();
        return n.split_whitespace().collect::<Vec<_>>().join(" ");
    }
    out
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

/// Whether `c` is a CJK ideograph, radical or full-width form (for space dropping).
pub fn is_cjk(c: char) -> bool {
    matches!(c as u32, 0x2E80..=0x9FFF | 0xF900..=0xFAFF | 0xFF00..=0xFFEF)
}

/// Enumerator characters that carry a number (① ⑴ ⒈ ❶ ㉑ …): dropped by [`match_norm`].
fn is_enumerator_char(c: char) -> bool {
    matches!(c as u32, 0x2460..=0x24FF | 0x2776..=0x2793 | 0x3251..=0x325F | 0x3280..=0x3289 | 0x32B1..=0x32BF)
}

/// Normalise text once for name matching, keeping one `\n` per line so positions map back
/// to lines: NFKC (full-width forms, Kangxi radicals, compatibility ideographs), lowercase,
/// zero-width characters and soft hyphens dropped, circled and parenthesised numbers
/// dropped, Markdown emphasis and escapes (`*`, `` ` ``, `\`) dropped, a run of two or more
/// spaces or a tab becomes one `\t` (a cell break), and a single space is kept only between
/// two ASCII letters or digits ("QQ 分享 SDK" → "qq分享sdk", "Google AdMob" stays two words).
/// Linear in the input.
pub fn match_norm(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    // pending whitespace: 0 none, 1 one space, 2 a run or a tab
    let mut pending = 0u8;
    let push = |out: &mut String, pending: &mut u8, c: char| {
        if c == '\n' {
            *pending = 0;
            out.push('\n');
            return;
        }
        if c.is_whitespace() {
            *pending = if c == '\t' || *pending > 0 { 2 } else { 1 };
            return;
        }
        if *pending == 2 {
            if !out.is_empty() && !out.ends_with(['\n', '\t', '|', '<', '>', '。', '；', ';']) {
                out.push('\t');
            }
        } else if *pending == 1 {
            let prev = out.chars().next_back();
            let keep = prev.is_some_and(|p| p.is_ascii_alphanumeric() || p == '.' || p == ',')
                && (c.is_ascii_alphanumeric() || c == '(' || c == '&' || c == '-')
                || prev.is_some_and(|p| p.is_ascii_alphanumeric()) && !is_cjk(c) && !c.is_ascii();
            if keep {
                out.push(' ');
            }
        }
        *pending = 0;
        for l in c.to_lowercase() {
            out.push(l);
        }
    };
    for c in s.chars() {
        match c {
            '\r'
            | '\u{200B}'..='\u{200D}'
            | '\u{2060}'
            | '\u{FEFF}'
            | '\u{00AD}'
            | '*'
            | '`'
            | '\\' => {}
            '\n' => push(&mut out, &mut pending, '\n'),
            c if is_enumerator_char(c) => push(&mut out, &mut pending, ' '),
            c if c.is_ascii() => push(&mut out, &mut pending, c),
            c => {
                for n in std::iter::once(c).nfkc() {
                    push(&mut out, &mut pending, n);
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fold_reference(s: &str) -> String {
        let n: String = s.nfkc().collect::<String>().to_lowercase();
        n.split_whitespace().collect::<Vec<_>>().join(" ")
    }

    #[test]
    fn fold_equals_nfkc_lowercase_and_collapsed_whitespace() {
        let fixed = [
            "",
            "  Device  ID\t\n",
            "ＡＢＣ　设备标识符",
            "Ⅻ ㈱ ﬁle ¨ x",
            "ΟΔΟΣ ΟΔΟΣ.",
            "⅀ summation",
            "İstanbul KELVIN \u{212A}",
            "e\u{301} café \u{200B}zero width",
            "\u{3000}全角\u{00A0}空格\u{2003}",
            "①微信开放平台SDK ⑵ 一、",
        ];
        for s in fixed {
            assert_eq!(fold(s), fold_reference(s), "{s:?}");
        }
        // pseudo-random strings over a mix of ASCII, CJK, compatibility forms,
        // combining marks, whitespace and Greek capitals
        let pool: Vec<char> = "aZ 9\t\nΣσΟ设备ＩＤ①㈱ﬁ¨\u{301}\u{3000}\u{A0}İ\u{212A}⅀ẞǅ"
            .chars()
            .collect();
        let mut x = 0x2545_f491_4f6c_dd1du64;
        for _ in 0..20_000 {
            let mut s = String::new();
            for _ in 0..(x % 12) {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                s.push(pool[(x % pool.len() as u64) as usize]);
            }
            x = x.wrapping_mul(0x9e37_79b9_7f4a_7c15).wrapping_add(1);
            assert_eq!(fold(&s), fold_reference(&s), "{s:?}");
        }
    }
}
