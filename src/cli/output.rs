//! Writing results to standard output: every write reports a closed pipe as
//! [`Failure::Closed`](super::Failure) so the command stops quietly.

use super::Failure;
use std::io::Write;

/// Write `text` to standard output and flush.
pub fn emit(text: &str) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(())
}

/// Serialize as JSON (pretty or one line) and write it with a trailing newline.
pub fn emit_json<T: serde::Serialize>(value: &T, pretty: bool) -> Result<(), Failure> {
    let text = if pretty {
        serde_json::to_string_pretty(value)
    } else {
        serde_json::to_string(value)
    }
    .map_err(|e| Failure::Input(format!("cannot serialize the result: {e}")))?;
    emit(&format!("{text}\n"))
}

/// The terminal's table style: its width (`COLUMNS`, else the terminal's, else 100 when
/// not a terminal) and colour only on a terminal without `NO_COLOR`.
pub fn table_style(lang: apkaudit::knowledge::Lang) -> apkaudit::report::TableStyle {
    use std::io::IsTerminal;
    let tty = std::io::stdout().is_terminal();
    let width = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse::<usize>().ok())
        .filter(|w| *w > 0)
        .or_else(|| {
            tty.then(|| comfy_table::Table::new().width().map(usize::from))
                .flatten()
        })
        .unwrap_or(100);
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    apkaudit::report::TableStyle {
        width,
        color: tty && !no_color,
        lang,
    }
}
