//! Privacy policy: the first byte picks how the document is presented (as each file
//! extension the reader knows, or by content), the rest goes through the reader's own
//! steps: decode, layout detection, the layout's parser (JSON, CSV, HTML, Markdown, text,
//! plist). The vocabulary (knowledge) is built once.
#![no_main]
use apkaudit::policy::{self, Kind, Vocabulary};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

static VOCAB: OnceLock<Vocabulary> = OnceLock::new();

const EXTS: &[&str] = &["", "json", "csv", "html", "md", "txt", "xcprivacy", "mdx"];
const KINDS: &[Kind] = &[
    Kind::Json,
    Kind::Csv,
    Kind::Html,
    Kind::Markdown,
    Kind::Text,
    Kind::Plist,
];

fuzz_target!(|data: &[u8]| {
    let vocab = VOCAB.get_or_init(Vocabulary::embedded);
    let Some((&sel, body)) = data.split_first() else {
        return;
    };
    let mut warnings = Vec::new();
    let Ok(text) = policy::decode(body, &mut warnings) else {
        return;
    };
    // high bit clear: an extension, layout detected as the reader does; set: a forced layout
    let kind = if sel & 0x80 == 0 {
        policy::detect_kind(EXTS[sel as usize % EXTS.len()], &text)
    } else {
        KINDS[(sel & 0x7f) as usize % KINDS.len()]
    };
    let pol = if kind == Kind::Json {
        match policy::structured::parse_json(&text, vocab) {
            Ok(p) => p,
            Err(_) => return,
        }
    } else {
        policy::parse_policy(&text, kind, vocab)
    };
    let _ = pol.unread_sections();
});
