//! HTML policies (and HTML tables inside Markdown/MDX), parsed with `scraper` (html5ever).

use super::text::{best_field, table_rows, MAX_COLUMNS};
use super::vocab::{column_terms, Vocabulary};
use super::DeclaredPolicy;
use scraper::{ElementRef, Html, Selector};

/// Parse an HTML document: its tables become SDK/permission rows, the rest of its text is
/// read like plain text (key:value blocks, prose, vague disclosures).
pub fn parse_html(src: &str, vocab: &Vocabulary) -> DeclaredPolicy {
    let mut pol = DeclaredPolicy::default();
    html_tables(src, vocab, &mut pol);
    let doc = Html::parse_document(src);
    let mut text = String::new();
    // Source line of each extracted text line: found by searching the start of the
    // element's first text node in the source, moving forward only (entities or markup
    // inside the first words keep the previous line).
    let mut line_map: Vec<usize> = Vec::new();
    let mut cursor = 0usize;
    let mut cursor_line = 1usize;
    // Text outside tables, one block element per line.
    if let Ok(sel) = Selector::parse("p, li, h1, h2, h3, h4, h5, h6, div, span") {
        for el in doc.select(&sel) {
            if el
                .ancestors()
                .any(|a| ElementRef::wrap(a).is_some_and(|e| e.value().name() == "table"))
            {
                continue;
            }
            if el.children().any(|c| {
                ElementRef::wrap(c).is_some_and(|e| matches!(e.value().name(), "p" | "div" | "li"))
            }) {
                continue;
            }
            let t: String = el.text().collect::<Vec<_>>().join("");
            let t = t.split_whitespace().collect::<Vec<_>>().join(" ");
            if t.is_empty() {
                continue;
            }
            if let Some(first) = el.text().map(str::trim).find(|x| !x.is_empty()) {
                let probe: String = first.chars().take(16).collect();
                if let Some(p) = src.get(cursor..).and_then(|s| s.find(probe.as_str())) {
                    let at = cursor + p;
                    cursor_line += src
                        .get(cursor..at)
                        .map(|s| s.matches('\n').count())
                        .unwrap_or(0);
                    cursor = at;
                }
            }
            text.push_str(&t);
            text.push('\n');
            line_map.push(cursor_line);
        }
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
    pol
}

/// Byte offsets of each `<tr` in `src`, in order (for line numbers).
fn tr_lines(src: &str) -> Vec<usize> {
    let lower = src.to_ascii_lowercase();
    let mut out = Vec::new();
    let mut from = 0usize;
    while let Some(p) = lower.get(from..).and_then(|s| s.find("<tr")) {
        let at = from + p;
        let line = src
            .get(..at)
            .map(|s| s.matches('\n').count() + 1)
            .unwrap_or(1);
        out.push(line);
        from = at + 3;
    }
    out
}

/// Largest `rowspan` honoured (HTML allows 65,534; real policy tables span a few rows).
const MAX_ROWSPAN: usize = 1000;

/// Lay out one row's cells (text, rowspan, colspan) on the table grid: cells carried down
/// from rows above by their `rowspan` take their columns first (so a company cell shared by
/// two SDK rows belongs to both), a `colspan` cell fills its extra columns with empty
/// text. At most [`MAX_COLUMNS`] columns.
fn place_cells(
    cells: Vec<(String, usize, usize)>,
    carry: &mut Vec<(usize, String, usize)>,
) -> Vec<String> {
    let mut row: Vec<String> = Vec::new();
    let take_carried = |row: &mut Vec<String>, carry: &mut Vec<(usize, String, usize)>| {
        while let Some(i) = carry.iter().position(|c| c.0 == row.len()) {
            let (_, text, left) = &mut carry[i];
            row.push(text.clone());
            *left -= 1;
            if *left == 0 {
                carry.remove(i);
            }
        }
    };
    for (text, rows, cols) in cells {
        take_carried(&mut row, carry);
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
        take_carried(&mut row, carry);
        if row.len() == before {
            // a gap before the next carried column: fill it
            row.push(String::new());
        }
    }
    row
}

/// Extract every `<table>` of `src` into SDK/permission rows of `pol`.
pub fn html_tables(src: &str, vocab: &Vocabulary, pol: &mut DeclaredPolicy) {
    let doc = Html::parse_document(src);
    let (Ok(tsel), Ok(rsel), Ok(csel)) = (
        Selector::parse("table"),
        Selector::parse("tr"),
        Selector::parse("th, td"),
    ) else {
        return;
    };
    let lines = tr_lines(src);
    let (scols, pcols) = column_terms();
    let mut tr_index = 0usize;
    for table in doc.select(&tsel) {
        let mut rows: Vec<(usize, Vec<String>)> = Vec::new();
        // cells with rowspan > 1 still to be repeated below: (column, text, rows left)
        let mut carry: Vec<(usize, String, usize)> = Vec::new();
        for tr in table.select(&rsel) {
            let line = lines.get(tr_index).copied().unwrap_or(0);
            tr_index += 1;
            let spanned: Vec<(String, usize, usize)> = tr
                .select(&csel)
                .map(|c| {
                    let span = |name: &str, max: usize| {
                        c.value()
                            .attr(name)
                            .and_then(|v| v.trim().parse::<usize>().ok())
                            .map_or(1, |n| n.clamp(1, max))
                    };
                    let (rows, cols) = (span("rowspan", MAX_ROWSPAN), span("colspan", MAX_COLUMNS));
                    let mut t = c.text().collect::<Vec<_>>().join(" ");
                    // Keep link targets: a cell whose text is only anchor text still has its URL.
                    if let Ok(a) = Selector::parse("a[href]") {
                        for link in c.select(&a) {
                            if let Some(h) = link.value().attr("href") {
                                if h.starts_with("http") && !t.contains(h) {
                                    t.push(' ');
                                    t.push_str(h);
                                }
                            }
                        }
                    }
                    (
                        t.split_whitespace().collect::<Vec<_>>().join(" "),
                        rows,
                        cols,
                    )
                })
                .collect();
            let cells = place_cells(spanned, &mut carry);
            rows.push((line, cells));
        }
        let known = |r: &Vec<String>| {
            r.iter()
                .filter(|c| best_field(c, scols).is_some() || best_field(c, pcols).is_some())
                .count()
        };
        let Some(h) = rows.iter().position(|(_, r)| r.len() >= 2 && known(r) >= 2) else {
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
        let body: Vec<(usize, Vec<String>)> =
            all.into_iter().filter(|(_, r)| r.len() >= 2).collect();
        if body.len() < total {
            pol.warnings.push(format!(
                "html table at line {}: {} rows with fewer than two cells skipped",
                lines
                    .get(tr_index.saturating_sub(total))
                    .copied()
                    .unwrap_or(0),
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
        let row = place_cells(
            vec![("a".into(), MAX_ROWSPAN, MAX_COLUMNS); 200],
            &mut carry,
        );
        assert!(row.len() <= MAX_COLUMNS);
        let next = place_cells(Vec::new(), &mut carry);
        assert!(next.len() <= MAX_COLUMNS);
    }
}
