//! HTML policies (and HTML tables inside Markdown/MDX), read by one streaming pass over the
//! bytes (a small tokenizer, no DOM): text outside tables becomes one line per block element,
//! tables become rows. Chosen over a DOM parser (`scraper`/html5ever) because policy reading
//! must stay linear in the document: a DOM walk that asks every element for its ancestors
//! is quadratic in nesting depth, and html5ever's tree builder nests unclosed tables. The
//! reader keeps no element stack beyond the open tables, so its cost is one pass over the
//! input whatever the nesting; explicit bounds ([`MAX_TABLE_DEPTH`], [`MAX_ROWS`],
//! [`MAX_COLUMNS`], [`MAX_CELL_BYTES`]) turn into warnings.

use super::text::{best_field, table_rows, MAX_COLUMNS};
use super::vocab::{column_terms, Vocabulary};
use super::DeclaredPolicy;

/// Open tables kept at once (tables inside table cells); deeper ones are read as text of
/// the cell that holds them, with a warning.
pub const MAX_TABLE_DEPTH: usize = 16;
/// Rows read per table; the rest are skipped with a warning.
pub const MAX_ROWS: usize = 100_000;
/// Bytes of text kept per cell (and per text line outside tables).
pub const MAX_CELL_BYTES: usize = 64 * 1024;
/// Open-element count above which a warning says the nesting is unusually deep (the reader
/// itself does not depend on it).
pub const DEEP_NESTING: usize = 10_000;

/// A cell as read: text, rowspan, colspan.
type RawCell = (String, usize, usize);

/// One table as read: rows of (text, rowspan, colspan) cells with the line of their `<tr>`.
#[derive(Debug, Default)]
struct RawTable {
    rows: Vec<(usize, Vec<RawCell>)>,
    /// A cell is open (its text is being read).
    cell: Option<(String, usize, usize)>,
    /// A row is open.
    row_open: bool,
    /// Rows over [`MAX_ROWS`] skipped.
    dropped: usize,
    /// Link targets of anchors in the open cell.
    hrefs: Vec<String>,
}

impl RawTable {
    fn close_cell(&mut self) {
        if let Some(mut c) = self.cell.take() {
            for h in std::mem::take(&mut self.hrefs) {
                // a cell whose text is only anchor text still has its URL
                if !c.0.contains(&h) && c.0.len() < MAX_CELL_BYTES {
                    c.0.push(' ');
                    c.0.push_str(&h);
                }
            }
            if !self.row_open {
                self.row_open = true;
                self.rows.push((0, Vec::new()));
            }
            if let Some(r) = self.rows.last_mut() {
                if r.1.len() < MAX_COLUMNS * 4 {
                    let t = c.0.split_whitespace().collect::<Vec<_>>().join(" ");
                    r.1.push((t, c.1, c.2));
                }
            }
        }
    }
    fn open_row(&mut self, line: usize) {
        self.close_cell();
        if self.rows.len() >= MAX_ROWS {
            self.dropped += 1;
            self.row_open = false;
            return;
        }
        self.rows.push((line, Vec::new()));
        self.row_open = true;
    }
}

/// What one pass over an HTML document yields.
#[derive(Debug, Default)]
struct Scan {
    tables: Vec<RawTable>,
    /// Text outside tables: (line of its first character, text), one per block element.
    lines: Vec<(usize, String)>,
    /// Entries of `lines` that are headings (`<h1>`..`<h6>`): (index, level).
    headings: Vec<(usize, usize)>,
    warnings: Vec<String>,
}

/// Elements that end a line of text outside tables.
fn is_block(name: &str) -> bool {
    matches!(
        name,
        "p" | "div"
            | "li"
            | "ul"
            | "ol"
            | "h1"
            | "h2"
            | "h3"
            | "h4"
            | "h5"
            | "h6"
            | "br"
            | "section"
            | "article"
            | "header"
            | "footer"
            | "blockquote"
            | "pre"
            | "dt"
            | "dd"
            | "dl"
            | "table"
            | "tr"
            | "hr"
            | "body"
            | "main"
            | "nav"
            | "aside"
            | "title"
            | "figure"
            | "figcaption"
            | "address"
            | "form"
            | "center"
    )
}

/// Decode the character references policies use (named basics, decimal, hex).
fn decode_entities(s: &str, out: &mut String) {
    let mut rest = s;
    while let Some(p) = rest.find('&') {
        out.push_str(rest.get(..p).unwrap_or(""));
        let tail = rest.get(p..).unwrap_or("");
        let end = tail
            .char_indices()
            .take(12)
            .find(|(_, c)| *c == ';')
            .map(|(i, _)| i);
        let Some(e) = end else {
            out.push('&');
            rest = tail.get(1..).unwrap_or("");
            continue;
        };
        let name = tail.get(1..e).unwrap_or("");
        let ch = match name {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            "nbsp" | "ensp" | "emsp" | "thinsp" => Some(' '),
            "middot" => Some('·'),
            "ldquo" => Some('“'),
            "rdquo" => Some('”'),
            "mdash" => Some('—'),
            "ndash" => Some('–'),
            _ => {
                let n = name.strip_prefix('#');
                n.and_then(|n| match n.strip_prefix(['x', 'X']) {
                    Some(h) => u32::from_str_radix(h, 16).ok(),
                    None => n.parse::<u32>().ok(),
                })
                .and_then(char::from_u32)
            }
        };
        match ch {
            Some(c) => {
                out.push(c);
                rest = tail.get(e + 1..).unwrap_or("");
            }
            None => {
                out.push('&');
                rest = tail.get(1..).unwrap_or("");
            }
        }
    }
    out.push_str(rest);
}

/// An attribute's value in a start tag's text (`rowspan="2"`, `href=https://…`).
fn attr<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let lower = tag.to_ascii_lowercase();
    let mut from = 0usize;
    while let Some(p) = lower.get(from..).and_then(|x| x.find(name)) {
        let at = from + p;
        from = at + name.len();
        let before = lower.get(..at).and_then(|x| x.chars().next_back());
        if !before.is_some_and(|c| c.is_whitespace()) {
            continue;
        }
        let rest = tag.get(at + name.len()..)?.trim_start();
        let Some(v) = rest.strip_prefix('=') else {
            continue;
        };
        let v = v.trim_start();
        return Some(match v.chars().next() {
            Some(q @ ('"' | '\'')) => {
                let inner = v.get(1..)?;
                inner.get(..inner.find(q).unwrap_or(inner.len()))?
            }
            _ => v.get(
                ..v.find(|c: char| c.is_whitespace() || c == '>')
                    .unwrap_or(v.len()),
            )?,
        });
    }
    None
}

/// One pass over `src`: tags, text, tables. Linear in the input.
fn scan(src: &str) -> Scan {
    let mut out = Scan::default();
    let bytes = src.as_bytes();
    let mut i = 0usize;
    let mut line = 1usize;
    // text of the current block outside tables, and the line it started on
    let mut text = String::new();
    let mut text_line = 0usize;
    let mut stack: Vec<RawTable> = Vec::new();
    let mut depth = 0usize;
    let mut warned_deep = false;
    let mut warned_tables = false;
    let mut ignored_tables = 0usize;
    // an open <hN>: (index its text will have in `out.lines`, level)
    let mut heading: Option<(usize, usize)> = None;
    let flush = |text: &mut String, text_line: &mut usize, lines: &mut Vec<(usize, String)>| {
        let t = text.split_whitespace().collect::<Vec<_>>().join(" ");
        if !t.is_empty() {
            lines.push((*text_line, t));
        }
        text.clear();
        *text_line = 0;
    };
    let finish = |t: RawTable, out: &mut Scan| {
        let mut t = t;
        t.close_cell();
        if t.dropped > 0 {
            out.warnings.push(format!(
                "html table at line {}: more than {MAX_ROWS} rows; {} rows skipped",
                t.rows.first().map(|r| r.0).unwrap_or(0),
                t.dropped
            ));
        }
        out.tables.push(t);
    };
    while i < bytes.len() {
        let b = bytes.get(i).copied().unwrap_or(0);
        if b == b'<' {
            let rest = src.get(i..).unwrap_or("");
            // comments and declarations
            if rest.starts_with("<!--") {
                let end = rest.find("-->").map(|p| p + 3).unwrap_or(rest.len());
                line += rest.get(..end).unwrap_or("").matches('\n').count();
                i += end;
                continue;
            }
            let name_start = if rest.starts_with("</") { 2 } else { 1 };
            let first = bytes.get(i + name_start).copied().unwrap_or(0);
            if !(first.is_ascii_alphabetic() || rest.starts_with("<!") || rest.starts_with("<?")) {
                // a lone '<' is text
                push_text(&mut text, &mut text_line, &mut stack, line, "<");
                i += 1;
                continue;
            }
            let end = match rest.find('>') {
                Some(p) => p + 1,
                None => rest.len(),
            };
            let tag = rest.get(..end).unwrap_or("");
            line += tag.matches('\n').count();
            i += end;
            if rest.starts_with("<!") || rest.starts_with("<?") {
                continue;
            }
            let closing = name_start == 2;
            let name: String = tag
                .get(name_start..)
                .unwrap_or("")
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric())
                .take(16)
                .collect::<String>()
                .to_ascii_lowercase();
            // raw text elements: skip to their end tag
            if !closing && matches!(name.as_str(), "script" | "style" | "template") {
                let close = format!("</{name}");
                let tail = src.get(i..).unwrap_or("");
                let lower_end = find_ci(tail, &close).unwrap_or(tail.len());
                line += tail.get(..lower_end).unwrap_or("").matches('\n').count();
                i += lower_end;
                continue;
            }
            let self_closing = tag.ends_with("/>");
            let void = matches!(
                name.as_str(),
                "br" | "img" | "hr" | "meta" | "link" | "input" | "col" | "area" | "base" | "wbr"
            );
            if closing {
                depth = depth.saturating_sub(1);
            } else if !void && !self_closing {
                depth += 1;
                if depth > DEEP_NESTING && !warned_deep {
                    warned_deep = true;
                    out.warnings.push(format!(
                        "line {line}: elements nested more than {DEEP_NESTING} deep; read as flat text"
                    ));
                }
            }
            let in_cell = stack.last().is_some_and(|t| t.cell.is_some());
            match (name.as_str(), closing) {
                ("table", false) => {
                    if stack.is_empty() {
                        flush(&mut text, &mut text_line, &mut out.lines);
                    }
                    if !stack.is_empty() && !in_cell {
                        // a table opened while the previous one is not inside a cell: the
                        // previous one was left unclosed (Markdown), close it
                        if let Some(t) = stack.pop() {
                            finish(t, &mut out);
                        }
                    }
                    if stack.len() >= MAX_TABLE_DEPTH {
                        ignored_tables += 1;
                        if !warned_tables {
                            warned_tables = true;
                            out.warnings.push(format!(
                                "line {line}: tables nested more than {MAX_TABLE_DEPTH} deep; inner ones read as cell text"
                            ));
                        }
                    } else {
                        stack.push(RawTable::default());
                    }
                }
                ("table", true) => {
                    if ignored_tables > 0 {
                        ignored_tables -= 1;
                    } else if let Some(t) = stack.pop() {
                        finish(t, &mut out);
                    }
                }
                ("tr", false) if ignored_tables == 0 => {
                    if let Some(t) = stack.last_mut() {
                        t.open_row(line);
                    }
                }
                ("tr", true) if ignored_tables == 0 => {
                    if let Some(t) = stack.last_mut() {
                        t.close_cell();
                        t.row_open = false;
                    }
                }
                ("td" | "th", false) if ignored_tables == 0 => {
                    if let Some(t) = stack.last_mut() {
                        t.close_cell();
                        if !t.row_open {
                            t.open_row(line);
                        }
                        let span = |n: &str, max: usize| {
                            attr(tag, n)
                                .and_then(|v| v.trim().parse::<usize>().ok())
                                .map_or(1, |v| v.clamp(1, max))
                        };
                        if t.row_open {
                            t.cell = Some((
                                String::new(),
                                span("rowspan", MAX_ROWSPAN),
                                span("colspan", MAX_COLUMNS),
                            ));
                        }
                    }
                }
                ("td" | "th", true) if ignored_tables == 0 => {
                    if let Some(t) = stack.last_mut() {
                        t.close_cell();
                    }
                }
                ("a", false) => {
                    // keep link targets of anchors inside cells
                    if let (Some(h), Some(t)) = (attr(tag, "href"), stack.last_mut()) {
                        if t.cell.is_some() && h.starts_with("http") && t.hrefs.len() < 16 {
                            t.hrefs.push(h.to_string());
                        }
                    }
                }
                (n, closing) if is_block(n) => {
                    if stack.is_empty() {
                        flush(&mut text, &mut text_line, &mut out.lines);
                        let level = match n.as_bytes() {
                            [b'h', d @ b'1'..=b'6'] => usize::from(d - b'0'),
                            _ => 0,
                        };
                        if level > 0 && !closing {
                            heading = Some((out.lines.len(), level));
                        } else if let Some((at, level)) = heading.take() {
                            if out.lines.len() == at + 1 {
                                out.headings.push((at, level));
                            }
                        }
                    } else {
                        push_text(&mut text, &mut text_line, &mut stack, line, " ");
                    }
                }
                _ => {}
            }
            continue;
        }
        // text up to the next '<'
        let rest = src.get(i..).unwrap_or("");
        let end = rest.find('<').unwrap_or(rest.len());
        let raw = rest.get(..end).unwrap_or("");
        let mut decoded = String::new();
        decode_entities(raw, &mut decoded);
        // the line of the first non-blank character
        let lead = raw.len() - raw.trim_start().len();
        let first_line = line + raw.get(..lead).unwrap_or("").matches('\n').count();
        push_text(&mut text, &mut text_line, &mut stack, first_line, &decoded);
        line += raw.matches('\n').count();
        i += end.max(1);
    }
    while let Some(t) = stack.pop() {
        finish(t, &mut out);
    }
    flush(&mut text, &mut text_line, &mut out.lines);
    out
}

/// Append text to the open cell, or to the current block outside tables.
fn push_text(
    text: &mut String,
    text_line: &mut usize,
    stack: &mut [RawTable],
    line: usize,
    s: &str,
) {
    if let Some(t) = stack.last_mut() {
        if let Some(c) = t.cell.as_mut() {
            if c.0.len() < MAX_CELL_BYTES {
                c.0.push_str(s);
            }
        }
        return;
    }
    if s.trim().is_empty() {
        if !text.is_empty() {
            text.push(' ');
        }
        return;
    }
    if *text_line == 0 {
        *text_line = line;
    }
    if text.len() < MAX_CELL_BYTES {
        text.push_str(s);
    }
}

/// Case-insensitive find of an ASCII needle.
fn find_ci(hay: &str, needle: &str) -> Option<usize> {
    let n = needle.as_bytes();
    hay.as_bytes()
        .windows(n.len())
        .position(|w| w.eq_ignore_ascii_case(n))
}

/// Parse an HTML document: its tables become SDK/permission rows, the rest of its text is
/// read like plain text (key:value blocks, prose, vague disclosures).
pub fn parse_html(src: &str, vocab: &Vocabulary) -> DeclaredPolicy {
    parse_html_lines(src, vocab).0
}

/// [`parse_html`], also returning the text lines outside tables as (line of the source,
/// text), one per block element.
pub(crate) fn parse_html_lines(
    src: &str,
    vocab: &Vocabulary,
) -> (DeclaredPolicy, Vec<(usize, String)>) {
    let mut pol = DeclaredPolicy::default();
    let sc = scan(src);
    pol.warnings.extend(sc.warnings.iter().cloned());
    tables_to_rows(sc.tables, vocab, &mut pol);
    let mut text = String::new();
    let mut line_map: Vec<usize> = Vec::with_capacity(sc.lines.len());
    for (l, t) in &sc.lines {
        text.push_str(t);
        text.push('\n');
        line_map.push(*l);
    }
    let (mut rest, skip) = super::text::read_text(&text, vocab);
    // The whole-document pass sees the table rows already read (so it adds no repeat), and
    // adds only to `rest`, whose lines are mapped below.
    let (n_sdk, n_perm) = (pol.sdks.len(), pol.permissions.len());
    let mut all = std::mem::take(&mut pol.sdks);
    all.append(&mut rest.sdks);
    rest.sdks = all;
    let mut all = std::mem::take(&mut pol.permissions);
    all.append(&mut rest.permissions);
    rest.permissions = all;
    super::recognize::recognise(&text, vocab, &mut rest, &skip);
    pol.sdks = rest.sdks.drain(..n_sdk).collect();
    pol.permissions = rest.permissions.drain(..n_perm).collect();
    let map = |l: usize| -> usize {
        l.checked_sub(1)
            .and_then(|i| line_map.get(i))
            .copied()
            .unwrap_or(l)
    };
    for s in &mut rest.sdks {
        s.source.line = map(s.source.line);
    }
    for p in &mut rest.permissions {
        p.source.line = map(p.source.line);
    }
    for d in &mut rest.data_types {
        d.source.line = map(d.source.line);
    }
    for v in &mut rest.vague {
        v.source.line = map(v.source.line);
    }
    pol.sdks.extend(rest.sdks);
    pol.permissions.extend(rest.permissions);
    pol.vague.extend(rest.vague);
    pol.data_types.extend(rest.data_types);
    pol.warnings.extend(rest.warnings);
    // headings as Markdown headings, for the section finder
    let mut lines = sc.lines;
    for (at, level) in sc.headings {
        if let Some(l) = lines.get_mut(at) {
            l.1 = format!("{} {}", "#".repeat(level), l.1);
        }
    }
    (pol, lines)
}

/// Largest `rowspan` honoured (HTML allows 65,534; real policy tables span a few rows).
const MAX_ROWSPAN: usize = 1000;

/// Bytes of cell text materialised per table by spans (rowspan copies); past it, spanned
/// copies are left empty with a warning.
pub const SPAN_BUDGET: usize = 32 * 1024 * 1024;

/// Lay out one row's cells (text, rowspan, colspan) on the table grid: cells carried down
/// from rows above by their `rowspan` take their columns first (so a company cell shared by
/// two SDK rows belongs to both), a `colspan` cell fills its extra columns with empty
/// text. At most [`MAX_COLUMNS`] columns; each call costs O(cells × [`MAX_COLUMNS`]), and
/// copies made for spans are charged to `budget` (bytes).
fn place_cells(
    cells: Vec<(String, usize, usize)>,
    carry: &mut Vec<(usize, String, usize)>,
    budget: &mut usize,
) -> Vec<String> {
    let mut row: Vec<String> = Vec::new();
    let take_carried =
        |row: &mut Vec<String>, carry: &mut Vec<(usize, String, usize)>, budget: &mut usize| {
            while let Some(i) = carry.iter().position(|c| c.0 == row.len()) {
                let Some((_, text, left)) = carry.get_mut(i) else {
                    break;
                };
                if *budget >= text.len() {
                    *budget -= text.len();
                    row.push(text.clone());
                } else {
                    row.push(String::new());
                }
                *left -= 1;
                if *left == 0 {
                    carry.remove(i);
                }
            }
        };
    for (text, rows, cols) in cells {
        take_carried(&mut row, carry, budget);
        if row.len() >= MAX_COLUMNS {
            break;
        }
        if rows > 1 {
            carry.push((row.len(), text.clone(), rows - 1));
        }
        row.push(text);
        for _ in 1..cols {
            if row.len() >= MAX_COLUMNS {
                break;
            }
            row.push(String::new());
        }
    }
    // carried cells at the end of the row
    while row.len() < MAX_COLUMNS && carry.iter().any(|c| c.0 >= row.len()) {
        let before = row.len();
        take_carried(&mut row, carry, budget);
        if row.len() == before {
            // a gap before the next carried column: fill it
            row.push(String::new());
        }
    }
    row
}

/// Extract every `<table>` of `src` (an HTML document, or Markdown with HTML tables, closed
/// or not) into SDK/permission rows of `pol`.
pub fn html_tables(src: &str, vocab: &Vocabulary, pol: &mut DeclaredPolicy) {
    let sc = scan(src);
    pol.warnings.extend(sc.warnings);
    tables_to_rows(sc.tables, vocab, pol);
}

/// Lay out each table's spans, find its header (the first of its first 20 rows with at
/// least two recognised cells) and read its rows.
fn tables_to_rows(tables: Vec<RawTable>, vocab: &Vocabulary, pol: &mut DeclaredPolicy) {
    let (scols, pcols) = column_terms();
    for t in tables {
        let mut carry: Vec<(usize, String, usize)> = Vec::new();
        let mut budget = SPAN_BUDGET;
        let rows: Vec<(usize, Vec<String>)> = t
            .rows
            .into_iter()
            .map(|(line, cells)| (line, place_cells(cells, &mut carry, &mut budget)))
            .collect();
        if budget == 0 || budget < SPAN_BUDGET / 1024 {
            pol.warnings.push(format!(
                "html table at line {}: rowspan copies over {} MiB; later copies left empty",
                rows.first().map(|r| r.0).unwrap_or(0),
                SPAN_BUDGET >> 20
            ));
        }
        let known = |r: &Vec<String>| {
            r.iter()
                .filter(|c| best_field(c, scols).is_some() || best_field(c, pcols).is_some())
                .count()
        };
        let Some(h) = rows
            .iter()
            .take(20)
            .position(|(_, r)| r.len() >= 2 && known(r) >= 2)
        else {
            if !rows.is_empty() {
                pol.warnings.push(format!(
                    "html table at line {}: no recognised header; skipped",
                    rows.first().map(|r| r.0).unwrap_or(0)
                ));
            }
            continue;
        };
        let header = rows.get(h).map(|r| r.1.clone()).unwrap_or_default();
        let all: Vec<(usize, Vec<String>)> = rows.into_iter().skip(h + 1).collect();
        let total = all.len();
        let first_line = all.first().map(|r| r.0).unwrap_or(0);
        let body: Vec<(usize, Vec<String>)> =
            all.into_iter().filter(|(_, r)| r.len() >= 2).collect();
        if body.len() < total {
            pol.warnings.push(format!(
                "html table at line {first_line}: {} rows with fewer than two cells skipped",
                total - body.len()
            ));
        }
        table_rows(&header, body, vocab, pol);
    }
}

#[cfg(test)]
mod span_tests {
    use super::*;

    #[test]
    fn rowspan_cells_are_carried_down_and_colspan_keeps_columns() {
        let html = r#"<table>
<tr><th>SDK名称</th><th>第三方公司名称</th><th>收集个人信息</th><th>隐私政策链接</th></tr>
<tr><td>优量汇SDK</td><td rowspan="2">深圳市腾讯计算机系统有限公司</td><td>设备信息</td><td>https://e.qq.com/privacy</td></tr>
<tr><td>Bugly</td><td>崩溃日志</td><td>https://bugly.qq.com/privacy</td></tr>
<tr><td>穿山甲SDK</td><td colspan="2">北京巨量引擎网络技术有限公司</td><td>https://www.pangle.cn/privacy</td></tr>
</table>"#;
        let pol = parse_html(html, &Vocabulary::embedded());
        let by = |id: &str| {
            pol.sdks
                .iter()
                .find(|s| s.id.as_deref() == Some(id))
                .unwrap()
        };
        assert_eq!(
            by("gdt").company.as_deref(),
            Some("深圳市腾讯计算机系统有限公司")
        );
        // the second row shares the company cell and keeps its own columns
        assert_eq!(
            by("bugly").company.as_deref(),
            Some("深圳市腾讯计算机系统有限公司")
        );
        assert!(by("bugly").data_types.contains(&"crash_logs".to_string()));
        assert_eq!(
            by("bugly").link.as_deref(),
            Some("https://bugly.qq.com/privacy")
        );
        // a colspan cell does not shift the link into the data column
        assert_eq!(
            by("pangle").link.as_deref(),
            Some("https://www.pangle.cn/privacy")
        );
    }

    #[test]
    fn place_cells_is_bounded() {
        let mut carry = Vec::new();
        let mut budget = SPAN_BUDGET;
        let row = place_cells(
            vec![("a".into(), MAX_ROWSPAN, MAX_COLUMNS); 200],
            &mut carry,
            &mut budget,
        );
        assert!(row.len() <= MAX_COLUMNS);
        let next = place_cells(Vec::new(), &mut carry, &mut budget);
        assert!(next.len() <= MAX_COLUMNS);
    }
}
