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
